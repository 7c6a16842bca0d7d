package postgres

import (
	"context"
	"embed"
	"errors"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/masx-ai/masx/news"
	"github.com/masx-ai/masx/store"
	"github.com/masx-ai/masx/store/internal/migrate"
	"github.com/masx-ai/masx/store/internal/record"
)

//go:embed migrations/*.sql
var migrationFiles embed.FS

// MigrationsTable records the applied schema versions.
const MigrationsTable = "masx_schema_migrations"

// migrationLock is the advisory lock key two processes migrating the same
// database at once take in turn ("masxmigr" in ASCII).
const migrationLock int64 = 0x6d6173786d696772

// admissionLock is the transaction-level advisory lock AdmitFlashpoints
// holds while it counts and stores ("masx_adm" in ASCII).
const admissionLock int64 = 0x6d6173785f61646d

// Defaults for Config's zero fields.
const (
	BatchRowsDefault = 500
	CopyRowsDefault  = 100
)

// Config tunes a Store. The zero value (or nil) gives the defaults.
type Config struct {
	// MaxConns caps the connection pool. Default: the URL's pool_max_conns,
	// else pgxpool's default (the larger of 4 and the number of CPUs).
	MaxConns int32
	// BatchRows is how many article upserts PutArticles sends per round
	// trip inside its one transaction; it bounds the client memory a large
	// batch takes. Default BatchRowsDefault (500).
	BatchRows int
	// CopyRows: a PutArticles batch of at least this many articles goes in
	// by COPY into a temporary table and one INSERT … SELECT … ON CONFLICT,
	// which streams rows in small buffers and costs the server one
	// statement; smaller batches are pipelined upserts, which skip the
	// temporary table. Negative: never COPY. Default CopyRowsDefault (100).
	// See the package doc for measurements.
	CopyRows int
}

func (c *Config) resolve() (Config, error) {
	var r Config
	if c != nil {
		r = *c
	}
	switch {
	case r.MaxConns < 0:
		return r, fmt.Errorf("postgres Config.MaxConns %d: want ≥ 0 (0 means the URL's or pgxpool's default): %w", r.MaxConns, store.ErrInvalid)
	case r.BatchRows < 0:
		return r, fmt.Errorf("postgres Config.BatchRows %d: want ≥ 0 (0 means %d): %w", r.BatchRows, BatchRowsDefault, store.ErrInvalid)
	}
	if r.BatchRows == 0 {
		r.BatchRows = BatchRowsDefault
	}
	if r.CopyRows == 0 {
		r.CopyRows = CopyRowsDefault
	}
	return r, nil
}

// Store is the PostgreSQL store.
type Store struct {
	pool      *pgxpool.Pool
	cfg       Config
	closed    atomic.Bool
	closeOnce sync.Once
}

var _ store.Store = (*Store)(nil)

// Open connects to the database at url (postgres:// or postgresql://, any
// libpq parameters pgx accepts, pool_max_conns included) and applies pending
// migrations. A URL pgx cannot parse gives store.ErrBadURL.
func Open(ctx context.Context, url string, cfg *Config) (*Store, error) {
	c, err := cfg.resolve()
	if err != nil {
		return nil, err
	}
	pc, err := pgxpool.ParseConfig(url)
	if err != nil {
		return nil, fmt.Errorf("opening postgres: %w: %w", store.ErrBadURL, err)
	}
	if c.MaxConns > 0 {
		pc.MaxConns = c.MaxConns
	}
	where := fmt.Sprintf("postgres %s:%d/%s", pc.ConnConfig.Host, pc.ConnConfig.Port, pc.ConnConfig.Database)
	pool, err := pgxpool.NewWithConfig(ctx, pc)
	if err != nil {
		return nil, fmt.Errorf("opening %s: %w", where, err)
	}
	s := &Store{pool: pool, cfg: c}
	if err := pool.Ping(ctx); err != nil {
		pool.Close()
		return nil, fmt.Errorf("opening %s: %w", where, fail(ctx, err))
	}
	if err := s.migrate(ctx); err != nil {
		pool.Close()
		return nil, fmt.Errorf("opening %s: %w", where, fail(ctx, err))
	}
	return s, nil
}

// migrate applies pending migrations in one transaction under a
// transaction-scoped advisory lock: a second process migrating the same
// database waits, then finds nothing left to do. (Without the lock, two
// concurrent CREATE TABLE IF NOT EXISTS can still collide in the catalog.)
func (s *Store) migrate(ctx context.Context) error {
	all, err := migrate.Load(migrationFiles, "migrations")
	if err != nil {
		return err
	}
	return pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock($1)`, migrationLock); err != nil {
			return fmt.Errorf("locking migrations: %w", err)
		}
		if _, err := tx.Exec(ctx, `CREATE TABLE IF NOT EXISTS `+MigrationsTable+
			` (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TIMESTAMPTZ NOT NULL DEFAULT now())`); err != nil {
			return fmt.Errorf("creating %s: %w", MigrationsTable, err)
		}
		rows, _ := tx.Query(ctx, `SELECT version FROM `+MigrationsTable)
		applied, err := pgx.CollectRows(rows, pgx.RowTo[int])
		if err != nil {
			return fmt.Errorf("reading %s: %w", MigrationsTable, err)
		}
		pending, err := migrate.Pending(all, applied)
		if err != nil {
			return err
		}
		for _, m := range pending {
			if _, err := tx.Exec(ctx, m.SQL); err != nil {
				return fmt.Errorf("applying migration %04d_%s: %w", m.Version, m.Name, err)
			}
			if _, err := tx.Exec(ctx, `INSERT INTO `+MigrationsTable+` (version, name) VALUES ($1, $2)`, m.Version, m.Name); err != nil {
				return fmt.Errorf("recording migration %04d_%s: %w", m.Version, m.Name, err)
			}
		}
		return nil
	})
}

// Pool returns the connection pool, for River's riverpgxv5 driver or
// plain SQL. Close closes it.
func (s *Store) Pool() *pgxpool.Pool { return s.pool }

// WithAdvisoryLock runs fn while this process holds the session-level
// advisory lock key on a connection of its own; another process (or
// goroutine) asking for the same key waits until fn returns. fn may use
// the pool freely. River's migrations run under it (jobs.DriverOptions),
// so workers starting together do not race to create River's tables.
func (s *Store) WithAdvisoryLock(ctx context.Context, key int64, fn func(context.Context) error) error {
	if s.closed.Load() {
		return store.ErrClosed
	}
	conn, err := s.pool.Acquire(ctx)
	if err != nil {
		return fmt.Errorf("taking advisory lock %#x: %w", key, fail(ctx, err))
	}
	defer conn.Release()
	if _, err := conn.Exec(ctx, "SELECT pg_advisory_lock($1)", key); err != nil {
		return fmt.Errorf("taking advisory lock %#x: %w", key, fail(ctx, err))
	}
	defer func() {
		// Unlocked even when ctx has ended; a failed unlock ends with the
		// session when the pool drops the connection.
		if _, err := conn.Exec(context.WithoutCancel(ctx), "SELECT pg_advisory_unlock($1)", key); err != nil {
			_ = conn.Conn().Close(context.WithoutCancel(ctx)) // ends the session, and with it the lock
		}
	}()
	return fn(ctx)
}

func (s *Store) write(ctx context.Context, fn func(tx pgx.Tx) error) error {
	if s.closed.Load() {
		return store.ErrClosed
	}
	return fail(ctx, noSpace(pgx.BeginFunc(ctx, s.pool, fn)))
}

// noSpace marks a write the server refused for lack of disk space
// (SQLSTATE 53100 disk_full: "could not extend file …: No space left on
// device") with store.ErrNoSpace.
func noSpace(err error) error {
	if err != nil && pgCode(err) == codeDiskFull && !errors.Is(err, store.ErrNoSpace) {
		return fmt.Errorf("%w: %w", store.ErrNoSpace, err)
	}
	return err
}

func (s *Store) reader() error {
	if s.closed.Load() {
		return store.ErrClosed
	}
	return nil
}

// fail puts the context's error in front when the context ended.
func fail(ctx context.Context, err error) error {
	if err == nil {
		return nil
	}
	if ce := ctx.Err(); ce != nil && !errors.Is(err, ce) {
		return fmt.Errorf("%w: %w", ce, err)
	}
	return err
}

func pgCode(err error) string {
	var e *pgconn.PgError
	if errors.As(err, &e) {
		return e.Code
	}
	return ""
}

const (
	codeUnique     = "23505"
	codeForeignKey = "23503"
	codeDiskFull   = "53100"
)

func nullTime(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	return t
}

// CreateRun implements store.Store.
func (s *Store) CreateRun(ctx context.Context, r news.Run) error {
	r, err := record.Run(r, record.Now())
	if err != nil {
		return fmt.Errorf("creating run: %w", err)
	}
	err = s.write(ctx, func(tx pgx.Tx) error {
		_, err := tx.Exec(ctx, `INSERT INTO runs (id, state, attempt, input, flashpoints, articles, error, started_at, finished_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
			r.ID, string(r.State), r.Attempt, r.Input, r.Flashpoints, r.Articles, r.Error, r.StartedAt, nullTime(r.FinishedAt))
		if pgCode(err) == codeUnique {
			return store.ErrExists
		}
		return err
	})
	if err != nil {
		return fmt.Errorf("creating run %q: %w", r.ID, err)
	}
	return nil
}

// ResumeRun implements store.Store.
func (s *Store) ResumeRun(ctx context.Context, runID string, state news.RunState) (news.Run, error) {
	if err := record.ResumeState(runID, state); err != nil {
		return news.Run{}, fmt.Errorf("resuming run: %w", err)
	}
	var r news.Run
	err := s.write(ctx, func(tx pgx.Tx) error {
		var x record.RunRow
		err := tx.QueryRow(ctx, `UPDATE runs SET state = $1, attempt = attempt + 1, error = '', finished_at = NULL
			WHERE id = $2 RETURNING `+record.RunColumns,
			string(state), runID).Scan(x.Dest()...)
		if errors.Is(err, pgx.ErrNoRows) {
			return store.ErrNotFound
		}
		if err != nil {
			return err
		}
		r, err = x.Run()
		return err
	})
	if err != nil {
		return news.Run{}, fmt.Errorf("resuming run %q: %w", runID, err)
	}
	return r, nil
}

// FinishRun implements store.Store.
func (s *Store) FinishRun(ctx context.Context, runID string, state news.RunState, errMsg string) error {
	if err := record.FinishState(runID, state); err != nil {
		return fmt.Errorf("finishing run: %w", err)
	}
	err := s.write(ctx, func(tx pgx.Tx) error {
		tag, err := tx.Exec(ctx, `UPDATE runs SET state = $1, error = $2, finished_at = $3 WHERE id = $4`,
			string(state), record.Clean(errMsg), record.Now(), runID)
		if err != nil {
			return err
		}
		if tag.RowsAffected() == 0 {
			return store.ErrNotFound
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("finishing run %q: %w", runID, err)
	}
	return nil
}

// GetRun implements store.Store.
func (s *Store) GetRun(ctx context.Context, runID string) (news.Run, error) {
	r, err := s.oneRun(ctx, `SELECT `+record.RunColumns+` FROM runs WHERE id = $1`, runID)
	if err != nil {
		return r, fmt.Errorf("getting run %q: %w", runID, err)
	}
	return r, nil
}

// LatestRun implements store.Store.
func (s *Store) LatestRun(ctx context.Context) (news.Run, error) {
	r, err := s.oneRun(ctx, `SELECT `+record.RunColumns+` FROM runs ORDER BY started_at DESC, seq DESC LIMIT 1`)
	if err != nil {
		return r, fmt.Errorf("getting latest run: %w", err)
	}
	return r, nil
}

func (s *Store) oneRun(ctx context.Context, query string, args ...any) (news.Run, error) {
	if err := s.reader(); err != nil {
		return news.Run{}, err
	}
	var x record.RunRow
	err := s.pool.QueryRow(ctx, query, args...).Scan(x.Dest()...)
	if errors.Is(err, pgx.ErrNoRows) {
		return news.Run{}, store.ErrNotFound
	}
	if err != nil {
		return news.Run{}, fail(ctx, err)
	}
	return x.Run()
}

// query runs a read and calls each for every row.
func (s *Store) query(ctx context.Context, dest func() []any, each func() error, sql string, args ...any) error {
	if err := s.reader(); err != nil {
		return err
	}
	rows, err := s.pool.Query(ctx, sql, args...)
	if err != nil {
		return fail(ctx, err)
	}
	defer rows.Close()
	for rows.Next() {
		if err := rows.Scan(dest()...); err != nil {
			return err
		}
		if err := each(); err != nil {
			return err
		}
	}
	return fail(ctx, rows.Err())
}

// Runs implements store.Store.
func (s *Store) Runs(ctx context.Context, limit int) ([]news.Run, error) {
	q := `SELECT ` + record.RunColumns + ` FROM runs ORDER BY started_at DESC, seq DESC`
	var args []any
	if limit > 0 {
		q += ` LIMIT $1`
		args = append(args, limit)
	}
	var out []news.Run
	var x record.RunRow
	err := s.query(ctx, x.Dest, func() error {
		r, err := x.Run()
		out = append(out, r)
		return err
	}, q, args...)
	if err != nil {
		return nil, fmt.Errorf("listing runs: %w", err)
	}
	return out, nil
}

// UpsertFlashpoints implements store.Store.
func (s *Store) UpsertFlashpoints(ctx context.Context, runID string, fps []news.Flashpoint) error {
	return s.AdmitFlashpoints(ctx, runID, fps, 0)
}

// AdmitFlashpoints implements store.Store. With a limit, the transaction
// first takes the advisory lock admissionLock, which it holds until it
// commits or rolls back: admissions from every process then run one after
// another, and under READ COMMITTED the count, a statement started after
// the lock was granted, sees every earlier admission committed.
// Flashpoints finishing meanwhile only make the count smaller.
func (s *Store) AdmitFlashpoints(ctx context.Context, runID string, fps []news.Flashpoint, limit int) error {
	fps, err := record.Flashpoints(runID, fps)
	if err != nil {
		return fmt.Errorf("storing flashpoints: %w", err)
	}
	now := record.Now()
	err = s.write(ctx, func(tx pgx.Tx) error {
		if limit > 0 {
			if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock($1)`, admissionLock); err != nil {
				return fmt.Errorf("taking the admission lock: %w", err)
			}
		}
		var one int
		if err := tx.QueryRow(ctx, `SELECT 1 FROM runs WHERE id = $1`, runID).Scan(&one); errors.Is(err, pgx.ErrNoRows) {
			return store.ErrNotFound
		} else if err != nil {
			return err
		}
		b := &pgx.Batch{}
		for i := range fps {
			f := &fps[i]
			b.Queue(`INSERT INTO flashpoints (run_id, id, title, description, entities, domains, created_at, updated_at)
				VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
				ON CONFLICT (run_id, id) DO UPDATE SET title = excluded.title, description = excluded.description,
					entities = excluded.entities, domains = excluded.domains, updated_at = excluded.updated_at, `+flashpointReset,
				runID, f.ID, f.Title, f.Description, record.EncodeList(f.Entities), record.EncodeList(f.Domains), now, now)
		}
		if err := tx.SendBatch(ctx, b).Close(); err != nil || limit <= 0 {
			return err
		}
		var n int
		if err := tx.QueryRow(ctx, unfinishedQuery).Scan(&n); err != nil {
			return fmt.Errorf("counting unfinished flashpoints: %w", err)
		}
		return record.OverLimit(n, limit)
	})
	if err != nil {
		return fmt.Errorf("storing %d flashpoints of run %q: %w", len(fps), runID, err)
	}
	return nil
}

// WithdrawRun implements store.Store. The foreign keys cascade from the run
// to its flashpoints, and from them to articles and clusters.
func (s *Store) WithdrawRun(ctx context.Context, runID string) error {
	if err := record.ID("run ID", runID); err != nil {
		return fmt.Errorf("withdrawing run: %w", err)
	}
	err := s.write(ctx, func(tx pgx.Tx) error {
		tag, err := tx.Exec(ctx, `DELETE FROM runs WHERE id = $1 AND state = 'queued' AND attempt = 1`, runID)
		if err != nil || tag.RowsAffected() > 0 {
			return err
		}
		var state string
		var attempt int
		err = tx.QueryRow(ctx, `SELECT state, attempt FROM runs WHERE id = $1`, runID).Scan(&state, &attempt)
		if errors.Is(err, pgx.ErrNoRows) {
			return store.ErrNotFound
		} else if err != nil {
			return err
		}
		return record.NotWithdrawable(news.RunState(state), attempt)
	})
	if err != nil {
		return fmt.Errorf("withdrawing run %q: %w", runID, err)
	}
	return nil
}

// flashpointReset is the SET list that makes an updated flashpoint
// unfinished again unless it completed. Every expression reads the row as
// it was before the update.
const flashpointReset = `state = CASE WHEN flashpoints.state = 'completed' THEN flashpoints.state ELSE 'running' END,
	error = CASE WHEN flashpoints.state = 'completed' THEN flashpoints.error ELSE '' END,
	finished_at = CASE WHEN flashpoints.state = 'completed' THEN flashpoints.finished_at END`

// lockRun reads a run's state and locks its row until tx ends: FOR NO KEY
// UPDATE queues every FinishFlashpoint and SettleRun of the run behind one
// another, so under READ COMMITTED the next one's statements see what the
// previous one committed. Without it, two workers finishing a run's last
// two flashpoints at once would each still see the other's as unfinished,
// and neither would finish the run. (NO KEY leaves the FOR KEY SHARE locks
// of foreign-key checks, such as a flashpoint insert's, unblocked.)
func lockRun(ctx context.Context, tx pgx.Tx, runID string) (news.RunState, error) {
	var state string
	err := tx.QueryRow(ctx, `SELECT state FROM runs WHERE id = $1 FOR NO KEY UPDATE`, runID).Scan(&state)
	if errors.Is(err, pgx.ErrNoRows) {
		return "", fmt.Errorf("run %q: %w", runID, store.ErrNotFound)
	}
	return news.RunState(state), err
}

// FinishFlashpoint implements store.Store.
func (s *Store) FinishFlashpoint(ctx context.Context, runID, flashpointID string, state news.RunState, errMsg string) (news.Run, error) {
	if err := record.FlashpointFinishState(runID, flashpointID, state); err != nil {
		return news.Run{}, fmt.Errorf("finishing flashpoint: %w", err)
	}
	now := record.Now()
	var r news.Run
	err := s.write(ctx, func(tx pgx.Tx) error {
		runState, err := lockRun(ctx, tx, runID)
		if err != nil {
			return err
		}
		tag, err := tx.Exec(ctx, `UPDATE flashpoints SET state = $1, error = $2, finished_at = $3 WHERE run_id = $4 AND id = $5`,
			string(state), record.Clean(errMsg), now, runID, flashpointID)
		if err != nil {
			return err
		}
		if tag.RowsAffected() == 0 {
			return fmt.Errorf("flashpoint %q: %w", flashpointID, store.ErrNotFound)
		}
		if runState == news.RunRunning {
			if err := settle(ctx, tx, runID, now); err != nil {
				return err
			}
		}
		r, err = runIn(ctx, tx, runID)
		return err
	})
	if err != nil {
		return news.Run{}, fmt.Errorf("finishing flashpoint %q of run %q: %w", flashpointID, runID, err)
	}
	return r, nil
}

// SettleRun implements store.Store.
func (s *Store) SettleRun(ctx context.Context, runID string) (news.Run, error) {
	if err := record.ID("run ID", runID); err != nil {
		return news.Run{}, fmt.Errorf("settling run: %w", err)
	}
	now := record.Now()
	var r news.Run
	err := s.write(ctx, func(tx pgx.Tx) error {
		state, err := lockRun(ctx, tx, runID)
		if err != nil {
			return err
		}
		switch state {
		case news.RunQueued:
			if _, err := tx.Exec(ctx, `UPDATE runs SET state = $1 WHERE id = $2`, string(news.RunRunning), runID); err != nil {
				return err
			}
			fallthrough
		case news.RunRunning:
			if err := settle(ctx, tx, runID, now); err != nil {
				return err
			}
		}
		r, err = runIn(ctx, tx, runID)
		return err
	})
	if err != nil {
		return news.Run{}, fmt.Errorf("settling run %q: %w", runID, err)
	}
	return r, nil
}

// anyUnfinished asks whether a run has an unfinished flashpoint; its
// predicate matches the partial index flashpoints_unfinished literally.
const anyUnfinished = `SELECT EXISTS (SELECT 1 FROM flashpoints WHERE run_id = $1 AND state = 'running')`

// settle finishes run runID, which the caller locked (lockRun) and found
// running, when none of its flashpoints is unfinished, with the state and
// error record.Outcome gives. The first probe is one lookup in the partial
// index flashpoints_unfinished, so a run with work left costs no scan.
func settle(ctx context.Context, tx pgx.Tx, runID string, now time.Time) error {
	var left bool
	if err := tx.QueryRow(ctx, anyUnfinished, runID).Scan(&left); err != nil {
		return fmt.Errorf("looking for unfinished flashpoints: %w", err)
	}
	if left {
		return nil
	}
	var total, notDone int
	if err := tx.QueryRow(ctx, `SELECT count(*), count(*) FILTER (WHERE state <> 'completed') FROM flashpoints WHERE run_id = $1`,
		runID).Scan(&total, &notDone); err != nil {
		return fmt.Errorf("counting finished flashpoints: %w", err)
	}
	var firstID, firstErr, firstState string
	if notDone > 0 {
		if err := tx.QueryRow(ctx, `SELECT id, error, state FROM flashpoints WHERE run_id = $1 AND state <> 'completed' ORDER BY seq LIMIT 1`,
			runID).Scan(&firstID, &firstErr, &firstState); err != nil {
			return fmt.Errorf("reading the first flashpoint that did not complete: %w", err)
		}
	}
	state, msg := record.Outcome(total, notDone, firstID, firstErr, news.RunState(firstState))
	if _, err := tx.Exec(ctx, `UPDATE runs SET state = $1, error = $2, finished_at = $3 WHERE id = $4`,
		string(state), msg, now, runID); err != nil {
		return fmt.Errorf("finishing the run: %w", err)
	}
	return nil
}

// runIn reads a run inside a write transaction, so what a write method
// returns is what it committed.
func runIn(ctx context.Context, tx pgx.Tx, runID string) (news.Run, error) {
	var x record.RunRow
	if err := tx.QueryRow(ctx, `SELECT `+record.RunColumns+` FROM runs WHERE id = $1`, runID).Scan(x.Dest()...); err != nil {
		return news.Run{}, err
	}
	return x.Run()
}

// FlashpointStates implements store.Store.
func (s *Store) FlashpointStates(ctx context.Context, runID string) ([]news.FlashpointState, error) {
	var out []news.FlashpointState
	var x record.FlashpointStateRow
	err := s.query(ctx, x.Dest, func() error {
		f, err := x.FlashpointState()
		out = append(out, f)
		return err
	}, `SELECT `+record.FlashpointStateColumns+` FROM flashpoints WHERE run_id = $1 ORDER BY seq`, runID)
	if err != nil {
		return nil, fmt.Errorf("reading flashpoint states of run %q: %w", runID, err)
	}
	if len(out) == 0 {
		// Runs are never deleted, so a run seen now existed when the empty
		// read above ran.
		if _, err := s.GetRun(ctx, runID); err != nil {
			return nil, fmt.Errorf("reading flashpoint states: %w", err)
		}
	}
	return out, nil
}

// unfinishedQuery counts the unfinished flashpoints of live runs; its
// predicates match the partial indexes runs_active and
// flashpoints_unfinished literally, so the planner can answer it from those
// alone, reading neither finished runs nor finished flashpoints.
const unfinishedQuery = `SELECT count(*) FROM runs AS r JOIN flashpoints AS f ON f.run_id = r.id
	WHERE r.state IN ('queued', 'running') AND f.state = 'running'`

// UnfinishedFlashpoints implements store.Store.
func (s *Store) UnfinishedFlashpoints(ctx context.Context) (int, error) {
	if err := s.reader(); err != nil {
		return 0, fmt.Errorf("counting unfinished flashpoints: %w", err)
	}
	var n int
	if err := s.pool.QueryRow(ctx, unfinishedQuery).Scan(&n); err != nil {
		return 0, fmt.Errorf("counting unfinished flashpoints: %w", fail(ctx, err))
	}
	return n, nil
}

// Flashpoints implements store.Store.
func (s *Store) Flashpoints(ctx context.Context, runID string) ([]news.Flashpoint, error) {
	var out []news.Flashpoint
	var x record.FlashpointRow
	err := s.query(ctx, x.Dest, func() error {
		f, err := x.Flashpoint()
		out = append(out, f)
		return err
	}, `SELECT `+record.FlashpointColumns+` FROM flashpoints WHERE run_id = $1 ORDER BY seq`, runID)
	if err != nil {
		return nil, fmt.Errorf("listing flashpoints of run %q: %w", runID, err)
	}
	return out, nil
}

// articleUpsert inserts an article or updates every column but the key and
// created_at, unless that would put a non-terminal status over a terminal
// one.
var articleUpsert = func() string {
	cols := append(append([]string{}, record.ArticleColumns...), "created_at", "updated_at")
	ph := make([]string, len(cols))
	for i := range ph {
		ph[i] = fmt.Sprintf("$%d", i+1)
	}
	var set []string
	for _, c := range record.ArticleColumns[3:] {
		set = append(set, c+" = excluded."+c)
	}
	set = append(set, "updated_at = excluded.updated_at")
	nt := record.NonTerminalSQL()
	return `INSERT INTO articles (` + strings.Join(cols, ", ") + `) VALUES (` + strings.Join(ph, ", ") + `)
		ON CONFLICT (run_id, flashpoint_id, md5(url)) DO UPDATE SET ` + strings.Join(set, ", ") + `
		WHERE articles.status IN ` + nt + ` OR excluded.status NOT IN ` + nt
}()

// PutArticles implements store.Store. Upserts go out BatchRows at a time,
// pipelined, inside one transaction.
func (s *Store) PutArticles(ctx context.Context, as []news.Article) error {
	as, err := record.Articles(as)
	if err != nil {
		return fmt.Errorf("storing articles: %w", err)
	}
	if len(as) == 0 {
		return nil
	}
	now := record.Now()
	err = s.write(ctx, func(tx pgx.Tx) error {
		for _, p := range record.Pairs(as) {
			var one int
			err := tx.QueryRow(ctx, `SELECT 1 FROM flashpoints WHERE run_id = $1 AND id = $2`, p[0], p[1]).Scan(&one)
			if errors.Is(err, pgx.ErrNoRows) {
				return fmt.Errorf("run %q flashpoint %q: %w", p[0], p[1], store.ErrNotFound)
			} else if err != nil {
				return err
			}
		}
		if s.cfg.CopyRows > 0 && len(as) >= s.cfg.CopyRows {
			return copyArticles(ctx, tx, as, now)
		}
		for lo := 0; lo < len(as); lo += s.cfg.BatchRows {
			hi := min(lo+s.cfg.BatchRows, len(as))
			b := &pgx.Batch{}
			for i := lo; i < hi; i++ {
				args, err := record.ArticleArgs(&as[i], now, now)
				if err != nil {
					return err
				}
				b.Queue(articleUpsert, args...)
			}
			br := tx.SendBatch(ctx, b)
			for i := lo; i < hi; i++ {
				if _, err := br.Exec(); err != nil {
					_ = br.Close()
					if pgCode(err) == codeForeignKey {
						err = fmt.Errorf("%w: %w", store.ErrNotFound, err)
					}
					return fmt.Errorf("article %s: %w", as[i].URL, err)
				}
			}
			if err := br.Close(); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("storing %d articles: %w", len(as), err)
	}
	return nil
}

// articlesIn is the temporary table a COPY batch lands in: the articles
// columns plus ord, the batch position, so rows keep their order.
const articlesIn = "masx_articles_in"

// articleFromTemp moves a COPY batch into articles with the same conflict
// rule as articleUpsert.
var articleFromTemp = func() string {
	cols := strings.Join(append(append([]string{}, record.ArticleColumns...), "created_at", "updated_at"), ", ")
	i := strings.Index(articleUpsert, "ON CONFLICT")
	return `INSERT INTO articles (` + cols + `) SELECT ` + cols + ` FROM ` + articlesIn + ` ORDER BY ord ` + articleUpsert[i:]
}()

func copyArticles(ctx context.Context, tx pgx.Tx, as []news.Article, now time.Time) error {
	cols := append(append([]string{"ord"}, record.ArticleColumns...), "created_at", "updated_at")
	if _, err := tx.Exec(ctx, `CREATE TEMPORARY TABLE `+articlesIn+` ON COMMIT DROP AS SELECT 0::integer AS ord, `+
		strings.Join(cols[1:], ", ")+` FROM articles WITH NO DATA`); err != nil {
		return fmt.Errorf("creating %s: %w", articlesIn, err)
	}
	src := &articleSource{as: as, now: now, i: -1}
	if _, err := tx.CopyFrom(ctx, pgx.Identifier{articlesIn}, cols, src); err != nil {
		return fmt.Errorf("copying articles: %w", err)
	}
	if _, err := tx.Exec(ctx, articleFromTemp); err != nil {
		if pgCode(err) == codeForeignKey {
			err = fmt.Errorf("%w: %w", store.ErrNotFound, err)
		}
		return fmt.Errorf("upserting copied articles: %w", err)
	}
	return nil
}

// articleSource feeds CopyFrom one article at a time, so only the row
// being encoded is materialised.
type articleSource struct {
	as  []news.Article
	now time.Time
	i   int
	err error
}

func (s *articleSource) Next() bool { s.i++; return s.i < len(s.as) }
func (s *articleSource) Err() error { return s.err }
func (s *articleSource) Values() ([]any, error) {
	args, err := record.ArticleArgs(&s.as[s.i], s.now, s.now)
	if err != nil {
		s.err = err
		return nil, err
	}
	return append([]any{s.i}, args...), nil
}

// ArticleStatuses implements store.Store.
func (s *Store) ArticleStatuses(ctx context.Context, runID, flashpointID string) (map[string]news.Status, error) {
	out := map[string]news.Status{}
	var u, st string
	err := s.query(ctx, func() []any { return []any{&u, &st} }, func() error {
		out[u] = news.Status(st)
		return nil
	}, `SELECT url, status FROM articles WHERE run_id = $1 AND flashpoint_id = $2`, runID, flashpointID)
	if err != nil {
		return nil, fmt.Errorf("reading article statuses of run %q flashpoint %q: %w", runID, flashpointID, err)
	}
	return out, nil
}

// Articles implements store.Store.
func (s *Store) Articles(ctx context.Context, q store.ArticleQuery) ([]news.Article, error) {
	query, args, err := record.ArticleQuery(record.Dollar, q)
	if err != nil {
		return nil, fmt.Errorf("reading articles: %w", err)
	}
	var out []news.Article
	var x record.ArticleRow
	err = s.query(ctx, x.Dest, func() error {
		a, err := x.Article()
		out = append(out, a)
		return err
	}, query, args...)
	if err != nil {
		return nil, fmt.Errorf("reading articles of run %q: %w", q.RunID, err)
	}
	return out, nil
}

// CountByStatus implements store.Store.
func (s *Store) CountByStatus(ctx context.Context, runID string) (map[news.Status]int, error) {
	out := map[news.Status]int{}
	var st string
	var n int
	err := s.query(ctx, func() []any { return []any{&st, &n} }, func() error {
		out[news.Status(st)] = n
		return nil
	}, `SELECT status, count(*) FROM articles WHERE run_id = $1 GROUP BY status`, runID)
	if err != nil {
		return nil, fmt.Errorf("counting articles of run %q: %w", runID, err)
	}
	return out, nil
}

// ReplaceClusters implements store.Store.
func (s *Store) ReplaceClusters(ctx context.Context, runID, flashpointID string, cs []news.Cluster) error {
	cs, err := record.Clusters(runID, flashpointID, cs)
	if err != nil {
		return fmt.Errorf("replacing clusters: %w", err)
	}
	now := record.Now()
	err = s.write(ctx, func(tx pgx.Tx) error {
		var one int
		err := tx.QueryRow(ctx, `SELECT 1 FROM flashpoints WHERE run_id = $1 AND id = $2`, runID, flashpointID).Scan(&one)
		if errors.Is(err, pgx.ErrNoRows) {
			return store.ErrNotFound
		} else if err != nil {
			return err
		}
		b := &pgx.Batch{}
		b.Queue(`DELETE FROM clusters WHERE run_id = $1 AND flashpoint_id = $2`, runID, flashpointID)
		for i := range cs {
			b.Queue(`INSERT INTO clusters (`+record.ClusterInsertColumns+`) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`,
				record.ClusterArgs(&cs[i], now)...)
		}
		return tx.SendBatch(ctx, b).Close()
	})
	if err != nil {
		return fmt.Errorf("replacing clusters of run %q flashpoint %q: %w", runID, flashpointID, err)
	}
	return nil
}

// Clusters implements store.Store.
func (s *Store) Clusters(ctx context.Context, q store.ClusterQuery) ([]news.Cluster, error) {
	if err := record.ClusterQuery(q); err != nil {
		return nil, fmt.Errorf("reading clusters: %w", err)
	}
	query := `SELECT ` + record.ClusterColumns + ` FROM clusters WHERE run_id = $1`
	args := []any{q.RunID}
	if q.FlashpointID != "" {
		query += ` AND flashpoint_id = $2`
		args = append(args, q.FlashpointID)
	}
	var out []news.Cluster
	var x record.ClusterRow
	err := s.query(ctx, x.Dest, func() error {
		c, err := x.Cluster()
		out = append(out, c)
		return err
	}, query+` ORDER BY flashpoint_id, cluster_id`, args...)
	if err != nil {
		return nil, fmt.Errorf("reading clusters of run %q: %w", q.RunID, err)
	}
	return out, nil
}

// Ping implements store.Store.
func (s *Store) Ping(ctx context.Context) error {
	if s.closed.Load() {
		return fmt.Errorf("pinging postgres: %w", store.ErrClosed)
	}
	if err := s.pool.Ping(ctx); err != nil {
		return fmt.Errorf("pinging postgres: %w", fail(ctx, err))
	}
	return nil
}

// Close implements store.Store: it closes the pool, waiting for
// connections in use to be released, and stops its background goroutines.
func (s *Store) Close() error {
	s.closeOnce.Do(func() {
		s.closed.Store(true)
		s.pool.Close()
	})
	return nil
}
