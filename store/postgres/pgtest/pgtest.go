// Package pgtest gives tests a real PostgreSQL: the server named by
// MASX_TEST_PG_URL when set, otherwise a throwaway one it starts itself from
// the Debian PostgreSQL binaries (initdb into a temporary folder, trust
// authentication, a free loopback port, a Unix socket in that folder,
// fsync off). One server is shared by a test binary: Main starts nothing
// until a test asks, and stops what it started when the tests end. Each test
// gets its own database, dropped at cleanup.
//
// The server runs as a child process of the test binary rather than a
// daemon started by pg_ctl: Start waits for its "ready to accept
// connections" log line, Stop asks for a fast shutdown and waits, and if the
// test binary is killed the kernel sends the server SIGQUIT (Pdeathsig), so
// no server outlives its tests. (Only the temporary folder may then stay.)
//
// Without binaries or a URL, tests skip with a message saying how to get
// them, unless CI=true, where they fail.
//
// initdb and postgres refuse to run as root, so when the test runs as root
// they run as the "postgres" user the Debian package creates (the child
// process gets that user's credentials), owning the temporary folder.
package pgtest

import (
	"bufio"
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net"
	"net/url"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"go.uber.org/goleak"
)

// EnvURL names the variable holding an existing server's URL (a role that
// may CREATE DATABASE). Tests then use it instead of starting a server.
const EnvURL = "MASX_TEST_PG_URL"

// EnvBin names the variable that may point at the folder holding initdb
// and postgres, overriding the search.
const EnvBin = "MASX_TEST_PG_BIN"

// Server is a PostgreSQL for tests.
type Server struct {
	// URL is the admin connection URL (database "postgres" for a server
	// started here).
	URL string

	dir  string // data and socket folder of a server started here
	bin  string
	cred *syscall.Credential // run server programs as this user (nil: as ourselves)

	proc   *exec.Cmd
	logged chan struct{} // closed when the log reader has seen EOF
	exited chan error    // the server's exit, once reaped
	mu     sync.Mutex
	log    []byte // the log's last logKeep bytes
}

const logKeep = 8 << 10

// shared is the one server per test binary; Main stops it.
var shared struct {
	once sync.Once
	srv  *Server
	err  error
}

// Main runs the tests, stops the shared server if one was started, checks
// for leaked goroutines (after the stop, so the helper's own connections
// are gone) and returns the exit code. Use it in TestMain:
//
//	func TestMain(m *testing.M) { os.Exit(pgtest.Main(m)) }
func Main(m *testing.M) int {
	code := m.Run()
	if shared.srv != nil {
		if err := shared.srv.Stop(); err != nil {
			fmt.Fprintln(os.Stderr, "pgtest: stopping server:", err)
			code = max(code, 1)
		}
	}
	if code == 0 {
		if err := goleak.Find(); err != nil {
			fmt.Fprintln(os.Stderr, "pgtest: goroutine leak:", err)
			code = 1
		}
	}
	return code
}

// ErrUnavailable: no URL is set and no PostgreSQL binaries were found.
var ErrUnavailable = errors.New("PostgreSQL unavailable")

// Shared returns the binary's shared server: EnvURL's when set, else one
// started on first use.
func Shared(ctx context.Context) (*Server, error) {
	shared.once.Do(func() {
		if u := os.Getenv(EnvURL); u != "" {
			shared.srv = &Server{URL: u}
			return
		}
		shared.srv, shared.err = Start(ctx)
	})
	return shared.srv, shared.err
}

// Database creates an empty database for t on the shared server and returns
// its URL; it is dropped when t ends. When PostgreSQL is unavailable t is
// skipped (or fails under CI=true) with a message saying how to get it.
func Database(t testing.TB) string {
	t.Helper()
	srv, err := Shared(context.Background())
	if err != nil {
		if errors.Is(err, ErrUnavailable) && os.Getenv("CI") != "true" {
			t.Skipf("skipping: %v", err)
		}
		t.Fatalf("pgtest: %v", err)
	}
	dbURL, drop, err := srv.CreateDatabase(context.Background())
	if err != nil {
		t.Fatalf("pgtest: %v", err)
	}
	t.Cleanup(func() {
		if err := drop(); err != nil {
			t.Errorf("pgtest: %v", err)
		}
	})
	return dbURL
}

// CreateDatabase creates test_<random> and returns its URL and a function
// that drops it (forcibly, closing leftover connections).
func (s *Server) CreateDatabase(ctx context.Context) (string, func() error, error) {
	var b [8]byte
	_, _ = rand.Read(b[:])
	name := "test_" + hex.EncodeToString(b[:])
	if err := s.admin(ctx, "CREATE DATABASE "+pgx.Identifier{name}.Sanitize()); err != nil {
		return "", nil, fmt.Errorf("creating database %s: %w", name, err)
	}
	u, err := url.Parse(s.URL)
	if err != nil {
		return "", nil, fmt.Errorf("parsing server URL: %w", err)
	}
	u.Path = "/" + name
	drop := func() error {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		if err := s.admin(ctx, "DROP DATABASE IF EXISTS "+pgx.Identifier{name}.Sanitize()+" WITH (FORCE)"); err != nil {
			return fmt.Errorf("dropping database %s: %w", name, err)
		}
		return nil
	}
	return u.String(), drop, nil
}

// admin runs one statement on a short-lived admin connection (CREATE and
// DROP DATABASE cannot run in a transaction or a pool's prepared mode).
func (s *Server) admin(ctx context.Context, sql string) error {
	conn, err := pgx.Connect(ctx, s.URL)
	if err != nil {
		return err
	}
	defer conn.Close(context.Background())
	_, err = conn.Exec(ctx, sql, pgx.QueryExecModeSimpleProtocol)
	return err
}

// Start initialises and starts a throwaway server; Stop stops and removes
// it.
func Start(ctx context.Context) (*Server, error) {
	bin, err := findBin()
	if err != nil {
		return nil, err
	}
	s := &Server{bin: bin}
	if s.dir, err = os.MkdirTemp("", "masx-pgtest-"); err != nil {
		return nil, err
	}
	if os.Geteuid() == 0 {
		u, err := user.Lookup("postgres")
		if err != nil {
			_ = os.RemoveAll(s.dir)
			return nil, fmt.Errorf("running as root and no %q user to run PostgreSQL as (initdb refuses root; installing postgresql-15 creates it): %w", "postgres", ErrUnavailable)
		}
		uid, _ := strconv.ParseUint(u.Uid, 10, 32)
		gid, _ := strconv.ParseUint(u.Gid, 10, 32)
		s.cred = &syscall.Credential{Uid: uint32(uid), Gid: uint32(gid)}
		if err := os.Chown(s.dir, int(uid), int(gid)); err != nil {
			_ = os.RemoveAll(s.dir)
			return nil, fmt.Errorf("handing %s to user postgres: %w", s.dir, err)
		}
	}
	data := filepath.Join(s.dir, "data")
	if out, err := s.cmd(ctx, "initdb", "-D", data, "-U", "postgres", "--auth=trust", "-E", "UTF8", "--locale=C.UTF-8", "--no-sync").CombinedOutput(); err != nil {
		_ = os.RemoveAll(s.dir)
		return nil, fmt.Errorf("initdb: %w\n%s", err, out)
	}
	// A port taken between probing and binding makes the server exit;
	// retry with another.
	var lastErr error
	for range 3 {
		port, err := freePort()
		if err != nil {
			lastErr = err
			continue
		}
		if lastErr = s.run(ctx, data, port); lastErr == nil {
			s.URL = fmt.Sprintf("postgres://postgres@127.0.0.1:%d/postgres?sslmode=disable", port)
			return s, nil
		}
	}
	_ = os.RemoveAll(s.dir)
	return nil, lastErr
}

// run starts postgres as a child and waits until it accepts connections,
// exits, or a minute passes.
func (s *Server) run(ctx context.Context, data string, port int) error {
	cmd := s.cmd(context.Background(), "postgres", "-D", data, "-k", s.dir,
		"-c", "listen_addresses=127.0.0.1", "-p", strconv.Itoa(port),
		"-c", "fsync=off", "-c", "synchronous_commit=off", "-c", "full_page_writes=off",
		"-c", "max_connections=200", "-c", "logging_collector=off")
	cmd.SysProcAttr.Pdeathsig = syscall.SIGQUIT
	stderr, err := cmd.StderrPipe()
	if err != nil {
		return err
	}
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("starting postgres: %w", err)
	}
	// Two goroutines own the child: one drains its log (the pipe must
	// never fill), one reaps it after the log ends. Stop waits for both.
	ready := make(chan struct{})
	s.logged = make(chan struct{})
	s.exited = make(chan error, 1)
	go s.readLog(stderr, ready)
	go func() { <-s.logged; s.exited <- cmd.Wait() }()
	timer := time.NewTimer(time.Minute)
	defer timer.Stop()
	select {
	case <-ready:
		s.proc = cmd
		return nil
	case err := <-s.exited:
		return fmt.Errorf("postgres exited before accepting connections: %v\n%s", err, s.logTail())
	case <-timer.C:
	case <-ctx.Done():
	}
	_ = cmd.Process.Kill()
	<-s.exited
	return fmt.Errorf("postgres not ready (%v)\n%s", ctx.Err(), s.logTail())
}

// readLog keeps the tail of the server's log, closes ready at the line
// saying it accepts connections, and closes s.logged at EOF (the server
// exited).
func (s *Server) readLog(r io.Reader, ready chan struct{}) {
	defer close(s.logged)
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	signalled := false
	for sc.Scan() {
		line := sc.Bytes()
		s.mu.Lock()
		s.log = append(s.log, line...)
		s.log = append(s.log, '\n')
		if len(s.log) > 2*logKeep {
			s.log = append(s.log[:0], s.log[len(s.log)-logKeep:]...)
		}
		s.mu.Unlock()
		if !signalled && bytes.Contains(line, []byte("ready to accept connections")) {
			signalled = true
			close(ready)
		}
	}
	_, _ = io.Copy(io.Discard, r)
}

func (s *Server) logTail() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return tail(s.log, 2000)
}

// Stop stops a server Start started (fast shutdown: sessions are
// disconnected) and removes its folder; for a server given by URL it does
// nothing.
func (s *Server) Stop() error {
	if s == nil || s.proc == nil {
		return nil
	}
	_ = s.proc.Process.Signal(syscall.SIGINT)
	timer := time.NewTimer(time.Minute)
	defer timer.Stop()
	var err error
	select {
	case err = <-s.exited:
	case <-timer.C:
		_ = s.proc.Process.Kill()
		err = <-s.exited
	}
	s.proc = nil
	if rmErr := os.RemoveAll(s.dir); rmErr != nil {
		return rmErr
	}
	if err != nil {
		return fmt.Errorf("postgres exit: %w\n%s", err, s.logTail())
	}
	return nil
}

func (s *Server) cmd(ctx context.Context, name string, args ...string) *exec.Cmd {
	cmd := exec.CommandContext(ctx, filepath.Join(s.bin, name), args...)
	cmd.SysProcAttr = &syscall.SysProcAttr{Credential: s.cred}
	cmd.Dir = s.dir
	return cmd
}

// findBin returns the folder with initdb and postgres: EnvBin, the newest
// /usr/lib/postgresql/*/bin (Debian), or the PATH.
func findBin() (string, error) {
	if b := os.Getenv(EnvBin); b != "" {
		if _, err := os.Stat(filepath.Join(b, "initdb")); err != nil {
			return "", fmt.Errorf("%s=%s has no initdb: %w", EnvBin, b, ErrUnavailable)
		}
		return b, nil
	}
	dirs, _ := filepath.Glob("/usr/lib/postgresql/*/bin")
	sort.Slice(dirs, func(i, j int) bool { return version(dirs[i]) > version(dirs[j]) })
	for _, d := range dirs {
		if _, err := os.Stat(filepath.Join(d, "initdb")); err == nil {
			return d, nil
		}
	}
	if p, err := exec.LookPath("initdb"); err == nil {
		return filepath.Dir(p), nil
	}
	return "", fmt.Errorf("no PostgreSQL server binaries (initdb, postgres) in /usr/lib/postgresql/*/bin or PATH, and %s is unset; "+
		"install them with scripts/setup.sh (Debian: apt-get install postgresql-15) or point %s at a server: %w", EnvURL, EnvURL, ErrUnavailable)
}

func version(binDir string) int {
	v, _ := strconv.Atoi(filepath.Base(filepath.Dir(binDir)))
	return v
}

func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, fmt.Errorf("finding a free port: %w", err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

func tail(b []byte, n int) string {
	b = bytes.TrimSpace(b)
	if len(b) > n {
		b = b[len(b)-n:]
	}
	return strings.ToValidUTF8(string(b), "?")
}

// ServerCPU sums the user and system CPU time of every process named
// "postgres" on this machine (Linux /proc), so a benchmark against a local
// server can report the database's cost next to the client's. ok is false
// where /proc is missing or unreadable.
func ServerCPU() (d time.Duration, ok bool) {
	stats, err := filepath.Glob("/proc/[0-9]*/stat")
	if err != nil || len(stats) == 0 {
		return 0, false
	}
	const ticksPerSecond = 100 // USER_HZ on Linux
	var ticks int64
	for _, p := range stats {
		b, err := os.ReadFile(p)
		if err != nil {
			continue // the process ended
		}
		// pid (comm) state ppid … utime(14) stime(15): comm may hold spaces,
		// so split after its closing parenthesis.
		open, end := bytes.IndexByte(b, '('), bytes.LastIndexByte(b, ')')
		if open < 0 || end < open || string(b[open+1:end]) != "postgres" {
			continue
		}
		f := strings.Fields(string(b[end+1:]))
		if len(f) < 13 {
			continue
		}
		u, _ := strconv.ParseInt(f[11], 10, 64)
		s, _ := strconv.ParseInt(f[12], 10, 64)
		ticks += u + s
	}
	return time.Duration(ticks) * time.Second / ticksPerSecond, true
}
