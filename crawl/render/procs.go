package render

import (
	"bytes"
	"os"
	"path/filepath"
	"strconv"
	"syscall"
	"time"
)

// Chromium hands --user-data-dir to every child process it starts (zygotes,
// renderers, utilities), and each browser of a pool has its own directory
// under the pool's. So /proc tells which processes belong to a pool, with no
// process group needed; Chromium does not keep its children in one anyway.

// procsUsing lists the pids whose command line has a --user-data-dir inside
// dir (dir itself or below it) and, when typ is not empty, --type=typ.
//
// Zygote-forked children (renderers among them) rewrite their argv into
// one space-separated string, so arguments end at a NUL or a space.
func procsUsing(dir, typ string) []int {
	entries, err := os.ReadDir("/proc")
	if err != nil {
		return nil
	}
	dirArg := []byte("--user-data-dir=" + filepath.Clean(dir))
	typeArg := []byte("--type=" + typ)
	self := os.Getpid()
	var pids []int
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil || pid == self {
			continue
		}
		cmdline, err := os.ReadFile("/proc/" + e.Name() + "/cmdline")
		if err != nil {
			continue // gone already
		}
		if hasArg(cmdline, dirArg, true) && (typ == "" || hasArg(cmdline, typeArg, false)) {
			pids = append(pids, pid)
		}
	}
	return pids
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

// killLeftovers kills what is left of a browser that used dir: children can
// outlive a killed browser for a moment, and a zygote can fork just as the
// browser dies. It stops after three passes in a row that find nothing, or
// after two seconds.
func killLeftovers(dir string) {
	deadline := time.Now().Add(2 * time.Second)
	for quiet := 0; quiet < 3 && time.Now().Before(deadline); {
		pids := procsUsing(dir, "")
		for _, pid := range pids {
			_ = syscall.Kill(pid, syscall.SIGKILL)
		}
		if len(pids) == 0 {
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

// procsCPU sums the CPU time (user and system) of the processes that use
// dir and of the children they reaped. Chromium's renderers are forked by
// its zygote and reaped by it, so their time is in the zygote's children
// time; a process that exited unreaped, or whose parent exited, is missed.
func procsCPU(dir string) time.Duration {
	var ticks int64
	for _, pid := range procsUsing(dir, "") {
		b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
		if err != nil {
			continue
		}
		// The command name (field 2) may hold spaces; fields restart
		// after its closing parenthesis, with the state (field 3) first.
		i := bytes.LastIndexByte(b, ')')
		if i < 0 {
			continue
		}
		f := bytes.Fields(b[i+1:])
		if len(f) < 15 {
			continue
		}
		for _, v := range f[11:15] { // utime, stime, cutime, cstime (fields 14–17)
			n, _ := strconv.ParseInt(string(v), 10, 64)
			ticks += n
		}
	}
	return time.Duration(ticks) * clockTick
}
