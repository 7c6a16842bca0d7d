package cli

import (
	"context"
	"fmt"

	"github.com/riverqueue/river/riverdriver/riverpgxv5"
	"github.com/riverqueue/river/riverdriver/riversqlite"

	"github.com/masx-ai/masx/etl/jobs"
	"github.com/masx-ai/masx/store"
	"github.com/masx-ai/masx/store/postgres"
	"github.com/masx-ai/masx/store/sqlite"
)

// riverDriver builds River's driver over the opened store's own database,
// so a flashpoint's job and its results live side by side:
//
//   - SQLite: riversqlite on the store's single writer connection, so River
//     and the store never contend for the file lock; SQLite cannot notify
//     workers, so they poll.
//   - PostgreSQL: riverpgxv5 on the store's pool; River's migrations run
//     under an advisory lock, so workers starting together do not race.
//
// This is the one place that knows both the store drivers and River's.
func riverDriver(st store.Store) (jobs.Driver, error) {
	switch st := st.(type) {
	case *sqlite.Store:
		return jobs.NewDriver(riversqlite.New(st.WriterDB()), jobs.DriverOptions{PollOnly: true}), nil
	case *postgres.Store:
		return jobs.NewDriver(riverpgxv5.New(st.Pool()), jobs.DriverOptions{Lock: st.WithAdvisoryLock}), nil
	}
	return jobs.Driver{}, fmt.Errorf("jobs need a SQLite or PostgreSQL store; got %T", st)
}

// newJobs builds Jobs over deps.Store's database (see riverDriver).
func newJobs(ctx context.Context, cfg jobs.Config, deps jobs.Deps) (*jobs.Jobs, error) {
	drv, err := riverDriver(deps.Store)
	if err != nil {
		return nil, err
	}
	return jobs.New(ctx, drv, cfg, deps)
}
