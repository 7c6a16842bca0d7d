package api_test

import (
	"context"
	"encoding/json"
	"fmt"
	"log"
	"net/http"
	"os"
	"path/filepath"

	"github.com/riverqueue/river/riverdriver/riversqlite"

	"github.com/masx-ai/masx/api"
	"github.com/masx-ai/masx/etl/jobs"
	"github.com/masx-ai/masx/store/sqlite"
)

// Submit a run from Go, beside the HTTP routes (the dashboard's form
// does), and describe a refusal as the API would answer it.
func ExampleServer_Submit() {
	ctx := context.Background()
	dir, err := os.MkdirTemp("", "masx-submit-example-")
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
	srv, err := api.New(api.Config{Addr: "127.0.0.1:0"}, api.Deps{Store: st, Jobs: j})
	if err != nil {
		log.Fatal(err)
	}

	acc, err := srv.Submit(ctx, api.RunRequest{RunID: "from-go",
		Input: json.RawMessage(`[{"title": "Red Sea", "feeds": [{"url": "https://news.example/1", "title": "One"}]}]`)})
	fmt.Println(acc.RunID, acc.State, acc.Queued, err)

	_, err = srv.Submit(ctx, api.RunRequest{Date: "2025-06-01", Input: json.RawMessage(`[]`)})
	r, _ := http.NewRequest("POST", "/", nil)
	p := srv.Problem(r, err)
	fmt.Println(p.Code, p.Field, p.Message)
	// Output:
	// from-go running 1 <nil>
	// 400 input give "date" or "input", not both
}
