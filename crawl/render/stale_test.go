package render

import (
	"fmt"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"testing"

	"github.com/stretchr/testify/require"
)

// deadPID returns the PID of a process that has exited and been reaped.
func deadPID(t *testing.T) int {
	t.Helper()
	cmd := exec.Command("true")
	require.NoError(t, cmd.Run())
	return cmd.Process.Pid
}

// fakeProfile makes a profile directory with a file in it, as a pool of
// process pid, started at start, would have left it.
func fakeProfile(t *testing.T, dir string, pid int, start uint64) string {
	t.Helper()
	path := filepath.Join(dir, fmt.Sprintf("%s%d-%d-%d", profilePrefix, pid, start, 12345))
	require.NoError(t, os.MkdirAll(filepath.Join(path, "browser-1", "Default"), 0o700))
	require.NoError(t, os.WriteFile(filepath.Join(path, "browser-1", "Default", "Cookies"), []byte("x"), 0o600))
	return path
}

func TestSweepStaleProfiles(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	self := os.Getpid()
	selfStart, ok := procStartTime(self)
	require.True(t, ok, "cannot read this process's start time from /proc")

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
		require.NoError(t, os.Mkdir(k, 0o700))
	}
	file := filepath.Join(dir, fmt.Sprintf("%s%d-1-3", profilePrefix, deadPID(t))) // a file, not a profile
	require.NoError(t, os.WriteFile(file, nil, 0o600))
	keep = append(keep, file)

	removed := sweepStaleProfiles(dir, slog.New(slog.DiscardHandler))
	slices.Sort(removed)
	require.Equal(t, sorted([]string{reused, stale}), removed, "removed")
	for _, gone := range []string{stale, reused} {
		_, err := os.Stat(gone)
		require.ErrorIs(t, err, os.ErrNotExist, "%s still there", gone)
	}
	for _, k := range keep {
		_, err := os.Stat(k)
		require.NoError(t, err, "the sweep removed %s", k)
	}

	require.Empty(t, sweepStaleProfiles(dir, slog.New(slog.DiscardHandler)), "a second sweep removed something; want nothing")
	require.Empty(t, sweepStaleProfiles(filepath.Join(dir, "missing"), slog.New(slog.DiscardHandler)), "a sweep of a missing folder removed something")
}

func sorted(s []string) []string {
	s = slices.Clone(s)
	slices.Sort(s)
	return s
}

func TestProfileName(t *testing.T) {
	t.Parallel()
	dir, err := os.MkdirTemp(t.TempDir(), profilePattern())
	require.NoError(t, err)
	pid, start, ok := parseProfileName(filepath.Base(dir))
	want, _ := procStartTime(os.Getpid())
	require.True(t, ok, "parseProfileName(%q) refused it", filepath.Base(dir))
	require.Equal(t, os.Getpid(), pid, "parseProfileName(%q): pid", filepath.Base(dir))
	require.Equal(t, want, start, "parseProfileName(%q): start time", filepath.Base(dir))
	require.True(t, ownerRuns(pid, start), "ownerRuns says this process does not run")

	for _, name := range []string{
		"masx-render-", "masx-render-123", "masx-render-1-2", "masx-render-0-1-2", "masx-render--1-1-2",
		"masx-render-1-2-", "masx-render-1-2-3-4", "masx-render-a-1-2", "masx-render-1--2-3", "other-1-2-3",
	} {
		_, _, ok := parseProfileName(name)
		require.False(t, ok, "parseProfileName(%q) accepted it", name)
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
	_, err := os.Stat(stale)
	require.ErrorIs(t, err, os.ErrNotExist, "Start left the stale profile %s", stale)
	pid, _, ok := parseProfileName(filepath.Base(p.UserDataDir()))
	require.True(t, ok, "the pool's profile %s does not name its owner", p.UserDataDir())
	require.Equal(t, os.Getpid(), pid, "the pool's profile %s does not name this process as its owner", p.UserDataDir())
}
