package scalebench

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"
)

// ReadyLine is what `masx worker` prints on stdout, on a line of its own,
// once it takes jobs.
const ReadyLine = "ready"

// stopGrace is how long a worker may drain after SIGTERM before it is
// killed.
const stopGrace = time.Minute

// worker is one `masx worker` process.
type worker struct {
	cmd    *exec.Cmd
	ready  chan struct{} // closed when the ready line was printed
	exited chan struct{} // closed when the process has exited
	stderr *tail
}

// startWorker starts `masx worker` on db with per jobs at once, allowed to
// fetch the loopback site quickly.
func startWorker(ctx context.Context, bin, db string, per int) (*worker, error) {
	c := exec.CommandContext(ctx, bin, "worker", "--db", db, "--concurrency", strconv.Itoa(per), "--method", "http")
	c.Env = append(os.Environ(), "MASX_ALLOW_PRIVATE=1", "MASX_HOST_DELAY_MS=0",
		"MASX_HOST_CONCURRENCY="+strconv.Itoa(4*per), "MASX_LOG_LEVEL=warn")
	w := &worker{cmd: c, ready: make(chan struct{}), exited: make(chan struct{}), stderr: &tail{max: 4 << 10}}
	c.Stdout = &lineWatch{want: ReadyLine, seen: w.ready}
	c.Stderr = w.stderr
	if err := c.Start(); err != nil {
		return nil, fmt.Errorf("starting a worker: %w", err)
	}
	go func() {
		_ = c.Wait()
		close(w.exited)
	}()
	return w, nil
}

// waitReady waits for the ready line; timeout ends the wait.
func (w *worker) waitReady(ctx context.Context, timeout <-chan time.Time) error {
	select {
	case <-w.ready:
		return nil
	case <-w.exited:
		return fmt.Errorf("worker exited before it was ready: %s", w.stderr.lastLine())
	case <-timeout:
		return errors.New("workers not ready in time")
	case <-ctx.Done():
		return ctx.Err()
	}
}

// stop sends SIGTERM and waits for the worker to drain and exit, killing
// it after stopGrace.
func (w *worker) stop() {
	_ = w.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-w.exited:
	case <-time.After(stopGrace):
		_ = w.cmd.Process.Kill()
		<-w.exited
	}
}

// lineWatch is a writer that closes seen the first time a line reads want.
type lineWatch struct {
	want string
	seen chan struct{}
	line []byte
	done bool
}

func (l *lineWatch) Write(p []byte) (int, error) {
	for _, b := range p {
		if b != '\n' {
			if len(l.line) <= len(l.want)+2 { // longer lines cannot match
				l.line = append(l.line, b)
			}
			continue
		}
		if !l.done && strings.TrimSpace(string(l.line)) == l.want {
			l.done = true
			close(l.seen)
		}
		l.line = l.line[:0]
	}
	return len(p), nil
}

// tail keeps the last max bytes written to it.
type tail struct {
	mu  sync.Mutex
	max int
	buf []byte
}

func (t *tail) Write(p []byte) (int, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.buf = append(t.buf, p...)
	if over := len(t.buf) - t.max; over > 0 {
		t.buf = t.buf[over:]
	}
	return len(p), nil
}

// lastLine is the last non-empty line written.
func (t *tail) lastLine() string {
	t.mu.Lock()
	defer t.mu.Unlock()
	lines := bytes.Split(bytes.TrimSpace(t.buf), []byte("\n"))
	return string(lines[len(lines)-1])
}
