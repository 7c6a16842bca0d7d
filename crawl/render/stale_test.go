package render

import (
	"fmt"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"testing"
)

// deadPID returns the PID of a process that has exited and been reaped.
func deadPID(t *testing.T) int {
	t.Helper()
	cmd := exec.Command("true")
	if err := cmd.Run(); err != nil {
		t.Fatal(err)
	}
	return cmd.Process.Pid
}

// fakeProfile makes a profile directory with a file in it, as a pool of
// process pid, started at start, would have left it.
func fakeProfile(t *testing.T, dir string, pid int, start uint64) string {
	t.Helper()
	path := filepath.Join(dir, fmt.Sprintf("%s%d-%d-%d", profilePrefix, pid, start, 12345))
	if err := os.MkdirAll(filepath.Join(path, "browser-1", "Default"), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(path, "browser-1", "Default", "Cookies"), []byte("x"), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestSweepStaleProfiles(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	self := os.Getpid()
	selfStart, ok := procStartTime(self)
	if !ok {
		t.Fatal("cannot read this process's start time from /proc")
	}

	stale := fakeProfile(t, dir, deadPID(t), 4242)
	reused := fakeProfile(t, dir, self, selfStart+1) // this PID, but another process's start time
	live := fakeProfile(t, dir, self, selfStart)
	keep := []string{
		live,
		filepath.Join(dir, profilePrefix+"3021717628"),                // an older masx's name: owner unknown
		filepath.Join(dir, profilePrefix+"x-1-2"),                     // not a name this package makes
		filepath.Join(dir, "masx-e2e-123"),                            // someone else's folder
		filepath.Join(dir, fmt.Sprintf("%s%d-0-2", profilePrefix, 1)), // init: runs, start time unknown
	}
	for _, k := range keep[1:] {
		if err := os.Mkdir(k, 0o700); err != nil {
			t.Fatal(err)
		}
	}
	file := filepath.Join(dir, fmt.Sprintf("%s%d-1-3", profilePrefix, deadPID(t))) // a file, not a profile
	if err := os.WriteFile(file, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	keep = append(keep, file)

	removed := sweepStaleProfiles(dir, slog.New(slog.DiscardHandler))
	slices.Sort(removed)
	if want := []string{reused, stale}; !slices.Equal(removed, sorted(want)) {
		t.Errorf("removed %q; want %q", removed, sorted(want))
	}
	for _, gone := range []string{stale, reused} {
		if _, err := os.Stat(gone); !os.IsNotExist(err) {
			t.Errorf("%s still there (stat: %v)", gone, err)
		}
	}
	for _, k := range keep {
		if _, err := os.Stat(k); err != nil {
			t.Errorf("the sweep removed %s: %v", k, err)
		}
	}

	if again := sweepStaleProfiles(dir, slog.New(slog.DiscardHandler)); len(again) != 0 {
		t.Errorf("a second sweep removed %q; want nothing", again)
	}
	if got := sweepStaleProfiles(filepath.Join(dir, "missing"), slog.New(slog.DiscardHandler)); len(got) != 0 {
		t.Errorf("a sweep of a missing folder removed %q", got)
	}
}

func sorted(s []string) []string {
	s = slices.Clone(s)
	slices.Sort(s)
	return s
}

func TestProfileName(t *testing.T) {
	t.Parallel()
	dir, err := os.MkdirTemp(t.TempDir(), profilePattern())
	if err != nil {
		t.Fatal(err)
	}
	pid, start, ok := parseProfileName(filepath.Base(dir))
	want, _ := procStartTime(os.Getpid())
	if !ok || pid != os.Getpid() || start != want {
		t.Fatalf("parseProfileName(%q) = %d, %d, %v; want %d, %d, true", filepath.Base(dir), pid, start, ok, os.Getpid(), want)
	}
	if !ownerRuns(pid, start) {
		t.Error("ownerRuns says this process does not run")
	}

	for _, name := range []string{
		"masx-render-", "masx-render-123", "masx-render-1-2", "masx-render-0-1-2", "masx-render--1-1-2",
		"masx-render-1-2-", "masx-render-1-2-3-4", "masx-render-a-1-2", "masx-render-1--2-3", "other-1-2-3",
	} {
		if _, _, ok := parseProfileName(name); ok {
			t.Errorf("parseProfileName(%q) accepted it", name)
		}
	}
}

// TestStartSweepsStaleProfiles checks the wiring: a pool's Start removes a
// profile left in the temporary folder by a process that is gone, and names
// its own profile for its owner.
func TestStartSweepsStaleProfiles(t *testing.T) {
	t.Parallel()
	stale := fakeProfile(t, os.TempDir(), deadPID(t), 7)
	t.Cleanup(func() { _ = os.RemoveAll(stale) })
	p := startPool(t, Config{})
	if _, err := os.Stat(stale); !os.IsNotExist(err) {
		t.Errorf("Start left the stale profile %s (stat: %v)", stale, err)
	}
	if pid, _, ok := parseProfileName(filepath.Base(p.UserDataDir())); !ok || pid != os.Getpid() {
		t.Errorf("the pool's profile %s does not name this process as its owner", p.UserDataDir())
	}
}
