package store

import (
	"context"
	"errors"

	"github.com/masx-ai/masx/news"
)

// Sentinel errors. Drivers wrap them with context; match them with
// errors.Is.
var (
	// ErrNotFound: the run, flashpoint or article asked for (or referenced
	// by a write) is not stored.
	ErrNotFound = errors.New("not found")
	// ErrExists: CreateRun was given the ID of a run that is already stored.
	ErrExists = errors.New("already exists")
	// ErrInvalid: a value failed validation before anything was written.
	// The message names the field and the rule it broke.
	ErrInvalid = errors.New("invalid")
	// ErrBadURL: a database URL whose form or scheme no driver accepts.
	// Callers map it to exit code 2 (usage).
	ErrBadURL = errors.New("bad database URL")
	// ErrClosed: the store was used after Close.
	ErrClosed = errors.New("store closed")
	// ErrOverLimit: AdmitFlashpoints would have left more unfinished
	// flashpoints than its limit; it wrote nothing.
	ErrOverLimit = errors.New("over the limit of unfinished flashpoints")
	// ErrNoSpace: a write failed because the database's disk is full
	// (SQLite: SQLITE_FULL; PostgreSQL: SQLSTATE 53100 disk_full). The
	// transaction was rolled back. Retrying soon fails the same way: an
	// operator has to free space.
	ErrNoSpace = errors.New("no space left on device (ENOSPC)")
)

// Store keeps runs, flashpoints, articles and clusters. Implementations are
// safe for concurrent use by many goroutines, and every write method is one
// transaction: it is applied whole or not at all.
//
// NOTE: this seam is young; methods may still be added. Code outside
// store/... should depend on it but not implement it.
type Store interface {
	// CreateRun stores a new run with Attempt 1. State must be empty
	// (meaning news.RunRunning), running, or queued (job mode, while its
	// flashpoints are being submitted: see SettleRun); a zero StartedAt
	// means now; FinishedAt and Attempt are ignored. A run whose ID is
	// already stored gives ErrExists (use ResumeRun to continue it).
	CreateRun(ctx context.Context, r news.Run) error
	// ResumeRun puts a stored run in state (running, or queued when its
	// jobs are about to be submitted again), clears its error and finished
	// time, adds one to its Attempt and returns it as stored, so a rerun
	// can continue where it stopped: with ArticleStatuses it skips finished
	// articles, and jobs of the previous attempt can tell they are stale.
	ResumeRun(ctx context.Context, runID string, state news.RunState) (news.Run, error)
	// FinishRun records how a run ended: state must be completed, failed or
	// cancelled; the finished time is now. Finishing twice keeps the last.
	// The in-process path calls it; in job mode FinishFlashpoint and
	// SettleRun finish the run instead.
	FinishRun(ctx context.Context, runID string, state news.RunState, errMsg string) error
	// FinishFlashpoint records how one flashpoint of a run ended (state
	// completed, failed or cancelled; the finished time is now) and, in the
	// same transaction, finishes the run when it is running (not queued,
	// not already finished) and this was its last unfinished flashpoint:
	// completed when every flashpoint completed, else failed with the error
	// "N of M flashpoint(s) did not complete; ID: error" naming the first
	// such flashpoint in stored order. Workers finishing a run's last
	// flashpoints at the same moment finish it exactly once. It returns the
	// run as stored after the transaction. A missing run or flashpoint
	// gives ErrNotFound.
	FinishFlashpoint(ctx context.Context, runID, flashpointID string, state news.RunState, errMsg string) (news.Run, error)
	// SettleRun is called once every job of a run has been submitted: in
	// one transaction a queued run becomes running, and a running run with
	// no unfinished flashpoint is finished as FinishFlashpoint would (a run
	// without flashpoints completes). A finished run is returned unchanged.
	// A missing run gives ErrNotFound.
	SettleRun(ctx context.Context, runID string) (news.Run, error)
	// FlashpointStates returns how far each flashpoint of a run got, in
	// stored order. A missing run gives ErrNotFound.
	FlashpointStates(ctx context.Context, runID string) ([]news.FlashpointState, error)
	// UnfinishedFlashpoints counts the unfinished flashpoints of all
	// queued and running runs: the work still ahead of the job workers, a
	// bound for how much more to enqueue. It is an indexed count, cheap to
	// call before every submission.
	UnfinishedFlashpoints(ctx context.Context) (int, error)
	// AdmitFlashpoints is UpsertFlashpoints under a bound: in the same
	// transaction it counts what UnfinishedFlashpoints would count once
	// fps are stored (fps included, the run's earlier ones too) and, when
	// that is more than limit, writes nothing and returns ErrOverLimit,
	// wrapped with the count. Calls are serialised with one another across
	// every process using the database (SQLite: the write lock;
	// PostgreSQL: a transaction-level advisory lock), so concurrent
	// submitters never admit more than limit between them. limit ≤ 0
	// means no bound.
	AdmitFlashpoints(ctx context.Context, runID string, fps []news.Flashpoint, limit int) error
	// WithdrawRun deletes a run that never started (queued, in its first
	// attempt) with everything stored under it, in one transaction: the
	// submitter's undo when its run is refused. Any other run is left as
	// it is with ErrInvalid; a missing run gives ErrNotFound.
	WithdrawRun(ctx context.Context, runID string) error
	// GetRun returns one run or ErrNotFound.
	GetRun(ctx context.Context, runID string) (news.Run, error)
	// LatestRun returns the run started last, or ErrNotFound when none is
	// stored.
	LatestRun(ctx context.Context) (news.Run, error)
	// Runs returns up to limit runs, newest first (limit ≤ 0: all).
	Runs(ctx context.Context, limit int) ([]news.Run, error)

	// UpsertFlashpoints stores a run's flashpoints, updating those already
	// stored (same run and ID). A new flashpoint is unfinished (state
	// running, no error); an updated one is made unfinished again unless
	// it is stored completed, so a resumed run redoes only the flashpoints
	// that did not complete. Feeds are not stored here: they become
	// articles through PutArticles, which needs their flashpoint stored
	// first (else ErrNotFound). A missing run gives ErrNotFound.
	UpsertFlashpoints(ctx context.Context, runID string, fps []news.Flashpoint) error
	// Flashpoints returns a run's flashpoints in the order they were first
	// stored, without Feeds.
	Flashpoints(ctx context.Context, runID string) ([]news.Flashpoint, error)

	// PutArticles inserts or updates articles keyed by (RunID,
	// Feed.FlashpointID, URL) in one transaction, so writing the same
	// batch twice leaves one row per key. An empty Status means pending.
	// A stored terminal status (Status.Terminal) is never replaced by a
	// non-terminal one (pending, cancelled): such an update leaves the
	// stored row as it is. Within one batch, entries with the same key are
	// applied in order under the same rule. CreatedAt and UpdatedAt are set
	// by the store. Text is stored as valid UTF-8 without NUL bytes
	// (invalid bytes become U+FFFD; NULs are removed), the same in every
	// driver. An empty Embedding, Timings or list reads back as nil.
	PutArticles(ctx context.Context, as []news.Article) error
	// ArticleStatuses maps URL to status for one flashpoint of a run, so a
	// rerun can skip articles that already reached a terminal status.
	ArticleStatuses(ctx context.Context, runID, flashpointID string) (map[string]news.Status, error)
	// Articles returns the articles that match q, in the order they were
	// first stored. No match is an empty result, not an error.
	Articles(ctx context.Context, q ArticleQuery) ([]news.Article, error)
	// CountByStatus counts a run's articles by status; statuses with no
	// articles are absent.
	CountByStatus(ctx context.Context, runID string) (map[news.Status]int, error)

	// ReplaceClusters replaces all clusters of one flashpoint of a run with
	// cs in one transaction (an empty cs deletes them). Each cluster's
	// RunID and FlashpointID must be empty or equal to the arguments;
	// ClusterIDs must be unique. A missing flashpoint gives ErrNotFound.
	ReplaceClusters(ctx context.Context, runID, flashpointID string, cs []news.Cluster) error
	// Clusters returns the clusters that match q, ordered by flashpoint ID
	// and cluster ID.
	Clusters(ctx context.Context, q ClusterQuery) ([]news.Cluster, error)

	// Ping checks that the database answers.
	Ping(ctx context.Context) error
	// Close releases connections. It is idempotent; later calls of other
	// methods return ErrClosed.
	Close() error
}

// ArticleQuery selects articles of one run.
type ArticleQuery struct {
	// RunID is required.
	RunID string
	// FlashpointID, when set, keeps one flashpoint's articles.
	FlashpointID string
	// Statuses, when set, keeps articles with one of these statuses.
	Statuses []news.Status
	// URL, when set, keeps the article(s) with exactly this URL.
	URL string
	// OmitText leaves RawText, RawTextEN, CompressedText and ProcessedText
	// empty, which saves most of the memory when only summaries and
	// embeddings are needed (clustering, result views).
	OmitText bool
	// Limit caps the number of articles returned; 0 means no cap.
	Limit int
	// Offset skips that many matching articles first (paging).
	Offset int
}

// ClusterQuery selects clusters of one run.
type ClusterQuery struct {
	// RunID is required.
	RunID string
	// FlashpointID, when set, keeps one flashpoint's clusters.
	FlashpointID string
}
