//go:build !linux

package sqlite

import (
	"errors"
	"os"
)

// errNoAllocate: the filesystem cannot allocate without writing.
var errNoAllocate = errors.New("fallocate not supported")

// allocate is fallocate's stand-in: here the reserve is written out.
func allocate(*os.File, int64) error { return errNoAllocate }
