// Package migrate reads the versioned schema migrations a store driver
// embeds and works out which still need applying. Applying them is the
// driver's job (each database locks and records differently); the rules are
// shared: files are named NNNN_name.sql, versions run 1, 2, 3… without gaps,
// pending ones are applied in order inside one transaction, and a database
// that records a version this binary does not know is refused rather than
// written with an older schema in mind.
package migrate

import (
	"errors"
	"fmt"
	"io/fs"
	"path"
	"regexp"
	"slices"
	"strconv"
)

// Migration is one schema step.
type Migration struct {
	Version int
	Name    string // the file name without the version and ".sql"
	SQL     string
}

var fileName = regexp.MustCompile(`^([0-9]{4})_([a-z0-9_]+)\.sql$`)

// ErrNewerSchema: the database was migrated by a newer masx.
var ErrNewerSchema = errors.New("database schema is newer than this binary")

// Load reads every migration in dir of fsys, sorted by version, and checks
// the names and the numbering.
func Load(fsys fs.FS, dir string) ([]Migration, error) {
	entries, err := fs.ReadDir(fsys, dir)
	if err != nil {
		return nil, fmt.Errorf("reading migrations: %w", err)
	}
	var ms []Migration
	for _, e := range entries {
		m := fileName.FindStringSubmatch(e.Name())
		if e.IsDir() || m == nil {
			return nil, fmt.Errorf("reading migrations: file %q; want NNNN_name.sql", e.Name())
		}
		v, _ := strconv.Atoi(m[1])
		b, err := fs.ReadFile(fsys, path.Join(dir, e.Name()))
		if err != nil {
			return nil, fmt.Errorf("reading migration %s: %w", e.Name(), err)
		}
		ms = append(ms, Migration{Version: v, Name: m[2], SQL: string(b)})
	}
	slices.SortFunc(ms, func(a, b Migration) int { return a.Version - b.Version })
	for i, m := range ms {
		if m.Version != i+1 {
			return nil, fmt.Errorf("reading migrations: version %d (%s) found where %d was due; want 1, 2, 3… without gaps or repeats", m.Version, m.Name, i+1)
		}
	}
	if len(ms) == 0 {
		return nil, fmt.Errorf("reading migrations: none in %q", dir)
	}
	return ms, nil
}

// Pending returns the migrations whose versions are not applied, in order,
// or ErrNewerSchema when applied holds a version past the last known one.
func Pending(all []Migration, applied []int) ([]Migration, error) {
	done := make(map[int]bool, len(applied))
	for _, v := range applied {
		if v > len(all) {
			return nil, fmt.Errorf("database records schema version %d, this binary knows up to %d: %w", v, len(all), ErrNewerSchema)
		}
		done[v] = true
	}
	var out []Migration
	for _, m := range all {
		if !done[m.Version] {
			out = append(out, m)
		}
	}
	return out, nil
}
