package demo_test

import (
	"context"
	"fmt"
	"log"
	"net/http"
	"os"

	"github.com/masx-ai/masx/etl/demo"
	"github.com/masx-ai/masx/news"
)

// Serve the bundled site, list its flashpoints and what a correct run over
// them produces.
func Example() {
	srv, err := demo.Start(context.Background())
	if err != nil {
		log.Fatal(err)
	}
	defer srv.Close()

	fps := demo.Flashpoints(srv.URL)
	for _, fp := range fps {
		fmt.Printf("%s: %d feeds\n", fp.Title, len(fp.Feeds))
	}
	xs := demo.Expect(srv.URL)
	fmt.Println("with a browser:", xs.Counts(true))
	fmt.Println("HTTP only:", xs.Counts(false))
	fmt.Println("languages:", xs.Languages(true))

	resp, err := http.Get(fps[0].Feeds[0].URL)
	if err != nil {
		log.Fatal(err)
	}
	resp.Body.Close()
	fmt.Println(resp.Status, resp.Header.Get("Content-Type"))
	http.DefaultClient.CloseIdleConnections()
	// Output:
	// Maritime chokepoints under attack: 19 feeds
	// Coup in the Sahel and war in Sudan: 20 feeds
	// Military standoffs in Asia: 18 feeds
	// with a browser: map[blocked:1 dropped_short:4 fetch_failed:4 ok:48]
	// HTTP only: map[blocked:1 dropped_short:7 fetch_failed:4 ok:45]
	// languages: [ar de en es fr ru]
	// 200 OK text/html; charset=utf-8
}

// Score a run's clusters against the stories.
func ExampleExpectations_Score() {
	xs := demo.Expect("http://127.0.0.1:8080")
	var articles []news.Article
	for _, x := range xs {
		if x.Class == demo.ClassOK {
			// A run that put every article of a flashpoint in one cluster.
			articles = append(articles, news.Article{
				Feed:      news.Feed{URL: x.URL, FlashpointID: x.FlashpointID},
				Status:    news.StatusOK,
				ClusterID: 0,
			})
		}
	}
	s, err := xs.Score(articles)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(s)
	// Output: 45 articles in 3 clusters (0 noise): purity 0.533, ARI 0.544
}

// A synthetic site: pages generated from their index, feeds to match.
func ExampleSynthetic() {
	site, err := demo.Synthetic(demo.SyntheticOptions{Articles: 10_000, Flashpoints: 4, Topics: 3, Seed: 1})
	if err != nil {
		log.Fatal(err)
	}
	f, err := site.Feed("http://127.0.0.1:8080", 5000)
	if err != nil {
		log.Fatal(err)
	}
	label, _ := site.Label(f.URL)
	fmt.Println(f.URL)
	fmt.Println(label)
	fmt.Println(f.Title)
	// Output:
	// http://127.0.0.1:8080/news/2/5000
	// fp2-t0-wildfire
	// Lucia Yusuf says volunteer brigades problem in Veum will take weeks to resolve
}

// Write the bundled flashpoints for `masx run --input`.
func ExampleWriteJSONL() {
	fps := demo.Flashpoints("http://127.0.0.1:8080")
	if err := demo.WriteJSONL(os.Stdout, fps[:1]); err != nil {
		log.Fatal(err)
	}
}
