package cli

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

func TestFetchCommand(t *testing.T) {
	para := "The river delta flooded after three days of rain, and the regional authorities opened the northern spillway for the first time in a decade. Farmers moved their herds to the ridge roads."
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		fmt.Fprintf(w, `<!doctype html><html lang="en"><head><title>Delta floods</title><meta name="author" content="Ana Ribeiro">
<meta property="article:published_time" content="2026-03-04T08:00:00Z"></head><body><nav>Home</nav><article><h1>Delta floods</h1>%s</article></body></html>`,
			strings.Repeat("<p>"+para+"</p>", 10))
	}))
	defer srv.Close()

	code, out, errOut := runCLI(t, "--allow-private=1", "--respect-robots=0", "fetch", "--method", "http", "--json", srv.URL+"/a")
	if code != ExitOK {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	var got fetchOutput
	if err := json.Unmarshal([]byte(out), &got); err != nil {
		t.Fatalf("output is not JSON: %v\n%s", err, out)
	}
	if got.ResolvedBy != "http" || got.Title != "Delta floods" || got.Author != "Ana Ribeiro" || got.Date != "2026-03-04" || !strings.Contains(got.Text, "spillway") {
		t.Errorf("got %+v", got)
	}
	for _, key := range []string{`"title"`, `"text"`, `"author"`, `"date"`, `"image"`, `"site"`, `"resolved_by"`} {
		if !strings.Contains(out, key) {
			t.Errorf("JSON lacks %s", key)
		}
	}

	for _, tc := range []struct {
		args []string
		code int
		want string
	}{
		{[]string{"fetch", "--method", "pigeon", srv.URL}, ExitUsage, `unknown fetch method "pigeon"`},
		{[]string{"fetch", "not a url"}, ExitUsage, "bad URL"},
		{[]string{"fetch"}, ExitUsage, "accepts 1 arg"},
		// Without --allow-private the loopback test server is refused.
		{[]string{"fetch", "--method", "http", srv.URL + "/a"}, ExitFailure, "loopback address"},
	} {
		code, _, errOut := runCLI(t, tc.args...)
		if code != tc.code || !strings.Contains(errOut, tc.want) {
			t.Errorf("masx %v: exit %d, stderr %q; want exit %d mentioning %q", tc.args, code, errOut, tc.code, tc.want)
		}
	}
}
