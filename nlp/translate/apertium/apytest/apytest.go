// Package apytest gives tests a real Apertium APY server (Debian's
// apertium-apy with the pairs installed under /usr/share/apertium/modes),
// started in a private network namespace and reached through a relay on
// loopback.
//
// APY binds every interface and has no option to bind one, so a test must
// not simply start it: it would be reachable from the network for as long
// as the test runs. Instead Start runs it under `unshare -n` (a network
// namespace holding only its own loopback, brought up with `ip link set lo
// up`), where nothing outside the namespace can reach it. The test side
// then needs a way in: Start listens on 127.0.0.1 of the test's own
// namespace, and for each connection dials APY from a goroutine whose OS
// thread has joined the server's namespace (setns(2) on
// /proc/PID/ns/net), then copies bytes both ways. A socket belongs to the
// namespace it was created in, so the dialled connection stays inside
// APY's namespace whichever thread later uses it; the thread that joined
// is locked and never unlocked, so Go ends it with its goroutine and no
// other goroutine ever runs in the foreign namespace. The relay's URL is
// an ordinary loopback URL, so the code under test (and `masx demo` with
// MASX_TRANSLATOR=apertium:URL) talks HTTP as it would to any server.
//
// This needs root (CAP_SYS_ADMIN) for unshare and setns, apertium-apy
// and at least one pair (scripts/setup.sh installs apertium-apy and
// apertium-eng-spa). Without them tests skip with the reason, unless
// CI=true, where they fail.
package apytest

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"runtime"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// ModesDir is where Debian's Apertium pair packages install their modes.
const ModesDir = "/usr/share/apertium/modes"

// apyPort is APY's port inside its namespace, where no other program runs.
const apyPort = 2737

// Server is one APY in its own network namespace.
type Server struct {
	// URL reaches the server through the relay (http://127.0.0.1:PORT).
	URL string

	cmd    *exec.Cmd
	exited chan struct{}
	netns  *os.File
	ln     net.Listener

	mu    sync.Mutex
	conns map[net.Conn]bool
	wg    sync.WaitGroup

	logMu sync.Mutex
	log   strings.Builder
}

// unavailable skips the test, or fails it under CI=true.
func unavailable(t testing.TB, format string, args ...any) {
	t.Helper()
	msg := fmt.Sprintf(format, args...) + " (scripts/setup.sh installs apertium-apy and apertium-eng-spa; the namespace needs root)"
	if os.Getenv("CI") == "true" {
		t.Fatal(msg)
	}
	t.Skip(msg)
}

// Start starts APY and its relay; both stop at the test's cleanup.
func Start(t testing.TB) *Server {
	t.Helper()
	apy, err := exec.LookPath("apertium-apy")
	if err != nil {
		unavailable(t, "apertium-apy not found")
	}
	if _, err := exec.LookPath("unshare"); err != nil {
		unavailable(t, "unshare not found")
	}
	if m, _ := os.ReadDir(ModesDir); len(m) == 0 {
		unavailable(t, "no Apertium pairs under %s", ModesDir)
	}
	s := &Server{exited: make(chan struct{}), conns: map[net.Conn]bool{}}
	script := fmt.Sprintf("ip link set lo up && exec %s -p %d %s", apy, apyPort, ModesDir)
	s.cmd = exec.Command("unshare", "-n", "sh", "-c", script)
	s.cmd.Stdout, s.cmd.Stderr = (*logWriter)(s), (*logWriter)(s)
	// Its own process group, so Kill reaches the translation pipelines
	// APY starts; Pdeathsig, so a killed test binary leaves no server.
	s.cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
	// Pdeathsig fires when the thread that started the child ends, not
	// the process. dial ends the threads it locks, and Go may lock any
	// thread, so the child is started from a thread locked to this
	// goroutine until the child exits: no dial can take it.
	started := make(chan error, 1)
	var ours string
	go func() {
		runtime.LockOSThread()
		defer runtime.UnlockOSThread()
		defer close(s.exited)
		// Our namespace, as this thread sees it: /proc/self names the
		// main thread, which a dial goroutine may have taken into an
		// earlier server's namespace (Go parks such a main thread for
		// good instead of ending it).
		var err error
		if ours, err = os.Readlink("/proc/thread-self/ns/net"); err != nil {
			started <- err
			return
		}
		if err := s.cmd.Start(); err != nil {
			started <- err
			return
		}
		started <- nil
		_ = s.cmd.Wait()
	}()
	if err := <-started; err != nil {
		unavailable(t, "starting apertium-apy: %v", err)
	}
	t.Cleanup(s.stop)
	if err := s.join(ours); err != nil {
		unavailable(t, "entering apertium-apy's network namespace: %v; log:\n%s", err, s.Log())
	}
	if s.ln, err = net.Listen("tcp", "127.0.0.1:0"); err != nil {
		t.Fatalf("apytest: relay listener: %v", err)
	}
	s.URL = "http://" + s.ln.Addr().String()
	s.wg.Go(s.accept)
	if err := s.waitReady(60 * time.Second); err != nil {
		if os.Getenv("CI") != "true" && strings.Contains(s.Log(), "Operation not permitted") {
			unavailable(t, "apertium-apy could not get a network namespace: %v", err)
		}
		t.Fatalf("apytest: %v; log:\n%s", err, s.Log())
	}
	return s
}

// join opens the namespace of the started process once unshare has made
// it (the process's namespace differs from ours, self).
func (s *Server) join(self string) error {
	path := fmt.Sprintf("/proc/%d/ns/net", s.cmd.Process.Pid)
	deadline := time.Now().Add(10 * time.Second)
	for {
		select {
		case <-s.exited:
			return errors.New("apertium-apy exited at once")
		default:
		}
		if ns, err := os.Readlink(path); err == nil && ns != self {
			s.netns, err = os.Open(path)
			return err
		}
		if time.Now().After(deadline) {
			return errors.New("no private network namespace after 10s")
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// dial connects to APY from inside its namespace.
func (s *Server) dial(ctx context.Context) (net.Conn, error) {
	type result struct {
		c   net.Conn
		err error
	}
	ch := make(chan result, 1)
	go func() {
		// Never unlocked: the thread has left our namespace, so Go must
		// end it with this goroutine instead of reusing it.
		runtime.LockOSThread()
		if err := unix.Setns(int(s.netns.Fd()), unix.CLONE_NEWNET); err != nil {
			ch <- result{nil, fmt.Errorf("setns: %w", err)}
			return
		}
		c, err := (&net.Dialer{}).DialContext(ctx, "tcp", fmt.Sprintf("127.0.0.1:%d", apyPort))
		ch <- result{c, err}
	}()
	r := <-ch
	return r.c, r.err
}

// accept relays each connection on the loopback listener to APY.
func (s *Server) accept() {
	for {
		c, err := s.ln.Accept()
		if err != nil {
			return
		}
		s.wg.Go(func() { s.relay(c) })
	}
}

func (s *Server) relay(c net.Conn) {
	defer c.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	up, err := s.dial(ctx)
	cancel()
	if err != nil {
		fmt.Fprintf((*logWriter)(s), "apytest relay: %v\n", err)
		return // the client sees the connection close: APY is gone
	}
	defer up.Close()
	if !s.track(c, up) {
		return
	}
	defer s.untrack(c, up)
	done := make(chan struct{}, 2)
	pipe := func(dst, src net.Conn) {
		_, _ = io.Copy(dst, src)
		if tc, ok := dst.(*net.TCPConn); ok {
			_ = tc.CloseWrite()
		}
		done <- struct{}{}
	}
	go pipe(up, c)
	go pipe(c, up)
	<-done
	<-done
}

// track registers a relayed pair so stop can cut it; false once stopping.
func (s *Server) track(cs ...net.Conn) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.conns == nil {
		return false
	}
	for _, c := range cs {
		s.conns[c] = true
	}
	return true
}

func (s *Server) untrack(cs ...net.Conn) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, c := range cs {
		delete(s.conns, c)
	}
}

// waitReady polls /listPairs until APY answers.
func (s *Server) waitReady(limit time.Duration) error {
	client := &http.Client{Timeout: 5 * time.Second}
	deadline := time.Now().Add(limit)
	for {
		resp, err := client.Get(s.URL + "/listPairs")
		if err == nil {
			_ = resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				client.CloseIdleConnections()
				return nil
			}
		}
		select {
		case <-s.exited:
			return errors.New("apertium-apy exited before it answered")
		default:
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("apertium-apy did not answer /listPairs within %s", limit)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// Kill kills APY (and its pipelines) and waits until it is gone; the
// relay stays, so clients see refused or cut connections, as they would
// from a crashed server.
func (s *Server) Kill() {
	_ = syscall.Kill(-s.cmd.Process.Pid, syscall.SIGKILL)
	<-s.exited
}

// stop kills APY and closes the relay and every relayed connection.
func (s *Server) stop() {
	s.Kill()
	if s.ln != nil {
		_ = s.ln.Close()
	}
	s.mu.Lock()
	for c := range s.conns {
		_ = c.Close()
	}
	s.conns = nil
	s.mu.Unlock()
	s.wg.Wait()
	if s.netns != nil {
		_ = s.netns.Close()
	}
}

// Log returns what APY printed.
func (s *Server) Log() string {
	s.logMu.Lock()
	defer s.logMu.Unlock()
	return s.log.String()
}

type logWriter Server

func (w *logWriter) Write(p []byte) (int, error) {
	w.logMu.Lock()
	defer w.logMu.Unlock()
	if w.log.Len() < 64<<10 {
		w.log.Write(p)
	}
	return len(p), nil
}
