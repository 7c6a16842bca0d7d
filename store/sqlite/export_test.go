package sqlite

import "database/sql"

// ReaderDB exposes the read pool to tests.
func ReaderDB(s *Store) *sql.DB { return s.r }
