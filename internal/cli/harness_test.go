package cli

import (
	"context"
	"io"
	"net/http"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/masx-ai/masx/config"
)

// invocation adjusts one in-process run of masx in a test.
type invocation struct {
	// Stdin is the standard input; nil reads as empty.
	Stdin io.Reader
	// Env is set with t.Setenv before the run, for the rest of the test
	// (so a test that sets it cannot run in parallel).
	Env map[string]string
	// Within, when set, is a deadline: masx's context ends then, and the
	// test fails with the output so far, so a stall fails instead of
	// hanging the test binary.
	Within time.Duration
}

// runMasx runs masx in process with args, as Main does but with the
// test's streams, and returns the exit code, stdout and stderr. An error
// is printed to stderr as Main prints it ("masx: …").
func runMasx(t *testing.T, inv invocation, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	for k, v := range inv.Env {
		t.Setenv(k, v)
	}
	in := inv.Stdin
	if in == nil {
		in = strings.NewReader("")
	}
	ctx := t.Context()
	if inv.Within > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, inv.Within)
		defer cancel()
	}
	// Locked: a command's goroutines may still log while the test reads.
	var out, errb lockedBuffer
	code = runIO(ctx, args, in, &out, &errb)
	if inv.Within > 0 {
		require.NoError(t, ctx.Err(), "masx %s did not finish within %v (a stall?):\n%s", strings.Join(args, " "), inv.Within, tail(errb.String(), 3000))
	}
	return code, out.String(), errb.String()
}

// runCLI is runMasx with no input, environment or deadline.
func runCLI(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	return runMasx(t, invocation{}, args...)
}

// testApp is an App for calling a command's run function directly:
// default settings, a logger into stderr, and the given streams.
func testApp(t *testing.T, stdin io.Reader, stdout, stderr io.Writer) *App {
	t.Helper()
	s := config.Defaults()
	if stdin == nil {
		stdin = strings.NewReader("")
	}
	return &App{Settings: s, Logger: newLogger(stderr, s), Stdin: stdin, Stdout: stdout, Stderr: stderr, flags: map[string]*string{}}
}

func tail(s string, n int) string {
	if len(s) > n {
		return "…" + s[len(s)-n:]
	}
	return s
}

// served is a `masx serve` running in process for a test.
type served struct {
	// Base is the API's URL (http://127.0.0.1:port).
	Base           string
	Stdout, Stderr *lockedBuffer
	cancel         context.CancelFunc
	exit           chan int
	once           sync.Once
	code           int
}

// startServe runs `masx serve args…` in process and waits until it listens
// (at most a minute); the test's cleanup stops it if the test did not.
func startServe(t *testing.T, args ...string) *served {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	s := &served{Stdout: &lockedBuffer{}, Stderr: &lockedBuffer{}, cancel: cancel, exit: make(chan int, 1)}
	go func() { s.exit <- run(ctx, append([]string{"serve"}, args...), s.Stdout, s.Stderr) }()
	t.Cleanup(func() { s.Stop(t) })
	listening := regexp.MustCompile(`listening on (http://\S+)`)
	for start := time.Now(); s.Base == ""; time.Sleep(20 * time.Millisecond) {
		select {
		case code := <-s.exit:
			t.Fatalf("masx serve exited with %d before listening: %s", code, s.Stderr.String())
		default:
		}
		require.Less(t, time.Since(start), time.Minute, "masx serve did not listen: %s", s.Stderr.String())
		if m := listening.FindStringSubmatch(s.Stdout.String()); m != nil {
			s.Base = m[1]
		}
	}
	return s
}

// Stop ends serve as SIGTERM does (its context ends) and returns its exit
// code; a serve that does not stop within 45 s fails the test.
func (s *served) Stop(t *testing.T) int {
	t.Helper()
	s.once.Do(func() {
		s.cancel()
		select {
		case s.code = <-s.exit:
		case <-time.After(45 * time.Second):
			t.Fatal("masx serve did not stop")
		}
	})
	return s.code
}

// Call sends one request to the served API with key and a JSON body, and
// returns the status and the body.
func (s *served) Call(t *testing.T, key, method, path, body string) (int, []byte) {
	t.Helper()
	req, err := http.NewRequest(method, s.Base+path, strings.NewReader(body))
	require.NoError(t, err)
	req.Header.Set("X-API-Key", key)
	req.Header.Set("Content-Type", "application/json")
	c := &http.Client{Transport: &http.Transport{}, Timeout: 30 * time.Second}
	defer c.CloseIdleConnections()
	resp, err := c.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	return resp.StatusCode, raw
}
