package sqlite

import (
	"errors"
	"os"
	"syscall"
)

// errNoAllocate: the filesystem cannot allocate without writing.
var errNoAllocate = errors.New("fallocate not supported")

// allocate gives f size bytes of allocated blocks (fallocate(2), mode 0).
func allocate(f *os.File, size int64) error {
	err := syscall.Fallocate(int(f.Fd()), 0, 0, size)
	if errors.Is(err, syscall.EOPNOTSUPP) || errors.Is(err, syscall.ENOSYS) {
		return errNoAllocate
	}
	return err
}
