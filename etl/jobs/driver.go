package jobs

import (
	"context"
	"fmt"
	"time"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver"
	"github.com/riverqueue/river/rivermigrate"
)

// pollIntervalPollOnly is the default PollInterval on a database that
// cannot notify workers (DriverOptions.PollOnly): polling is then the only
// way a worker learns of a new job, so it polls twice as often as River's
// default.
const pollIntervalPollOnly = 500 * time.Millisecond

// migrationLockKey is the advisory lock River's migrations run under when
// DriverOptions.Lock is set ("masx_r" in ASCII).
const migrationLockKey int64 = 0x6d6173785f72

// Driver is the database seam of Jobs: River's driver over the store's
// own database, with the two facts about that database River's driver
// interface leaves to its user. The composition root builds it from the
// store it opened and hands it to New, as river.NewClient takes its driver:
//
//	jobs.NewDriver(riversqlite.New(st.WriterDB()), jobs.DriverOptions{PollOnly: true})
//	jobs.NewDriver(riverpgxv5.New(st.Pool()), jobs.DriverOptions{Lock: st.WithAdvisoryLock})
//
// River's drivers are generic over their transaction type; NewDriver is
// the only generic function here, so Jobs, and everything that holds one,
// is not.
//
// The zero Driver is not usable. Like River's driver interface, this seam
// is not a stable API.
type Driver struct {
	pollOnly  bool
	migrate   func(ctx context.Context) error
	newClient func(*river.Config) (riverClient, error)
}

// DriverOptions says what River's driver interface does not.
type DriverOptions struct {
	// PollOnly: the database cannot notify workers of new jobs (SQLite),
	// so River polls for them, every Config.PollInterval, which then
	// defaults to 500ms.
	PollOnly bool
	// Lock, when set, runs River's migrations while holding the lock
	// named key, which other processes migrating the same database wait
	// for: workers starting together on PostgreSQL would otherwise race
	// to create the same tables. (*postgres.Store).WithAdvisoryLock has
	// this signature. Leave it nil where the database serialises writers
	// itself (SQLite).
	Lock func(ctx context.Context, key int64, fn func(context.Context) error) error
}

// NewDriver wraps River's driver for the store's database. drv must reach
// the same database as the Store given to New in Deps: a flashpoint's job
// and its results are then in one database, so any process that reaches it
// sees both.
func NewDriver[TTx any](drv riverdriver.Driver[TTx], o DriverOptions) Driver {
	migrate := func(ctx context.Context) error {
		m, err := rivermigrate.New(drv, nil)
		if err != nil {
			return fmt.Errorf("river migrations: %w", err)
		}
		if _, err := m.Migrate(ctx, rivermigrate.DirectionUp, nil); err != nil {
			return fmt.Errorf("applying river migrations: %w", err)
		}
		return nil
	}
	d := Driver{
		pollOnly: o.PollOnly,
		migrate:  migrate,
		newClient: func(rc *river.Config) (riverClient, error) {
			return river.NewClient(drv, rc)
		},
	}
	if o.Lock != nil {
		d.migrate = func(ctx context.Context) error { return o.Lock(ctx, migrationLockKey, migrate) }
	}
	return d
}
