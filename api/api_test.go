package api_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/riverqueue/river/riverdriver/riverpgxv5"
	"github.com/riverqueue/river/riverdriver/riversqlite"
	"github.com/stretchr/testify/require"

	"github.com/masx-ai/masx/api"
	"github.com/masx-ai/masx/concurrency/batch"
	"github.com/masx-ai/masx/concurrency/executor"
	"github.com/masx-ai/masx/etl/jobs"
	"github.com/masx-ai/masx/news"
	"github.com/masx-ai/masx/store"
	"github.com/masx-ai/masx/store/postgres"
	"github.com/masx-ai/masx/store/sqlite"
)

const key = "s3cret-key-for-tests"

// harness is an API over a real SQLite store and an insert-only Jobs:
// with no workers, submitted runs stay unfinished, which keeps status
// answers stable and makes a full queue reproducible.
type harness struct {
	t    *testing.T
	st   store.Store
	jobs *jobs.Jobs
	reg  *prometheus.Registry
	srv  *api.Server
	url  string
	c    *http.Client
}

type harnessOptions struct {
	cfg      api.Config
	queueMax int
	ready    func(context.Context) error
	store    store.Store // default: a new SQLite database
}

func newHarness(t *testing.T, o harnessOptions) *harness {
	t.Helper()
	ctx := context.Background()
	h := &harness{t: t, reg: prometheus.NewRegistry(), st: o.store}
	if h.st == nil {
		st, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "masx.db"), nil)
		require.NoError(t, err)
		t.Cleanup(func() { _ = st.Close() })
		h.st = st
	}
	var err error
	h.jobs, err = jobs.New(ctx, riverDriver(t, h.st), jobs.Config{QueueMax: o.queueMax}, jobs.Deps{Store: h.st, Registerer: h.reg})
	require.NoError(t, err)
	t.Cleanup(func() { require.NoError(t, h.jobs.Stop(context.Background())) })
	if o.cfg.Addr == "" {
		o.cfg.Addr = "127.0.0.1:0"
	}
	h.srv, err = api.New(o.cfg, api.Deps{Store: h.st, Jobs: h.jobs, Gatherer: h.reg, Ready: o.ready})
	require.NoError(t, err)
	hs := httptest.NewServer(h.srv.Handler())
	t.Cleanup(hs.Close)
	h.url, h.c = hs.URL, hs.Client()
	return h
}

// riverDriver builds River's driver over st's database, as the
// composition root (internal/cli) does.
func riverDriver(t *testing.T, st store.Store) jobs.Driver {
	t.Helper()
	switch st := st.(type) {
	case *sqlite.Store:
		return jobs.NewDriver(riversqlite.New(st.WriterDB()), jobs.DriverOptions{PollOnly: true})
	case *postgres.Store:
		return jobs.NewDriver(riverpgxv5.New(st.Pool()), jobs.DriverOptions{Lock: st.WithAdvisoryLock})
	}
	t.Fatalf("no River driver for %T", st)
	return jobs.Driver{}
}

// reply is an answer with its JSON body decoded.
type reply struct {
	code   int
	header http.Header
	body   map[string]any
	raw    string
}

func (r reply) str(k string) string { s, _ := r.body[k].(string); return s }

// do sends a request; hdr is alternating header names and values.
func (h *harness) do(method, path, body string, hdr ...string) reply {
	h.t.Helper()
	return send(h.t, h.c, method, h.url+path, body, hdr...)
}

func send(t *testing.T, c *http.Client, method, url, body string, hdr ...string) reply {
	t.Helper()
	req, err := http.NewRequest(method, url, strings.NewReader(body))
	require.NoError(t, err)
	if method == http.MethodPost {
		req.Header.Set("Content-Type", "application/json") // hdr may override
	}
	for i := 0; i+1 < len(hdr); i += 2 {
		if hdr[i] == "Host" {
			req.Host = hdr[i+1] // the client sends req.Host, not a Host header
			continue
		}
		req.Header.Set(hdr[i], hdr[i+1])
	}
	resp, err := c.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	r := reply{code: resp.StatusCode, header: resp.Header, raw: string(raw)}
	if strings.HasPrefix(resp.Header.Get("Content-Type"), "application/json") {
		require.NoError(t, json.Unmarshal(raw, &r.body), "%s %s: %s", method, url, raw)
	}
	return r
}

var withKey = []string{"X-API-Key", key}

// inputJSON is flashpoints with feeds as `masx run --input` reads them.
func inputJSON(t *testing.T, fps ...news.Flashpoint) string {
	t.Helper()
	b, err := json.Marshal(fps)
	require.NoError(t, err)
	return string(b)
}

func flashpoint(id string, feeds int) news.Flashpoint {
	fp := news.Flashpoint{ID: id, Title: "Flashpoint " + id}
	for i := range feeds {
		fp.Feeds = append(fp.Feeds, news.Feed{URL: fmt.Sprintf("https://news.example/%s/%d", id, i), Title: fmt.Sprintf("story %d", i)})
	}
	return fp
}

func runBody(t *testing.T, runID string, fps ...news.Flashpoint) string {
	return fmt.Sprintf(`{"run_id": %q, "input": %s}`, runID, inputJSON(t, fps...))
}

func TestAPIAuthRequired(t *testing.T) {
	t.Parallel()
	h := newHarness(t, harnessOptions{cfg: api.Config{APIKey: key}})
	body := runBody(t, "auth", flashpoint("fp-a", 1))

	for _, hdr := range [][]string{
		nil,
		{"X-API-Key", "wrong"},
		{"X-API-Key", key[:len(key)-1]}, // a prefix: shorter
		{"X-API-Key", key + "x"},        // longer
		{"X-API-Key", strings.Repeat("k", 10_000)}, // much longer
		{"Authorization", "Bearer wrong"},
		{"Authorization", "Basic " + key},
		{"Authorization", key},
	} {
		for _, rq := range []struct{ method, path, body string }{
			{"POST", "/v1/runs", body},
			{"GET", "/v1/runs/auth", ""},
			{"GET", "/metrics", ""},
			{"GET", "/no/such/route", ""}, // routes are not revealed without a key
		} {
			r := h.do(rq.method, rq.path, rq.body, hdr...)
			require.Equal(t, http.StatusUnauthorized, r.code, "%s %s %v: %s", rq.method, rq.path, hdr, r.raw)
			require.Contains(t, r.header.Get("WWW-Authenticate"), "Bearer")
			require.Contains(t, r.str("error"), "API key")
		}
	}
	r := h.do("GET", "/v1/runs/auth", "", "X-API-Key", key)
	require.Equal(t, http.StatusNotFound, r.code, "authorized; the run is not there yet: %s", r.raw)
	r = h.do("POST", "/v1/runs", body, "Authorization", "Bearer "+key)
	require.Equal(t, http.StatusAccepted, r.code, r.raw)
	r = h.do("GET", "/v1/runs/auth", "", "Authorization", "bearer "+key)
	require.Equal(t, http.StatusOK, r.code, "the scheme is case-insensitive: %s", r.raw)
	r = h.do("GET", "/no/such/route", "", withKey...)
	require.Equal(t, http.StatusNotFound, r.code)
	require.Contains(t, r.str("error"), "/no/such/route")

	for _, probe := range []string{"/healthz", "/readyz"} {
		r := h.do("GET", probe, "")
		require.Equal(t, http.StatusOK, r.code, "%s needs no key: %s", probe, r.raw)
	}
}

func TestAPIBadRequests(t *testing.T) {
	t.Parallel()
	h := newHarness(t, harnessOptions{cfg: api.Config{APIKey: key, MaxBodyBytes: 4096}})
	good := inputJSON(t, flashpoint("fp-a", 1))
	cases := []struct {
		name, method, path, body string
		code                     int
		field, want              string
	}{
		{"bad month", "POST", "/v1/runs", `{"date": "2025-13-01"}`, 400, "date", `"2025-13-01": want YYYY-MM-DD`},
		{"word", "POST", "/v1/runs", `{"date": "yesterday"}`, 400, "date", `"yesterday": want YYYY-MM-DD`},
		{"date number", "POST", "/v1/runs", `{"date": 20250301}`, 400, "date", "want a string"},
		{"services bad month", "POST", "/services/run?date=2025-13-01", "", 400, "date", `"2025-13-01": want YYYY-MM-DD`},
		{"services word", "POST", "/services/run?date=yesterday", "", 400, "date", `"yesterday": want YYYY-MM-DD`},
		{"services missing", "POST", "/services/run", "", 400, "date", "date is required"},
		{"services empty", "POST", "/services/run?date=", "", 400, "date", "date is required"},
		{"no MASX tables in SQLite", "POST", "/v1/runs", `{"date": "2025-03-01"}`, 400, "date", "no MASX tables"},
		{"truncated JSON", "POST", "/v1/runs", `{"date": `, 400, "body", "JSON ends early"},
		{"syntax", "POST", "/v1/runs", `{"date" 1}`, 400, "body", "invalid JSON"},
		{"not an object", "POST", "/v1/runs", `[]`, 400, "body", "want an object"},
		{"empty body", "POST", "/v1/runs", ``, 400, "body", "empty body"},
		{"trailing data", "POST", "/v1/runs", `{"input": ` + good + `} {}`, 400, "body", "after the JSON object"},
		{"unknown field", "POST", "/v1/runs", `{"dates": "2025-03-01"}`, 400, "dates", `unknown field "dates"`},
		{"both", "POST", "/v1/runs", `{"date": "2025-03-01", "input": ` + good + `}`, 400, "input", "not both"},
		{"neither", "POST", "/v1/runs", `{"run_id": "x"}`, 400, "input", `give one of "date"`},
		{"null input", "POST", "/v1/runs", `{"input": null}`, 400, "input", `give one of "date"`},
		{"bad run id", "POST", "/v1/runs", `{"run_id": "../etc", "input": ` + good + `}`, 400, "run_id", "run_id"},
		{"long run id", "POST", "/v1/runs", `{"run_id": "` + strings.Repeat("r", 129) + `", "input": ` + good + `}`, 400, "run_id", "want 1 to 128"},
		{"no valid feed", "POST", "/v1/runs", `{"input": [{"title": "t", "feeds": [{"url": "ftp://x", "title": "t"}]}]}`, 400, "input", "no valid feeds"},
		{"input not flashpoints", "POST", "/v1/runs", `{"input": 42}`, 400, "input", "bad input"},
		{"unknown flashpoint id", "POST", "/v1/runs", `{"flashpoint_ids": ["fp-zz"], "input": ` + good + `}`, 400, "flashpoint_ids", `"fp-zz"`},
		{"over the body limit", "POST", "/v1/runs", `{"input": ` + inputJSON(t, flashpoint("big", 200)) + `}`, 413, "body", "larger than 4096 bytes"},
		{"wrong method", "GET", "/v1/runs", "", 405, "", "allowed: POST"},
		{"wrong method services", "GET", "/services/run?date=2025-03-01", "", 405, "", "allowed: POST"},
	}
	for _, c := range cases {
		r := h.do(c.method, c.path, c.body, withKey...)
		require.Equal(t, c.code, r.code, "%s: %s", c.name, r.raw)
		require.Equal(t, c.field, r.str("field"), "%s: %s", c.name, r.raw)
		require.Contains(t, r.str("error"), c.want, c.name)
		require.Equal(t, "application/json", r.header.Get("Content-Type"), c.name)
	}
	r := h.do("GET", "/v1/runs", "", withKey...)
	require.Equal(t, "POST", r.header.Get("Allow"))
	// Nothing above reached the queue.
	n, err := h.st.UnfinishedFlashpoints(context.Background())
	require.NoError(t, err)
	require.Zero(t, n)
}

func TestAPIQueueFullIs429(t *testing.T) {
	t.Parallel()
	h := newHarness(t, harnessOptions{cfg: api.Config{APIKey: key, RetryAfter: 7 * time.Second}, queueMax: 2})
	r := h.do("POST", "/v1/runs", runBody(t, "first", flashpoint("fp-a", 1), flashpoint("fp-b", 1)), withKey...)
	require.Equal(t, http.StatusAccepted, r.code, r.raw)
	r = h.do("POST", "/v1/runs", runBody(t, "second", flashpoint("fp-c", 1)), withKey...)
	require.Equal(t, http.StatusTooManyRequests, r.code, r.raw)
	require.Equal(t, "7", r.header.Get("Retry-After"))
	require.Contains(t, r.str("error"), "queue full")
	r = h.do("GET", "/v1/runs/second", "", withKey...)
	require.Equal(t, http.StatusNotFound, r.code, "a refused run is not stored: %s", r.raw)
}

func TestAPIMetricsExposeNamedSeries(t *testing.T) {
	t.Parallel()
	h := newHarness(t, harnessOptions{cfg: api.Config{APIKey: key}, queueMax: 1})
	ctx := context.Background()
	ex, err := executor.New(executor.Config{MaxThreads: 3, MaxProcs: 2})
	require.NoError(t, err)
	t.Cleanup(func() { _ = ex.Shutdown(context.Background()) })
	require.NoError(t, ex.Register(h.reg))
	b, err := batch.New(func(_ context.Context, in []string) ([]int, error) {
		out := make([]int, len(in))
		for i, s := range in {
			out[i] = len(s)
		}
		return out, nil
	}, batch.Config[string]{Name: "lengths", MaxBatchSize: 4, MaxDelay: time.Millisecond})
	require.NoError(t, err)
	require.NoError(t, b.Start(ctx))
	t.Cleanup(func() { _ = b.Stop(context.Background()) })
	h.reg.MustRegister(b)
	_, errs := b.InferMany(ctx, []string{"kyiv", "gaza", "taipei"})
	require.Equal(t, []error{nil, nil, nil}, errs)

	require.Equal(t, http.StatusAccepted, h.do("POST", "/v1/runs", runBody(t, "m", flashpoint("fp-a", 2)), withKey...).code)
	require.Equal(t, http.StatusTooManyRequests, h.do("POST", "/v1/runs", runBody(t, "m2", flashpoint("fp-b", 2)), withKey...).code)
	require.Equal(t, http.StatusNotFound, h.do("GET", "/v1/runs/none-"+strings.Repeat("x", 5), "", withKey...).code)
	require.Equal(t, http.StatusNotFound, h.do("GET", "/random/path/1234", "", withKey...).code)

	r := h.do("GET", "/metrics", "", withKey...)
	require.Equal(t, http.StatusOK, r.code)
	require.Contains(t, r.header.Get("Content-Type"), "text/plain")
	for _, want := range []string{
		`masx_http_requests_total{code="202",route="POST /v1/runs"} 1`,
		`masx_http_requests_total{code="429",route="POST /v1/runs"} 1`,
		`masx_http_requests_total{code="404",route="GET /v1/runs/{id}"} 1`,
		`masx_http_requests_total{code="404",route="other"} 1`,
		`masx_http_request_duration_seconds_count{route="POST /v1/runs"} 2`,
		"masx_jobs_inserted_total 1",
		"masx_runs_rejected_total 1",
		"masx_flashpoints_unfinished 1",
		"masx_jobs_running 0",
		`masx_executor_limit{pool="io"} 3`,
		`masx_executor_limit{pool="cpu"} 2`,
		`masx_executor_tasks_submitted_total{pool="cpu"}`,
		`masx_batch_requests_total{batcher="lengths"} 3`,
		`masx_batch_items_per_batch_count{batcher="lengths"}`,
	} {
		require.Contains(t, r.raw, want)
	}
	require.NotContains(t, r.raw, "/random/path", "raw paths never become labels")
}

func TestAPIRunStatusAndClusters(t *testing.T) {
	t.Parallel()
	h := newHarness(t, harnessOptions{cfg: api.Config{APIKey: key}})

	r := h.do("GET", "/v1/flashpoints/fp-a/clusters", "", withKey...)
	require.Equal(t, http.StatusNotFound, r.code)
	require.Contains(t, r.str("error"), "no run stored yet")

	a, b := flashpoint("fp-a", 2), flashpoint("fp-b", 1)
	a.Feeds = append(a.Feeds, news.Feed{URL: "javascript:alert(1)", Title: "bad"}, a.Feeds[0])
	r = h.do("POST", "/v1/runs", runBody(t, "r1", a, b), withKey...)
	require.Equal(t, http.StatusAccepted, r.code, r.raw)
	require.Equal(t, "r1", r.str("run_id"))
	require.EqualValues(t, 2, r.body["flashpoints"])
	require.EqualValues(t, 2, r.body["queued"])
	require.EqualValues(t, 1, r.body["attempt"])
	require.Equal(t, "/v1/runs/r1", r.str("status_url"))
	require.Equal(t, "/v1/runs/r1/clusters", r.str("clusters_url"))
	sum := r.body["input_summary"].(map[string]any)
	require.EqualValues(t, 1, sum["num_invalid"], "the bad feed is reported, as the CLI reports it")
	require.EqualValues(t, 1, sum["num_duplicates"])
	require.NotEmpty(t, sum["problems"])

	r = h.do("GET", "/v1/runs/r1", "", withKey...)
	require.Equal(t, http.StatusOK, r.code, r.raw)
	run := r.body["run"].(map[string]any)
	require.Equal(t, "r1", run["id"])
	require.Contains(t, []any{"queued", "running"}, run["state"])
	require.Equal(t, "api", run["input"])
	require.EqualValues(t, 0, r.body["progress"])
	require.Equal(t, map[string]any{"running": float64(2)}, r.body["flashpoints"])
	require.NotNil(t, r.body["articles"])
	require.GreaterOrEqual(t, r.body["elapsed_seconds"].(float64), 0.0)
	require.Equal(t, "/v1/runs/r1/clusters", r.str("clusters_url"))

	r = h.do("GET", "/v1/runs/missing", "", withKey...)
	require.Equal(t, http.StatusNotFound, r.code)
	require.Equal(t, "id", r.str("field"))
	require.Contains(t, r.str("error"), `"missing"`)

	r = h.do("GET", "/v1/runs/r1/clusters", "", withKey...)
	require.Equal(t, http.StatusOK, r.code, r.raw)
	require.Equal(t, []any{}, r.body["clusters"], "an empty list, not null")
	require.Equal(t, http.StatusNotFound, h.do("GET", "/v1/runs/missing/clusters", "", withKey...).code)

	for _, path := range []string{"/v1/flashpoints/fp-a/clusters", "/v1/flashpoints/fp-b/clusters?run=r1"} {
		r = h.do("GET", path, "", withKey...)
		require.Equal(t, http.StatusOK, r.code, "%s: %s", path, r.raw)
		require.Equal(t, "r1", r.str("run_id"), "the latest run by default")
		require.Equal(t, []any{}, r.body["clusters"])
	}
	r = h.do("GET", "/v1/flashpoints/fp-zz/clusters", "", withKey...)
	require.Equal(t, http.StatusNotFound, r.code)
	require.Contains(t, r.str("error"), `"fp-zz" is not in run "r1"`)
	r = h.do("GET", "/v1/flashpoints/fp-a/clusters?run=gone", "", withKey...)
	require.Equal(t, http.StatusNotFound, r.code)
	require.Contains(t, r.str("error"), `run "gone" not found`)

	// flashpoint_ids keeps only those; the same run_id resumes the run.
	r = h.do("POST", "/v1/runs", `{"run_id": "r1", "flashpoint_ids": ["fp-b"], "input": `+inputJSON(t, a, b)+`}`, withKey...)
	require.Equal(t, http.StatusAccepted, r.code, r.raw)
	require.EqualValues(t, 1, r.body["flashpoints"])
	require.EqualValues(t, 2, r.body["attempt"])

	// Without run_id a fresh ID is made and works in the status URL.
	r = h.do("POST", "/v1/runs", `{"input": `+inputJSON(t, b)+`}`, withKey...)
	require.Equal(t, http.StatusAccepted, r.code, r.raw)
	require.Regexp(t, `^run-\d{8}-\d{6}-[0-9a-f]{8}$`, r.str("run_id"))
	require.Equal(t, http.StatusOK, h.do("GET", r.str("status_url"), "", withKey...).code)
}

func TestAPIStopDrains(t *testing.T) {
	t.Parallel()
	h := newHarness(t, harnessOptions{cfg: api.Config{APIKey: key, DrainDelay: 3 * time.Second}})
	srv := h.srv
	require.NoError(t, srv.Start(context.Background()))
	base := "http://" + srv.Addr()
	c := &http.Client{Transport: &http.Transport{}}
	defer c.CloseIdleConnections()
	require.Equal(t, http.StatusOK, send(t, c, "GET", base+"/readyz", "").code)

	stopped := make(chan error, 1)
	go func() { stopped <- srv.Stop(context.Background()) }()
	require.Eventually(t, func() bool {
		return send(t, c, "GET", base+"/readyz", "").code == http.StatusServiceUnavailable
	}, 2*time.Second, 10*time.Millisecond, "/readyz turns 503 as soon as Stop begins")
	r := send(t, c, "GET", base+"/readyz", "")
	require.Contains(t, r.str("error"), "draining")
	r = send(t, c, "POST", base+"/v1/runs", runBody(t, "late", flashpoint("fp-a", 1)), withKey...)
	require.Equal(t, http.StatusServiceUnavailable, r.code, r.raw)
	require.Contains(t, r.str("error"), "draining")
	r = send(t, c, "GET", base+"/v1/runs/late", "", withKey...)
	require.Equal(t, http.StatusNotFound, r.code, "reads are still answered while draining: %s", r.raw)
	require.Equal(t, http.StatusOK, send(t, c, "GET", base+"/healthz", "").code)

	require.NoError(t, <-stopped)
	<-srv.Done()
	_, err := net.DialTimeout("tcp", srv.Addr(), time.Second)
	require.Error(t, err, "the listener is closed")
	require.NoError(t, srv.Stop(context.Background()), "Stop is idempotent")
	// The handler itself now says it is stopped.
	require.Equal(t, http.StatusServiceUnavailable, h.do("GET", "/healthz", "").code)
}

func TestAPIRequestTimeout(t *testing.T) {
	t.Parallel()
	// A readiness dependency that hangs and ignores its context: the one
	// fault here we cannot cause with a real part.
	hang := make(chan struct{})
	h := newHarness(t, harnessOptions{
		cfg:   api.Config{RequestTimeout: 300 * time.Millisecond},
		ready: func(context.Context) error { <-hang; return nil },
	})
	t.Cleanup(func() { close(hang) })
	start := time.Now()
	r := h.do("GET", "/readyz", "")
	require.Less(t, time.Since(start), 5*time.Second)
	require.Equal(t, http.StatusServiceUnavailable, r.code, r.raw)
	require.Equal(t, "application/json", r.header.Get("Content-Type"))
	require.Contains(t, r.str("error"), "timed out after 300ms")
}

func TestAPIRefusesUnauthenticatedNonLoopback(t *testing.T) {
	t.Parallel()
	for _, addr := range []string{"0.0.0.0:0", ":8080", "[::]:0", "192.0.2.10:80", "masx.example:80"} {
		err := api.Config{Addr: addr}.Validate()
		require.ErrorIs(t, err, api.ErrInsecure, addr)
		require.ErrorContains(t, err, "APIKey", addr)
		require.ErrorContains(t, err, "Insecure", addr)
		require.NoError(t, api.Config{Addr: addr, APIKey: key}.Validate(), addr)
		require.NoError(t, api.Config{Addr: addr, Insecure: true}.Validate(), addr)
	}
	for _, addr := range []string{"127.0.0.1:0", "localhost:0", "[::1]:0", "127.0.0.2:9"} {
		require.NoError(t, api.Config{Addr: addr}.Validate(), addr)
	}
	require.ErrorContains(t, api.Config{Addr: "no-port"}.Validate(), "want host:port")

	h := newHarness(t, harnessOptions{})
	_, err := api.New(api.Config{Addr: "0.0.0.0:0"}, api.Deps{Store: h.st, Jobs: h.jobs})
	require.ErrorIs(t, err, api.ErrInsecure)

	var logs syncBuffer
	srv, err := api.New(api.Config{Addr: "0.0.0.0:0", Insecure: true, Logger: slog.New(slog.NewTextHandler(&logs, nil))},
		api.Deps{Store: h.st, Jobs: h.jobs})
	require.NoError(t, err)
	require.Contains(t, logs.String(), "insecure")
	require.NoError(t, srv.Start(context.Background()))
	_, port, err := net.SplitHostPort(srv.Addr())
	require.NoError(t, err)
	c := &http.Client{Transport: &http.Transport{}}
	defer c.CloseIdleConnections()
	r := send(t, c, "GET", "http://127.0.0.1:"+port+"/v1/runs/none", "")
	require.Equal(t, http.StatusNotFound, r.code, "no key needed: %s", r.raw)
	require.NoError(t, srv.Stop(context.Background()))

	logs.Reset()
	_, err = api.New(api.Config{Addr: "127.0.0.1:0", Logger: slog.New(slog.NewTextHandler(&logs, nil))}, api.Deps{Store: h.st, Jobs: h.jobs})
	require.NoError(t, err)
	require.Contains(t, logs.String(), "unauthenticated", "loopback without a key is allowed, with a warning")
}

// syncBuffer is a bytes.Buffer safe for a logger and a test at once.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func (s *syncBuffer) Reset() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.b.Reset()
}
