package sqlite

import "database/sql"

// ReaderDB exposes the read pool to tests.
func ReaderDB(s *Store) *sql.DB { return s.r }

// UnfinishedQuery exposes the UnfinishedFlashpoints query to the plan test.
const UnfinishedQuery = unfinishedQuery

// AnyUnfinished exposes settle's probe to the plan test.
const AnyUnfinished = anyUnfinished
