package open_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"

	"github.com/masx-ai/masx/news"
	"github.com/masx-ai/masx/store"
	"github.com/masx-ai/masx/store/open"
)

// Open an embedded SQLite store (created with its folder), record a run
// with one flashpoint and two articles, and read the results back.
func ExampleOpen() {
	dir, err := os.MkdirTemp("", "masx-example-")
	if err != nil {
		panic(err)
	}
	defer os.RemoveAll(dir)
	ctx := context.Background()

	s, err := open.Open(ctx, "sqlite://"+filepath.Join(dir, "data", "masx.db"))
	if err != nil {
		panic(err)
	}
	defer s.Close()

	must := func(err error) {
		if err != nil {
			panic(err)
		}
	}
	must(s.CreateRun(ctx, news.Run{ID: "run-1", Input: "flashpoints.jsonl"}))
	must(s.UpsertFlashpoints(ctx, "run-1", []news.Flashpoint{{ID: "fp-1", Title: "Strait of Hormuz"}}))
	must(s.PutArticles(ctx, []news.Article{
		{RunID: "run-1", Feed: news.Feed{FlashpointID: "fp-1", URL: "https://example.com/a", Title: "A"},
			Status: news.StatusOK, Summary: "Tankers rerouted.", Embedding: []float32{0.6, 0.8}},
		{RunID: "run-1", Feed: news.Feed{FlashpointID: "fp-1", URL: "https://example.com/b", Title: "B"},
			Status: news.StatusDroppedShort, Error: "412 characters"},
	}))
	must(s.FinishRun(ctx, "run-1", news.RunCompleted, ""))

	counts, err := s.CountByStatus(ctx, "run-1")
	must(err)
	fmt.Println(counts)
	ok, err := s.Articles(ctx, store.ArticleQuery{RunID: "run-1", Statuses: []news.Status{news.StatusOK}})
	must(err)
	fmt.Println(ok[0].URL, ok[0].Summary, ok[0].Embedding)
	run, err := s.LatestRun(ctx)
	must(err)
	fmt.Println(run.ID, run.State)
	// Output:
	// map[dropped_short:1 ok:1]
	// https://example.com/a Tankers rerouted. [0.6 0.8]
	// run-1 completed
}

func ExampleParse() {
	for _, u := range []string{"sqlite://masx-data/masx.db", "/var/lib/masx.db", "postgres://masx:secret@db/masx", "mysql://db"} {
		t, err := open.Parse(u)
		if err != nil {
			fmt.Println("error:", err)
			continue
		}
		fmt.Println(t.Kind, t)
	}
	// Output:
	// sqlite sqlite:masx-data/masx.db
	// sqlite sqlite:/var/lib/masx.db
	// postgres postgres://masx:xxxxx@db/masx
	// error: database URL "mysql://db" has unknown scheme "mysql"; want sqlite:///abs/path.db, sqlite://relative/path.db, a file path, or postgres://…: bad database URL
}
