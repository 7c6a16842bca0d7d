package crawl_test

import (
	"context"
	"errors"
	"fmt"
	"log"

	"github.com/masx-ai/masx/crawl"
	"github.com/masx-ai/masx/crawl/fetch"
	"github.com/masx-ai/masx/crawl/render"
)

// The ETL's way: HTTP first, the browser when HTTP finds too little text.
// (Not run as a test: it needs the network and Chromium.)
func Example() {
	f, err := fetch.New(fetch.Config{})
	if err != nil {
		log.Fatal(err)
	}
	defer f.Close()
	pool, err := render.New(render.Config{}) // started on first use
	if err != nil {
		log.Fatal(err)
	}
	defer pool.Stop(context.Background())
	client, err := crawl.New(crawl.Config{Fetcher: f, Pool: pool})
	if err != nil {
		log.Fatal(err)
	}

	res, err := client.RenderPage(context.Background(), "https://example.com/news/1", crawl.MethodAuto)
	if errors.Is(err, crawl.ErrShortText) {
		log.Print("no method found a full article")
	}
	if err == nil {
		fmt.Println(res.ResolvedBy, res.Article.Title)
	}
}

func ExampleParseMethod() {
	for _, s := range []string{"", "HTTP", "browser", "playwright"} {
		m, err := crawl.ParseMethod(s)
		fmt.Printf("%q → %q %v\n", s, m, err)
	}
	// Output:
	// "" → "auto" <nil>
	// "HTTP" → "http" <nil>
	// "browser" → "browser" <nil>
	// "playwright" → "" unknown fetch method "playwright": want http, browser or auto
}
