package render

import (
	"bytes"
	"os"
	"path/filepath"
	"strconv"
	"syscall"
	"time"
)

// A browser's processes are found in /proc by two marks, either of which is
// enough:
//
//   - the session: each browser starts in a session of its own (Setsid), and
//     Chromium keeps every child in it. The headless shell passes no
//     --user-data-dir to its children, so the session is the only mark they
//     carry. A session id can outlive its processes and be reused by an
//     unrelated session leader, so a process only counts when it also runs
//     the browser's executable;
//   - the command line: the full browser hands --user-data-dir to every
//     child, and each browser of a pool has its own directory under the
//     pool's. This still finds a child that left the session.

// session marks the processes of one browser: its session id and the
// executable of the browser process ("" when it was not found: then the
// session id alone counts).
type session struct {
	sid int
	exe string
}

// procInfo is what readProc reads of one process.
type procInfo struct {
	cmdline []byte
	stat    [][]byte // the fields of /proc/<pid>/stat after the command name
}

func readProc(pid int) (procInfo, bool) {
	base := "/proc/" + strconv.Itoa(pid)
	cmdline, err := os.ReadFile(base + "/cmdline")
	if err != nil {
		return procInfo{}, false // gone already
	}
	b, err := os.ReadFile(base + "/stat")
	if err != nil {
		return procInfo{}, false
	}
	// The command name (field 2) may hold spaces; fields restart after its
	// closing parenthesis, with the state (field 3) first.
	i := bytes.LastIndexByte(b, ')')
	if i < 0 {
		return procInfo{}, false
	}
	f := bytes.Fields(b[i+1:])
	if len(f) < 15 {
		return procInfo{}, false
	}
	return procInfo{cmdline: cmdline, stat: f}, true
}

// sid is the process's session id (field 6).
func (pi procInfo) sid() int {
	n, _ := strconv.Atoi(string(pi.stat[3]))
	return n
}

// eachProc calls fn for every process in /proc but this one, with what
// readProc read of it; processes that are gone by then are skipped.
func eachProc(fn func(pid int, pi procInfo)) {
	entries, err := os.ReadDir("/proc")
	if err != nil {
		return
	}
	self := os.Getpid()
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil || pid == self {
			continue
		}
		if pi, ok := readProc(pid); ok {
			fn(pid, pi)
		}
	}
}

// procsUsing lists the processes that belong to one of sessions, or whose
// command line has a --user-data-dir inside dir (dir itself or below it);
// when typ is not empty, only those with --type=typ.
//
// Zygote-forked children (renderers among them) rewrite their argv into
// one space-separated string, so arguments end at a NUL or a space.
func procsUsing(dir string, sessions []session, typ string) map[int]procInfo {
	dirArg := []byte("--user-data-dir=" + filepath.Clean(dir))
	typeArg := []byte("--type=" + typ)
	procs := map[int]procInfo{}
	eachProc(func(pid int, pi procInfo) {
		if belongs(pid, pi, dirArg, sessions) && (typ == "" || hasArg(pi.cmdline, typeArg, false)) {
			procs[pid] = pi
		}
	})
	return procs
}

func belongs(pid int, pi procInfo, dirArg []byte, sessions []session) bool {
	if hasArg(pi.cmdline, dirArg, true) {
		return true
	}
	sid := pi.sid()
	for _, s := range sessions {
		if s.sid == sid && sid > 0 && (s.exe == "" || exeOf(pid) == s.exe) {
			return true
		}
	}
	return false
}

func exeOf(pid int) string {
	exe, _ := os.Readlink("/proc/" + strconv.Itoa(pid) + "/exe")
	return exe
}

// browserProcess finds the browser process of the session sid: the one
// that is not a child type (no --type=) and is not a wrapper script around
// it. Debian's /usr/bin/chromium execs the browser, so the session leader
// is the browser; a wrapper that does not exec (such as
// /usr/bin/chromium-headless-shell) leaves a shell above it. It returns the
// pid and executable, or 0 and "" when there is no such process.
func browserProcess(sid int) (int, string) {
	parent := map[int]int{} // the session's processes without --type=, to their parents
	eachProc(func(pid int, pi procInfo) {
		if pi.sid() == sid && !bytes.Contains(pi.cmdline, []byte("--type=")) {
			parent[pid], _ = strconv.Atoi(string(pi.stat[1]))
		}
	})
	// The browser is the one no other of them has as a parent: a wrapper
	// is its ancestor.
	isParent := map[int]bool{}
	for _, pp := range parent {
		isParent[pp] = true
	}
	for pid := range parent {
		if !isParent[pid] {
			return pid, exeOf(pid)
		}
	}
	return 0, ""
}

// hasArg reports whether cmdline holds arg as a whole argument, or, with
// below, as a path prefix of one (arg + "/…").
func hasArg(cmdline, arg []byte, below bool) bool {
	for rest := cmdline; ; {
		i := bytes.Index(rest, arg)
		if i < 0 {
			return false
		}
		startOK := i == 0 || rest[i-1] == 0 || rest[i-1] == ' '
		end := i + len(arg)
		endOK := end == len(rest) || rest[end] == 0 || rest[end] == ' ' || (below && rest[end] == filepath.Separator)
		if startOK && endOK {
			return true
		}
		rest = rest[i+1:]
	}
}

// killLeftovers kills what is left of a browser: children can outlive a
// killed browser for a moment, and a zygote can fork just as the browser
// dies. It stops after three passes in a row that find nothing, or after two
// seconds.
func killLeftovers(dir string, s session) {
	deadline := time.Now().Add(2 * time.Second)
	for quiet := 0; quiet < 3 && time.Now().Before(deadline); {
		procs := procsUsing(dir, []session{s}, "")
		for pid := range procs {
			_ = syscall.Kill(pid, syscall.SIGKILL)
		}
		if len(procs) == 0 {
			quiet++
		} else {
			quiet = 0
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// clockTick is the unit of the times in /proc/<pid>/stat (USER_HZ, 100 on
// every Linux architecture Go supports).
const clockTick = 10 * time.Millisecond

// procsCPU sums the CPU time (user and system) of a browser's processes
// and of the children they reaped. Chromium's renderers are forked by its
// zygote and reaped by it, so their time is in the zygote's children time;
// a process that exited unreaped, or whose parent exited, is missed.
func procsCPU(dir string, s session) time.Duration {
	var ticks int64
	for _, pi := range procsUsing(dir, []session{s}, "") {
		for _, v := range pi.stat[11:15] { // utime, stime, cutime, cstime (fields 14–17)
			n, _ := strconv.ParseInt(string(v), 10, 64)
			ticks += n
		}
	}
	return time.Duration(ticks) * clockTick
}
