package api_test

import (
	"context"
	"encoding/json"
	"fmt"
	"log"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"

	"github.com/masx-ai/masx/api"
	"github.com/riverqueue/river/riverdriver/riversqlite"

	"github.com/masx-ai/masx/etl/jobs"
	"github.com/masx-ai/masx/store/sqlite"
)

// Serve the API over an embedded SQLite store, submit a run of inline
// flashpoints and read its status back. With no workers in this process
// the run waits in the queue for `masx worker` processes.
func Example() {
	ctx := context.Background()
	dir, err := os.MkdirTemp("", "masx-api-example-")
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

	srv, err := api.New(api.Config{Addr: "127.0.0.1:0", APIKey: "s3cret"}, api.Deps{Store: st, Jobs: j})
	if err != nil {
		log.Fatal(err)
	}
	if err := srv.Start(ctx); err != nil {
		log.Fatal(err)
	}
	defer srv.Stop(ctx)
	client := &http.Client{Transport: &http.Transport{}}
	defer client.CloseIdleConnections()
	call := func(method, path, body string, out any) {
		req, _ := http.NewRequest(method, "http://"+srv.Addr()+path, strings.NewReader(body))
		req.Header.Set("Authorization", "Bearer s3cret")
		req.Header.Set("Content-Type", "application/json")
		resp, err := client.Do(req)
		if err != nil {
			log.Fatal(err)
		}
		defer resp.Body.Close()
		fmt.Println(method, path, "→", resp.Status)
		_ = json.NewDecoder(resp.Body).Decode(out)
	}

	var accepted api.RunAccepted
	call("POST", "/v1/runs", `{"run_id": "hormuz-1", "input": [
		{"title": "Strait of Hormuz", "feeds": [
			{"url": "https://news.example/tanker-seized", "title": "Tanker seized"},
			{"url": "https://news.example/navy-escort", "title": "Navy escorts convoy"}]}]}`, &accepted)
	fmt.Println("flashpoints:", accepted.Flashpoints, "queued:", accepted.Queued)

	var status api.RunStatus
	call("GET", accepted.StatusURL, "", &status)
	fmt.Println("state:", status.Run.State, "progress:", status.Progress)
	// Output:
	// POST /v1/runs → 202 Accepted
	// flashpoints: 1 queued: 1
	// GET /v1/runs/hormuz-1 → 200 OK
	// state: running progress: 0
}

// Handler serves the same API on a listener of the caller's choosing,
// here a recorder in the same process.
func ExampleServer_Handler() {
	ctx := context.Background()
	dir, err := os.MkdirTemp("", "masx-api-example-")
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
	srv, err := api.New(api.Config{APIKey: "s3cret"}, api.Deps{Store: st, Jobs: j})
	if err != nil {
		log.Fatal(err)
	}

	for _, path := range []string{"/healthz", "/v1/runs/none"} {
		w := httptest.NewRecorder()
		srv.Handler().ServeHTTP(w, httptest.NewRequest("GET", path, nil))
		fmt.Print(w.Code, " ", w.Body.String())
	}
	// Output:
	// 200 {"status":"ok"}
	// 401 {"error":"missing or wrong API key: send it as X-API-Key: KEY or Authorization: Bearer KEY"}
}
