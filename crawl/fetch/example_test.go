package fetch_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"

	"github.com/masx-ai/masx/crawl/fetch"
)

func Example() {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=windows-1251")
		// "Новости" in windows-1251.
		_, _ = w.Write([]byte("<title>\xcd\xee\xe2\xee\xf1\xf2\xe8</title>"))
	}))
	defer srv.Close()

	f, err := fetch.New(fetch.Config{
		AllowPrivate: true, // the test server is on loopback
		IgnoreRobots: true,
	})
	if err != nil {
		panic(err)
	}
	defer f.Close()

	p, err := f.Fetch(context.Background(), srv.URL+"/news")
	if err != nil {
		panic(err)
	}
	fmt.Println(p.Status, p.ContentType, p.Charset, string(p.HTML))
	// Output: 200 text/html windows-1251 <title>Новости</title>
}

func ExampleFetcher_Fetch_blocked() {
	f, _ := fetch.New(fetch.Config{}) // the guard refuses private addresses
	defer f.Close()
	_, err := f.Fetch(context.Background(), "http://169.254.169.254/latest/meta-data/")
	fmt.Println(errors.Is(err, fetch.ErrBlocked))
	fmt.Println(err)
	// Output:
	// true
	// fetching http://169.254.169.254/latest/meta-data/: netguard: refusing address 169.254.169.254:80: cloud metadata address
}
