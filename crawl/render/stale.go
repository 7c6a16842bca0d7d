package render

import (
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
)

// A pool's user-data directory is named for the process that owns it:
//
//	masx-render-<pid>-<start>-<random>
//
// where pid is the owning process and start its start time (field 22 of
// /proc/<pid>/stat, in clock ticks after boot). Stop removes the directory,
// but a process killed with SIGKILL never runs Stop, and each profile holds
// megabytes of Chromium caches. [Pool.Start] therefore sweeps the temporary
// folder first: a directory whose owner no longer runs is removed. The start
// time guards against PID reuse: a live process with the owner's PID but
// another start time is not the owner.
const profilePrefix = "masx-render-"

// profilePattern is the os.MkdirTemp pattern of this process's profiles.
func profilePattern() string {
	start, _ := procStartTime(os.Getpid())
	return fmt.Sprintf("%s%d-%d-", profilePrefix, os.Getpid(), start)
}

// parseProfileName returns the owner recorded in a profile directory's
// name; ok is false for any other name, including the
// masx-render-<random> of masx versions that did not record an owner.
func parseProfileName(name string) (pid int, start uint64, ok bool) {
	rest, found := strings.CutPrefix(name, profilePrefix)
	if !found {
		return 0, 0, false
	}
	parts := strings.Split(rest, "-")
	if len(parts) != 3 || parts[2] == "" {
		return 0, 0, false
	}
	pid, err := strconv.Atoi(parts[0])
	if err != nil || pid <= 0 {
		return 0, 0, false
	}
	start, err = strconv.ParseUint(parts[1], 10, 64)
	if err != nil {
		return 0, 0, false
	}
	if _, err := strconv.ParseUint(parts[2], 10, 64); err != nil {
		return 0, 0, false
	}
	return pid, start, true
}

// procStartTime is the start time of process pid (field 22 of its stat
// file); ok is false when the process is gone, is a zombie, or /proc
// cannot be read.
func procStartTime(pid int) (start uint64, ok bool) {
	pi, ok := readProc(pid)
	if !ok || len(pi.stat) < 20 {
		return 0, false
	}
	if st := string(pi.stat[0]); st == "Z" || st == "X" { // exited, not yet reaped
		return 0, false
	}
	start, err := strconv.ParseUint(string(pi.stat[19]), 10, 64)
	return start, err == nil
}

// ownerRuns reports whether the process that created a profile still runs.
// A start time of 0 means the owner could not read its own; then the PID
// alone decides.
func ownerRuns(pid int, start uint64) bool {
	now, ok := procStartTime(pid)
	return ok && (start == 0 || now == start)
}

// sweepStaleProfiles removes the pool profiles in dir (the temporary
// folder) whose owning process is gone, and returns their paths. It only
// touches directories this user owns whose names record an owner (see
// profilePrefix); before removing one it kills any process still running
// with its --user-data-dir (a Chromium child that outlived its browser).
// Failures are logged and skipped: a sweep never stops a pool from starting.
func sweepStaleProfiles(dir string, log *slog.Logger) []string {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil
	}
	uid := os.Getuid()
	var removed []string
	for _, e := range entries {
		pid, start, ok := parseProfileName(e.Name())
		if !ok || !e.IsDir() || ownerRuns(pid, start) {
			continue
		}
		path := filepath.Join(dir, e.Name())
		if info, err := e.Info(); err != nil {
			continue
		} else if st, ok := info.Sys().(*syscall.Stat_t); !ok || int(st.Uid) != uid {
			continue
		}
		for leftover := range procsUsing(path, nil, "") {
			_ = syscall.Kill(leftover, syscall.SIGKILL)
		}
		if err := os.RemoveAll(path); err != nil {
			log.Warn("render: removing a stale browser profile", "dir", path, "err", err)
			continue
		}
		removed = append(removed, path)
	}
	if len(removed) > 0 {
		log.Info("render: removed browser profiles left by processes that are gone", "count", len(removed), "dir", dir)
	}
	return removed
}
