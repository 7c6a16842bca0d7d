package dashboard_test

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"

	"github.com/riverqueue/river/riverdriver/riversqlite"

	"github.com/masx-ai/masx/api"
	"github.com/masx-ai/masx/api/dashboard"
	"github.com/masx-ai/masx/etl/jobs"
	"github.com/masx-ai/masx/news"
	"github.com/masx-ai/masx/store/sqlite"
)

// Serve the dashboard beside the API, as `masx serve` does: the API
// builds it through Deps.UI and hands it every path outside /v1/….
func Example() {
	ctx := context.Background()
	dir, err := os.MkdirTemp("", "masx-dashboard-example-")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(dir)
	st, err := sqlite.Open(ctx, filepath.Join(dir, "masx.db"), nil)
	if err != nil {
		log.Fatal(err)
	}
	defer st.Close()
	j, err := jobs.New(ctx, jobs.NewDriver(riversqlite.New(st.WriterDB()), jobs.DriverOptions{PollOnly: true}), jobs.Config{}, jobs.Deps{Store: st})
	if err != nil {
		log.Fatal(err)
	}
	defer j.Stop(ctx)
	if err := st.CreateRun(ctx, news.Run{ID: "run-1", Input: "example"}); err != nil {
		log.Fatal(err)
	}

	srv, err := api.New(api.Config{Addr: "127.0.0.1:0"}, api.Deps{Store: st, Jobs: j,
		UI: func(s *api.Server) (http.Handler, error) {
			return dashboard.New(dashboard.Config{}, dashboard.Deps{Store: st, Server: s})
		}})
	if err != nil {
		log.Fatal(err)
	}
	ts := httptest.NewServer(srv.Handler())
	defer ts.Close()
	resp, err := http.Get(ts.URL + "/")
	if err != nil {
		log.Fatal(err)
	}
	defer resp.Body.Close()
	page, _ := io.ReadAll(resp.Body)
	fmt.Println(resp.StatusCode, resp.Header.Get("Content-Type"))
	fmt.Println(strings.Contains(string(page), `data-run="run-1"`))
	// Output:
	// 200 text/html; charset=utf-8
	// true
}

// Write a run as one self-contained HTML page, as `masx results --format
// html` does.
func ExampleReport() {
	ctx := context.Background()
	dir, err := os.MkdirTemp("", "masx-report-example-")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(dir)
	st, err := sqlite.Open(ctx, filepath.Join(dir, "masx.db"), nil)
	if err != nil {
		log.Fatal(err)
	}
	defer st.Close()
	if err := st.CreateRun(ctx, news.Run{ID: "run-1", Input: "example"}); err != nil {
		log.Fatal(err)
	}
	var b bytes.Buffer
	if err := dashboard.Report(ctx, &b, st, "run-1"); err != nil {
		log.Fatal(err)
	}
	fmt.Println(strings.HasPrefix(b.String(), "<!doctype html>"), strings.Contains(b.String(), "<style>"), strings.Contains(b.String(), "<script"))
	// Output: true true false
}
