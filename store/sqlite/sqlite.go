package sqlite

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	msqlite "modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"

	"github.com/masx-ai/masx/news"
	"github.com/masx-ai/masx/store"
	"github.com/masx-ai/masx/store/internal/migrate"
	"github.com/masx-ai/masx/store/internal/record"
)

//go:embed migrations/*.sql
var migrationFiles embed.FS

// Defaults for Config's zero fields.
const (
	BusyTimeoutDefault = 10 * time.Second
	ReadersDefault     = 4
)

// MigrationsTable records the applied schema versions.
const MigrationsTable = "masx_schema_migrations"

// Config tunes a Store. The zero value (or nil) gives the defaults.
type Config struct {
	// BusyTimeout is how long a statement waits for a lock that another
	// connection holds (in practice another process writing the same file)
	// before it fails with SQLITE_BUSY. Default BusyTimeoutDefault (10s).
	BusyTimeout time.Duration
	// Readers caps the read-only connections. Default ReadersDefault (4).
	Readers int
	// Reserve is how many bytes of disk the store sets aside, in the file
	// <database>-reserve, for the day the disk fills up: the first write
	// that meets a full disk gives them back, so that recording what
	// failed (a flashpoint, its run, River's job states) still goes
	// through, and new data (articles, clusters, flashpoints) is refused
	// with store.ErrNoSpace until the reserve can be set aside again.
	// Default ReserveDefault (4 MiB); negative: no reserve.
	Reserve int64
}

func (c *Config) resolve() (Config, error) {
	var r Config
	if c != nil {
		r = *c
	}
	switch {
	case r.BusyTimeout < 0:
		return r, fmt.Errorf("sqlite Config.BusyTimeout %v: want ≥ 0 (0 means %v): %w", r.BusyTimeout, BusyTimeoutDefault, store.ErrInvalid)
	case r.Readers < 0:
		return r, fmt.Errorf("sqlite Config.Readers %d: want ≥ 0 (0 means %d): %w", r.Readers, ReadersDefault, store.ErrInvalid)
	}
	if r.BusyTimeout == 0 {
		r.BusyTimeout = BusyTimeoutDefault
	}
	if r.Readers == 0 {
		r.Readers = ReadersDefault
	}
	if r.Reserve == 0 {
		r.Reserve = ReserveDefault
	}
	return r, nil
}

// Store is the SQLite store. See the package doc for its connection layout.
type Store struct {
	path      string
	w         *sql.DB // one connection; every write, BEGIN IMMEDIATE
	r         *sql.DB // read-only connections
	closed    atomic.Bool
	closeOnce sync.Once
	closeErr  error

	// The reserve (Config.Reserve): reservePath is "" without one; full
	// says a write met a full disk and the reserve is given back.
	reservePath string
	reserveSize int64
	full        atomic.Bool
	reserveMu   sync.Mutex
}

var _ store.Store = (*Store)(nil)

// readOnly says why path's database cannot be written, or "" when it
// can: a read-only file system, or a file or folder this process may not
// write.
func readOnly(path string) string {
	const wOK = 2 // access(2)'s W_OK
	for _, p := range []string{path, filepath.Dir(path)} {
		err := syscall.Access(p, wOK)
		switch {
		case errors.Is(err, syscall.EROFS):
			return fmt.Sprintf("%s is on a read-only file system", p)
		case errors.Is(err, syscall.EACCES), errors.Is(err, syscall.EPERM):
			return fmt.Sprintf("%s is read-only for this user", p)
		}
	}
	return ""
}

// Open opens (creating it and its folder when missing) the database file at
// path, switches it to WAL and applies pending migrations.
func Open(ctx context.Context, path string, cfg *Config) (*Store, error) {
	c, err := cfg.resolve()
	if err != nil {
		return nil, err
	}
	if path == "" || path == ":memory:" || strings.HasPrefix(path, "file:") {
		return nil, fmt.Errorf("opening sqlite database %q: want a file path (in-memory databases are not supported: the store keeps separate reader and writer connections): %w", path, store.ErrInvalid)
	}
	abs, err := filepath.Abs(path)
	if err != nil {
		return nil, fmt.Errorf("opening sqlite database %q: %w", path, err)
	}
	if err := os.MkdirAll(filepath.Dir(abs), 0o750); err != nil {
		return nil, fmt.Errorf("opening sqlite database %q: creating its folder: %w", abs, err)
	}
	s := &Store{path: abs}
	if c.Reserve > 0 {
		s.reservePath, s.reserveSize = abs+"-reserve", c.Reserve
	}
	s.w, err = sql.Open("sqlite", dsn(abs, c, true))
	if err != nil {
		return nil, fmt.Errorf("opening sqlite database %q: %w", abs, err)
	}
	s.w.SetMaxOpenConns(1)
	s.w.SetMaxIdleConns(1)
	s.w.SetConnMaxIdleTime(0)
	s.w.SetConnMaxLifetime(0)
	if err := s.setUp(ctx); err != nil {
		_ = s.w.Close()
		if why := readOnly(abs); why != "" {
			// SQLite says only "unable to open database file (14)".
			return nil, fmt.Errorf("opening sqlite database %q: %s; masx writes the database and its -wal and -shm files beside it (give a writable --db or MASX_DATA_DIR): %w", abs, why, err)
		}
		return nil, fmt.Errorf("opening sqlite database %q: %w", abs, err)
	}
	s.r, err = sql.Open("sqlite", dsn(abs, c, false))
	if err == nil {
		s.r.SetMaxOpenConns(c.Readers)
		s.r.SetMaxIdleConns(c.Readers)
		err = s.r.PingContext(ctx)
	}
	if err != nil {
		_ = s.w.Close()
		if s.r != nil {
			_ = s.r.Close()
		}
		return nil, fmt.Errorf("opening sqlite database %q: read connections: %w", abs, err)
	}
	if s.reservePath != "" {
		switch err := s.makeReserve(); {
		case errors.Is(err, syscall.ENOSPC):
			// Already full: the store opens (reads work), and holds new
			// data back until there is room.
			s.full.Store(true)
		case err != nil:
			// A folder this process cannot write to more (read-only):
			// no reserve, and nothing to hold back.
			s.reservePath = ""
		}
	}
	return s, nil
}

// dsn builds a modernc DSN. The "file:" form lets SQLite decode %XX, so a
// path holding '?', '#' or '%' is escaped rather than cut short; modernc
// reads the _pragma/_txlock keys and SQLite ignores them.
func dsn(abs string, c Config, writer bool) string {
	p := strings.NewReplacer("%", "%25", "?", "%3f", "#", "%23").Replace(filepath.ToSlash(abs))
	params := []string{"_pragma=busy_timeout(" + strconv.FormatInt(c.BusyTimeout.Milliseconds(), 10) + ")"}
	if writer {
		params = append(params,
			"_pragma=journal_mode(WAL)",
			"_pragma=synchronous(NORMAL)",
			"_pragma=foreign_keys(1)",
			"_txlock=immediate")
	} else {
		params = append(params, "_pragma=query_only(1)")
	}
	return "file:" + p + "?" + strings.Join(params, "&")
}

// setUp checks WAL took effect and applies pending migrations in one
// IMMEDIATE transaction, so two processes opening a new file at once
// migrate one after the other and the second finds nothing left to do.
func (s *Store) setUp(ctx context.Context) error {
	var mode string
	if err := s.w.QueryRowContext(ctx, "PRAGMA journal_mode").Scan(&mode); err != nil {
		return fmt.Errorf("reading journal mode: %w", fail(ctx, err))
	}
	if !strings.EqualFold(mode, "wal") {
		return fmt.Errorf("journal mode is %q; want wal (WAL needs shared memory, which network filesystems lack)", mode)
	}
	all, err := migrate.Load(migrationFiles, "migrations")
	if err != nil {
		return err
	}
	return s.write(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS `+MigrationsTable+
			` (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)`); err != nil {
			return fmt.Errorf("creating %s: %w", MigrationsTable, err)
		}
		applied, err := collect(tx.QueryContext(ctx, `SELECT version FROM `+MigrationsTable))
		if err != nil {
			return fmt.Errorf("reading %s: %w", MigrationsTable, err)
		}
		pending, err := migrate.Pending(all, applied)
		if err != nil {
			return err
		}
		for _, m := range pending {
			if _, err := tx.ExecContext(ctx, m.SQL); err != nil {
				return fmt.Errorf("applying migration %04d_%s: %w", m.Version, m.Name, err)
			}
			if _, err := tx.ExecContext(ctx, `INSERT INTO `+MigrationsTable+` (version, name, applied_at) VALUES (?, ?, ?)`,
				m.Version, m.Name, record.FormatTime(record.Now())); err != nil {
				return fmt.Errorf("recording migration %04d_%s: %w", m.Version, m.Name, err)
			}
		}
		return nil
	})
}

func collect(rows *sql.Rows, err error) ([]int, error) {
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var vs []int
	for rows.Next() {
		var v int
		if err := rows.Scan(&v); err != nil {
			return nil, err
		}
		vs = append(vs, v)
	}
	return vs, rows.Err()
}

// Path returns the absolute path of the database file.
func (s *Store) Path() string { return s.path }

// WriterDB returns the single-connection pool every write of this store goes
// through (BEGIN IMMEDIATE, foreign keys on). Another component writing the
// same file from this process, such as River's riversqlite driver, should
// share it instead of opening its own writer, so the two never contend for
// the file lock. Do not change its pool settings; Close closes it.
func (s *Store) WriterDB() *sql.DB { return s.w }

// write runs fn in one IMMEDIATE transaction on the writer connection. It
// is for writes that record how work went (runs, flashpoint states): they
// go through while new data is held back for lack of space.
func (s *Store) write(ctx context.Context, fn func(tx *sql.Tx) error) error {
	return s.transact(ctx, false, fn)
}

// writeData is write for new data (articles, clusters, flashpoints),
// which is refused with store.ErrNoSpace while the disk is full (see
// Config.Reserve). The check runs inside the transaction, holding the one
// writer connection, so no write of new data that was already waiting
// for it takes the space given back for the record.
func (s *Store) writeData(ctx context.Context, fn func(tx *sql.Tx) error) error {
	return s.transact(ctx, true, fn)
}

func (s *Store) transact(ctx context.Context, data bool, fn func(tx *sql.Tx) error) error {
	if s.closed.Load() {
		return store.ErrClosed
	}
	tx, err := s.w.BeginTx(ctx, nil)
	if err != nil {
		return s.failWrite(ctx, err)
	}
	if data {
		if err := s.roomForData(); err != nil {
			_ = tx.Rollback()
			return err
		}
	}
	if err := fn(tx); err != nil {
		_ = tx.Rollback()
		return s.failWrite(ctx, err)
	}
	if err := tx.Commit(); err != nil {
		return s.failWrite(ctx, err)
	}
	return nil
}

// failWrite is fail for a write that was rolled back: one that met a full
// disk is marked store.ErrNoSpace and gives the reserve back.
func (s *Store) failWrite(ctx context.Context, err error) error {
	err = noSpace(err)
	if errors.Is(err, store.ErrNoSpace) {
		s.releaseReserve()
	}
	return fail(ctx, err)
}

// noSpace marks a write that failed for lack of disk space (SQLITE_FULL,
// "database or disk is full", which SQLite reports for ENOSPC) with
// store.ErrNoSpace.
func noSpace(err error) error {
	if errors.Is(err, store.ErrNoSpace) {
		return err
	}
	if code(err)&0xff == sqlite3.SQLITE_FULL || errors.Is(err, syscall.ENOSPC) {
		return fmt.Errorf("%w: %w", store.ErrNoSpace, err)
	}
	return err
}

// reader returns the read pool, or ErrClosed.
func (s *Store) reader() (*sql.DB, error) {
	if s.closed.Load() {
		return nil, store.ErrClosed
	}
	return s.r, nil
}

// fail puts the context's error in front when the context ended, so
// callers can match context.Canceled even where SQLite reports only
// "interrupted".
func fail(ctx context.Context, err error) error {
	if ce := ctx.Err(); ce != nil && !errors.Is(err, ce) {
		return fmt.Errorf("%w: %w", ce, err)
	}
	return err
}

func code(err error) int {
	var e *msqlite.Error
	if errors.As(err, &e) {
		return e.Code()
	}
	return 0
}

func isUnique(err error) bool {
	c := code(err)
	return c == sqlite3.SQLITE_CONSTRAINT_UNIQUE || c == sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY
}

func isForeignKey(err error) bool { return code(err) == sqlite3.SQLITE_CONSTRAINT_FOREIGNKEY }

func nullTime(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	return record.FormatTime(t)
}

// CreateRun implements store.Store.
func (s *Store) CreateRun(ctx context.Context, r news.Run) error {
	r, err := record.Run(r, record.Now())
	if err != nil {
		return fmt.Errorf("creating run: %w", err)
	}
	err = s.write(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO runs (id, state, attempt, input, flashpoints, articles, error, started_at, finished_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			r.ID, string(r.State), r.Attempt, r.Input, r.Flashpoints, r.Articles, r.Error, record.FormatTime(r.StartedAt), nullTime(r.FinishedAt))
		if isUnique(err) {
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
	err := s.write(ctx, func(tx *sql.Tx) error {
		var x record.RunRow
		err := tx.QueryRowContext(ctx, `UPDATE runs SET state = ?, attempt = attempt + 1, error = '', finished_at = NULL
			WHERE id = ? RETURNING `+record.RunColumns,
			string(state), runID).Scan(x.Dest()...)
		if errors.Is(err, sql.ErrNoRows) {
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
	err := s.write(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE runs SET state = ?, error = ?, finished_at = ? WHERE id = ?`,
			string(state), record.Clean(errMsg), record.FormatTime(record.Now()), runID)
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil {
			return err
		} else if n == 0 {
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
	r, err := s.oneRun(ctx, `SELECT `+record.RunColumns+` FROM runs WHERE id = ?`, runID)
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
	db, err := s.reader()
	if err != nil {
		return news.Run{}, err
	}
	var x record.RunRow
	err = db.QueryRowContext(ctx, query, args...).Scan(x.Dest()...)
	if errors.Is(err, sql.ErrNoRows) {
		return news.Run{}, store.ErrNotFound
	}
	if err != nil {
		return news.Run{}, fail(ctx, err)
	}
	return x.Run()
}

// Runs implements store.Store.
func (s *Store) Runs(ctx context.Context, limit int) ([]news.Run, error) {
	db, err := s.reader()
	if err != nil {
		return nil, fmt.Errorf("listing runs: %w", err)
	}
	if limit <= 0 {
		limit = -1
	}
	rows, err := db.QueryContext(ctx, `SELECT `+record.RunColumns+` FROM runs ORDER BY started_at DESC, seq DESC LIMIT ?`, limit)
	if err != nil {
		return nil, fmt.Errorf("listing runs: %w", fail(ctx, err))
	}
	defer rows.Close()
	var out []news.Run
	for rows.Next() {
		var x record.RunRow
		if err := rows.Scan(x.Dest()...); err != nil {
			return nil, fmt.Errorf("listing runs: %w", err)
		}
		r, err := x.Run()
		if err != nil {
			return nil, fmt.Errorf("listing runs: %w", err)
		}
		out = append(out, r)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("listing runs: %w", fail(ctx, err))
	}
	return out, nil
}

// UpsertFlashpoints implements store.Store.
func (s *Store) UpsertFlashpoints(ctx context.Context, runID string, fps []news.Flashpoint) error {
	return s.AdmitFlashpoints(ctx, runID, fps, 0)
}

// AdmitFlashpoints implements store.Store. BEGIN IMMEDIATE holds the
// database's one write lock from the first statement, for every process
// using the file, so the count sees every other admission committed.
func (s *Store) AdmitFlashpoints(ctx context.Context, runID string, fps []news.Flashpoint, limit int) error {
	fps, err := record.Flashpoints(runID, fps)
	if err != nil {
		return fmt.Errorf("storing flashpoints: %w", err)
	}
	now := record.FormatTime(record.Now())
	err = s.writeData(ctx, func(tx *sql.Tx) error {
		var one int
		if err := tx.QueryRowContext(ctx, `SELECT 1 FROM runs WHERE id = ?`, runID).Scan(&one); errors.Is(err, sql.ErrNoRows) {
			return store.ErrNotFound
		} else if err != nil {
			return err
		}
		stmt, err := tx.PrepareContext(ctx, `INSERT INTO flashpoints (run_id, id, title, description, entities, domains, created_at, updated_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?)
			ON CONFLICT (run_id, id) DO UPDATE SET title = excluded.title, description = excluded.description,
				entities = excluded.entities, domains = excluded.domains, updated_at = excluded.updated_at, `+flashpointReset)
		if err != nil {
			return err
		}
		defer stmt.Close()
		for i := range fps {
			f := &fps[i]
			if _, err := stmt.ExecContext(ctx, runID, f.ID, f.Title, f.Description,
				record.EncodeList(f.Entities), record.EncodeList(f.Domains), now, now); err != nil {
				return fmt.Errorf("flashpoint %q: %w", f.ID, err)
			}
		}
		if limit <= 0 {
			return nil
		}
		var n int
		if err := tx.QueryRowContext(ctx, unfinishedQuery).Scan(&n); err != nil {
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
	err := s.write(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `DELETE FROM runs WHERE id = ? AND state = 'queued' AND attempt = 1`, runID)
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil || n > 0 {
			return err
		}
		var state string
		var attempt int
		err = tx.QueryRowContext(ctx, `SELECT state, attempt FROM runs WHERE id = ?`, runID).Scan(&state, &attempt)
		if errors.Is(err, sql.ErrNoRows) {
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

// FinishFlashpoint implements store.Store. BEGIN IMMEDIATE already
// serialises it against every other write to the file, so two workers
// finishing a run's last flashpoints cannot both see the other's as
// unfinished, nor both finish the run.
func (s *Store) FinishFlashpoint(ctx context.Context, runID, flashpointID string, state news.RunState, errMsg string) (news.Run, error) {
	if err := record.FlashpointFinishState(runID, flashpointID, state); err != nil {
		return news.Run{}, fmt.Errorf("finishing flashpoint: %w", err)
	}
	now := record.FormatTime(record.Now())
	var r news.Run
	err := s.write(ctx, func(tx *sql.Tx) error {
		var runState string
		err := tx.QueryRowContext(ctx, `SELECT state FROM runs WHERE id = ?`, runID).Scan(&runState)
		if errors.Is(err, sql.ErrNoRows) {
			return fmt.Errorf("run %q: %w", runID, store.ErrNotFound)
		} else if err != nil {
			return err
		}
		res, err := tx.ExecContext(ctx, `UPDATE flashpoints SET state = ?, error = ?, finished_at = ? WHERE run_id = ? AND id = ?`,
			string(state), record.Clean(errMsg), now, runID, flashpointID)
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil {
			return err
		} else if n == 0 {
			return fmt.Errorf("flashpoint %q: %w", flashpointID, store.ErrNotFound)
		}
		if news.RunState(runState) == news.RunRunning {
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
	now := record.FormatTime(record.Now())
	var r news.Run
	err := s.write(ctx, func(tx *sql.Tx) error {
		var state string
		err := tx.QueryRowContext(ctx, `SELECT state FROM runs WHERE id = ?`, runID).Scan(&state)
		if errors.Is(err, sql.ErrNoRows) {
			return store.ErrNotFound
		} else if err != nil {
			return err
		}
		switch news.RunState(state) {
		case news.RunQueued:
			if _, err := tx.ExecContext(ctx, `UPDATE runs SET state = ? WHERE id = ?`, string(news.RunRunning), runID); err != nil {
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
const anyUnfinished = `SELECT EXISTS (SELECT 1 FROM flashpoints WHERE run_id = ? AND state = 'running')`

// settle finishes run runID, which the caller found running inside tx, when
// none of its flashpoints is unfinished, with the state and error
// record.Outcome gives. The first probe is one lookup in the partial index
// flashpoints_unfinished, so a run with work left costs no scan.
func settle(ctx context.Context, tx *sql.Tx, runID, now string) error {
	var left bool
	if err := tx.QueryRowContext(ctx, anyUnfinished, runID).Scan(&left); err != nil {
		return fmt.Errorf("looking for unfinished flashpoints: %w", err)
	}
	if left {
		return nil
	}
	var total, notDone int
	if err := tx.QueryRowContext(ctx, `SELECT count(*), count(*) FILTER (WHERE state <> 'completed') FROM flashpoints WHERE run_id = ?`,
		runID).Scan(&total, &notDone); err != nil {
		return fmt.Errorf("counting finished flashpoints: %w", err)
	}
	var firstID, firstErr, firstState string
	if notDone > 0 {
		if err := tx.QueryRowContext(ctx, `SELECT id, error, state FROM flashpoints WHERE run_id = ? AND state <> 'completed' ORDER BY seq LIMIT 1`,
			runID).Scan(&firstID, &firstErr, &firstState); err != nil {
			return fmt.Errorf("reading the first flashpoint that did not complete: %w", err)
		}
	}
	state, msg := record.Outcome(total, notDone, firstID, firstErr, news.RunState(firstState))
	if _, err := tx.ExecContext(ctx, `UPDATE runs SET state = ?, error = ?, finished_at = ? WHERE id = ?`,
		string(state), msg, now, runID); err != nil {
		return fmt.Errorf("finishing the run: %w", err)
	}
	return nil
}

// runIn reads a run inside a write transaction, so what a write method
// returns is what it committed.
func runIn(ctx context.Context, tx *sql.Tx, runID string) (news.Run, error) {
	var x record.RunRow
	if err := tx.QueryRowContext(ctx, `SELECT `+record.RunColumns+` FROM runs WHERE id = ?`, runID).Scan(x.Dest()...); err != nil {
		return news.Run{}, err
	}
	return x.Run()
}

// FlashpointStates implements store.Store.
func (s *Store) FlashpointStates(ctx context.Context, runID string) ([]news.FlashpointState, error) {
	db, err := s.reader()
	if err != nil {
		return nil, fmt.Errorf("reading flashpoint states of run %q: %w", runID, err)
	}
	rows, err := db.QueryContext(ctx, `SELECT `+record.FlashpointStateColumns+` FROM flashpoints WHERE run_id = ? ORDER BY seq`, runID)
	if err != nil {
		return nil, fmt.Errorf("reading flashpoint states of run %q: %w", runID, fail(ctx, err))
	}
	defer rows.Close()
	var out []news.FlashpointState
	for rows.Next() {
		var x record.FlashpointStateRow
		if err := rows.Scan(x.Dest()...); err != nil {
			return nil, fmt.Errorf("reading flashpoint states of run %q: %w", runID, err)
		}
		f, err := x.FlashpointState()
		if err != nil {
			return nil, fmt.Errorf("reading flashpoint states of run %q: %w", runID, err)
		}
		out = append(out, f)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("reading flashpoint states of run %q: %w", runID, fail(ctx, err))
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

// unfinishedQuery counts the unfinished flashpoints of live runs. CROSS
// JOIN keeps runs as the outer loop, so SQLite walks the partial index
// runs_active (live runs only) and probes flashpoints_unfinished for each:
// neither finished runs nor finished flashpoints are read.
const unfinishedQuery = `SELECT count(*) FROM runs AS r CROSS JOIN flashpoints AS f
	WHERE r.state IN ('queued', 'running') AND f.run_id = r.id AND f.state = 'running'`

// UnfinishedFlashpoints implements store.Store.
func (s *Store) UnfinishedFlashpoints(ctx context.Context) (int, error) {
	db, err := s.reader()
	if err != nil {
		return 0, fmt.Errorf("counting unfinished flashpoints: %w", err)
	}
	var n int
	if err := db.QueryRowContext(ctx, unfinishedQuery).Scan(&n); err != nil {
		return 0, fmt.Errorf("counting unfinished flashpoints: %w", fail(ctx, err))
	}
	return n, nil
}

// Flashpoints implements store.Store.
func (s *Store) Flashpoints(ctx context.Context, runID string) ([]news.Flashpoint, error) {
	db, err := s.reader()
	if err != nil {
		return nil, fmt.Errorf("listing flashpoints of run %q: %w", runID, err)
	}
	rows, err := db.QueryContext(ctx, `SELECT `+record.FlashpointColumns+` FROM flashpoints WHERE run_id = ? ORDER BY seq`, runID)
	if err != nil {
		return nil, fmt.Errorf("listing flashpoints of run %q: %w", runID, fail(ctx, err))
	}
	defer rows.Close()
	var out []news.Flashpoint
	for rows.Next() {
		var x record.FlashpointRow
		if err := rows.Scan(x.Dest()...); err != nil {
			return nil, fmt.Errorf("listing flashpoints of run %q: %w", runID, err)
		}
		f, err := x.Flashpoint()
		if err != nil {
			return nil, fmt.Errorf("listing flashpoints of run %q: %w", runID, err)
		}
		out = append(out, f)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("listing flashpoints of run %q: %w", runID, fail(ctx, err))
	}
	return out, nil
}

// articleUpsert inserts an article or updates every column but the key and
// created_at, unless that would put a non-terminal status over a terminal
// one.
var articleUpsert = func() string {
	cols := append(append([]string{}, record.ArticleColumns...), "created_at", "updated_at")
	var set []string
	for _, c := range record.ArticleColumns[3:] {
		set = append(set, c+" = excluded."+c)
	}
	set = append(set, "updated_at = excluded.updated_at")
	nt := record.NonTerminalSQL()
	return `INSERT INTO articles (` + strings.Join(cols, ", ") + `) VALUES (` + strings.TrimSuffix(strings.Repeat("?, ", len(cols)), ", ") + `)
		ON CONFLICT (run_id, flashpoint_id, url) DO UPDATE SET ` + strings.Join(set, ", ") + `
		WHERE articles.status IN ` + nt + ` OR excluded.status NOT IN ` + nt
}()

// PutArticles implements store.Store.
func (s *Store) PutArticles(ctx context.Context, as []news.Article) error {
	as, err := record.Articles(as)
	if err != nil {
		return fmt.Errorf("storing articles: %w", err)
	}
	if len(as) == 0 {
		return nil
	}
	now := record.FormatTime(record.Now())
	err = s.writeData(ctx, func(tx *sql.Tx) error {
		for _, p := range record.Pairs(as) {
			var one int
			err := tx.QueryRowContext(ctx, `SELECT 1 FROM flashpoints WHERE run_id = ? AND id = ?`, p[0], p[1]).Scan(&one)
			if errors.Is(err, sql.ErrNoRows) {
				return fmt.Errorf("run %q flashpoint %q: %w", p[0], p[1], store.ErrNotFound)
			} else if err != nil {
				return err
			}
		}
		stmt, err := tx.PrepareContext(ctx, articleUpsert)
		if err != nil {
			return err
		}
		defer stmt.Close()
		for i := range as {
			if i%256 == 0 {
				if err := ctx.Err(); err != nil {
					return err
				}
			}
			args, err := record.ArticleArgs(&as[i], now, now)
			if err != nil {
				return err
			}
			if _, err := stmt.ExecContext(ctx, args...); err != nil {
				if isForeignKey(err) {
					err = fmt.Errorf("%w: %w", store.ErrNotFound, err)
				}
				return fmt.Errorf("article %s: %w", as[i].URL, err)
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("storing %d articles: %w", len(as), err)
	}
	return nil
}

// ArticleStatuses implements store.Store.
func (s *Store) ArticleStatuses(ctx context.Context, runID, flashpointID string) (map[string]news.Status, error) {
	db, err := s.reader()
	if err != nil {
		return nil, fmt.Errorf("reading article statuses: %w", err)
	}
	rows, err := db.QueryContext(ctx, `SELECT url, status FROM articles WHERE run_id = ? AND flashpoint_id = ?`, runID, flashpointID)
	if err != nil {
		return nil, fmt.Errorf("reading article statuses of run %q flashpoint %q: %w", runID, flashpointID, fail(ctx, err))
	}
	defer rows.Close()
	out := map[string]news.Status{}
	for rows.Next() {
		var u, st string
		if err := rows.Scan(&u, &st); err != nil {
			return nil, fmt.Errorf("reading article statuses: %w", err)
		}
		out[u] = news.Status(st)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("reading article statuses of run %q flashpoint %q: %w", runID, flashpointID, fail(ctx, err))
	}
	return out, nil
}

// Articles implements store.Store.
func (s *Store) Articles(ctx context.Context, q store.ArticleQuery) ([]news.Article, error) {
	query, args, err := record.ArticleQuery(record.Question, q)
	if err != nil {
		return nil, fmt.Errorf("reading articles: %w", err)
	}
	db, err := s.reader()
	if err != nil {
		return nil, fmt.Errorf("reading articles: %w", err)
	}
	rows, err := db.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, fmt.Errorf("reading articles of run %q: %w", q.RunID, fail(ctx, err))
	}
	defer rows.Close()
	var out []news.Article
	var x record.ArticleRow
	for rows.Next() {
		if err := rows.Scan(x.Dest()...); err != nil {
			return nil, fmt.Errorf("reading articles of run %q: %w", q.RunID, err)
		}
		a, err := x.Article()
		if err != nil {
			return nil, fmt.Errorf("reading articles of run %q: %w", q.RunID, err)
		}
		out = append(out, a)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("reading articles of run %q: %w", q.RunID, fail(ctx, err))
	}
	return out, nil
}

// CountByStatus implements store.Store.
func (s *Store) CountByStatus(ctx context.Context, runID string) (map[news.Status]int, error) {
	db, err := s.reader()
	if err != nil {
		return nil, fmt.Errorf("counting articles: %w", err)
	}
	rows, err := db.QueryContext(ctx, `SELECT status, count(*) FROM articles WHERE run_id = ? GROUP BY status`, runID)
	if err != nil {
		return nil, fmt.Errorf("counting articles of run %q: %w", runID, fail(ctx, err))
	}
	defer rows.Close()
	out := map[news.Status]int{}
	for rows.Next() {
		var st string
		var n int
		if err := rows.Scan(&st, &n); err != nil {
			return nil, fmt.Errorf("counting articles of run %q: %w", runID, err)
		}
		out[news.Status(st)] = n
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("counting articles of run %q: %w", runID, fail(ctx, err))
	}
	return out, nil
}

// ReplaceClusters implements store.Store.
func (s *Store) ReplaceClusters(ctx context.Context, runID, flashpointID string, cs []news.Cluster) error {
	cs, err := record.Clusters(runID, flashpointID, cs)
	if err != nil {
		return fmt.Errorf("replacing clusters: %w", err)
	}
	now := record.FormatTime(record.Now())
	err = s.writeData(ctx, func(tx *sql.Tx) error {
		var one int
		err := tx.QueryRowContext(ctx, `SELECT 1 FROM flashpoints WHERE run_id = ? AND id = ?`, runID, flashpointID).Scan(&one)
		if errors.Is(err, sql.ErrNoRows) {
			return store.ErrNotFound
		} else if err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM clusters WHERE run_id = ? AND flashpoint_id = ?`, runID, flashpointID); err != nil {
			return err
		}
		if len(cs) == 0 {
			return nil
		}
		stmt, err := tx.PrepareContext(ctx, `INSERT INTO clusters (`+record.ClusterInsertColumns+`) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`)
		if err != nil {
			return err
		}
		defer stmt.Close()
		for i := range cs {
			if _, err := stmt.ExecContext(ctx, record.ClusterArgs(&cs[i], now)...); err != nil {
				return fmt.Errorf("cluster %d: %w", cs[i].ClusterID, err)
			}
		}
		return nil
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
	db, err := s.reader()
	if err != nil {
		return nil, fmt.Errorf("reading clusters: %w", err)
	}
	query := `SELECT ` + record.ClusterColumns + ` FROM clusters WHERE run_id = ?`
	args := []any{q.RunID}
	if q.FlashpointID != "" {
		query += ` AND flashpoint_id = ?`
		args = append(args, q.FlashpointID)
	}
	rows, err := db.QueryContext(ctx, query+` ORDER BY flashpoint_id, cluster_id`, args...)
	if err != nil {
		return nil, fmt.Errorf("reading clusters of run %q: %w", q.RunID, fail(ctx, err))
	}
	defer rows.Close()
	var out []news.Cluster
	for rows.Next() {
		var x record.ClusterRow
		if err := rows.Scan(x.Dest()...); err != nil {
			return nil, fmt.Errorf("reading clusters of run %q: %w", q.RunID, err)
		}
		c, err := x.Cluster()
		if err != nil {
			return nil, fmt.Errorf("reading clusters of run %q: %w", q.RunID, err)
		}
		out = append(out, c)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("reading clusters of run %q: %w", q.RunID, fail(ctx, err))
	}
	return out, nil
}

// Ping implements store.Store: it checks both the writer and a reader.
func (s *Store) Ping(ctx context.Context) error {
	if s.closed.Load() {
		return fmt.Errorf("pinging sqlite %s: %w", s.path, store.ErrClosed)
	}
	if err := s.w.PingContext(ctx); err != nil {
		return fmt.Errorf("pinging sqlite %s writer: %w", s.path, fail(ctx, err))
	}
	if err := s.r.PingContext(ctx); err != nil {
		return fmt.Errorf("pinging sqlite %s reader: %w", s.path, fail(ctx, err))
	}
	return nil
}

// Close implements store.Store. It waits for statements in progress.
func (s *Store) Close() error {
	s.closeOnce.Do(func() {
		s.closed.Store(true)
		s.closeErr = errors.Join(s.r.Close(), s.w.Close())
		if s.closeErr != nil {
			s.closeErr = fmt.Errorf("closing sqlite %s: %w", s.path, s.closeErr)
		}
	})
	return s.closeErr
}
