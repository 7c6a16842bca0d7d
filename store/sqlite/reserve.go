package sqlite

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"

	"github.com/masx-ai/masx/store"
)

// ReserveDefault is Config.Reserve's default: room for a few dozen failed
// flashpoints to be recorded, River's job updates included (one job row
// holds its flashpoint's feeds: tens of KB per write).
const ReserveDefault = 4 << 20

// makeReserve creates the reserve file, or completes one cut short, with
// its blocks allocated: fallocate where the filesystem has it, else
// written out with bytes no filesystem compresses away.
func (s *Store) makeReserve() error {
	f, err := os.OpenFile(s.reservePath, os.O_WRONLY|os.O_CREATE, 0o600)
	if err != nil {
		return err
	}
	fi, err := f.Stat()
	if err == nil && fi.Size() < s.reserveSize {
		if err = allocate(f, s.reserveSize); err != nil && !errors.Is(err, errNoAllocate) {
			err = fmt.Errorf("allocating %d bytes: %w", s.reserveSize, err)
		} else if err != nil {
			err = writeOut(f, fi.Size(), s.reserveSize)
		}
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		_ = os.Remove(s.reservePath)
		return fmt.Errorf("setting aside %s: %w", s.reservePath, err)
	}
	return nil
}

// writeOut fills f from offset from to size with pseudo-random bytes.
func writeOut(f *os.File, from, size int64) error {
	rng := rand.NewChaCha8([32]byte{'m', 'a', 's', 'x'})
	buf := make([]byte, 64<<10)
	for at := from; at < size; {
		n := int(min(int64(len(buf)), size-at))
		_, _ = rng.Read(buf[:n])
		w, err := f.WriteAt(buf[:n], at)
		if err != nil {
			return err
		}
		at += int64(w)
	}
	return nil
}

// releaseReserve gives the reserve back to the filesystem once a write
// met a full disk, and holds back new data (roomForData) from then on, so
// the space goes to recording what failed.
func (s *Store) releaseReserve() {
	if s.reservePath == "" {
		return
	}
	s.reserveMu.Lock()
	defer s.reserveMu.Unlock()
	if s.full.Swap(true) {
		return
	}
	_ = os.Remove(s.reservePath)
}

// roomForData lets a write of new data through unless the disk filled up;
// then only once the disk has room for the reserve and as much again, and
// the reserve is set aside, which ends the hold. Space a full disk gives
// back (the reserve, a rolled-back write) is thus never taken by new data
// before the record of what failed.
func (s *Store) roomForData() error {
	if !s.full.Load() {
		return nil
	}
	s.reserveMu.Lock()
	defer s.reserveMu.Unlock()
	if !s.full.Load() {
		return nil
	}
	free, err := freeBytes(filepath.Dir(s.path))
	if err == nil && free >= 2*s.reserveSize {
		if err = s.makeReserve(); err == nil {
			s.full.Store(false)
			return nil
		}
	}
	msg := fmt.Sprintf("the disk filled up; new data waits until it has room for the store's reserve (%s) and as much again, %d bytes",
		s.reservePath, 2*s.reserveSize)
	if err != nil {
		return fmt.Errorf("%w: %s: %w", store.ErrNoSpace, msg, err)
	}
	return fmt.Errorf("%w: %s (%d free)", store.ErrNoSpace, msg, free)
}
