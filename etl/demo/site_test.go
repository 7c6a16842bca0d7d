package demo

import (
	"bytes"
	"encoding/json"
	"errors"
	"image/png"
	"mime"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"syscall"
	"testing"
	"testing/fstest"

	"github.com/masx-ai/masx/news"
)

func TestBundledContentShape(t *testing.T) {
	c, err := bundled()
	if err != nil {
		t.Fatal(err)
	}
	if n := len(c.flashpoints); n < 2 || n > 3 {
		t.Errorf("got %d flashpoints; want 2–3", n)
	}
	kinds := map[string]int{}
	langs := map[string]int{}
	stories := map[string]int{}
	for _, e := range c.entries {
		kinds[e.Kind]++
		if servesArticle(e.Kind) && e.Kind != kindShort {
			langs[e.Lang]++
			stories[e.Story.Label]++
		}
	}
	articles := kinds[kindArticle] + kinds[kindJS] + kinds[kindRedirect] + kinds[kindPrivate]
	if articles < 45 {
		t.Errorf("got %d full articles; want about 50", articles)
	}
	if len(stories) < 5 {
		t.Errorf("got %d stories; want ≥ 5", len(stories))
	}
	for s, n := range stories {
		if n < 6 {
			t.Errorf("story %s has %d full articles; want ≥ 6 so clustering has something to find", s, n)
		}
	}
	if langs["en"]*2 <= articles {
		t.Errorf("English has %d of %d articles; want a majority", langs["en"], articles)
	}
	for _, l := range []string{"fr", "es", "de", "ar", "ru"} {
		if langs[l] < 3 {
			t.Errorf("language %s has %d articles; want ≥ 3", l, langs[l])
		}
	}
	for k, want := range map[string][2]int{
		kindJS: {3, 4}, kindShort: {3, 4}, kindRedirect: {1, 1}, kindPrivate: {1, 1},
		kindMissing: {1, 1}, kindError: {1, 1}, kindReset: {1, 1}, kindPDF: {1, 1},
	} {
		if n := kinds[k]; n < want[0] || n > want[1] {
			t.Errorf("got %d %s entries; want %d–%d", n, k, want[0], want[1])
		}
	}
}

func TestParseCatalogRejectsBadContent(t *testing.T) {
	good, err := content.ReadFile("content/site.json")
	if err != nil {
		t.Fatal(err)
	}
	tmpl, _ := content.ReadFile("content/page.html")
	article := func(kind, body string) string {
		return "kind: " + kind + "\nstory: blacksea-grain\noutlet: meridian-post\npublished: 2025-06-09T07:15:00Z\ntitle: T\nbyline: B\ndescription: D\n---\n" + body
	}
	long := strings.Repeat(strings.Repeat("word ", 70)+"\n\n", 6)
	for _, tc := range []struct {
		name, file, want string
	}{
		{"short article", article("article", "Too short."), "want ≥ 1500"},
		{"long short page", article("short", long), "want 1–499"},
		{"broken link with a body", article("missing", "text"), "has no page"},
		{"unknown kind", article("video", long), `kind "video"`},
		{"unknown story", strings.Replace(article("article", long), "blacksea-grain", "nope", 1), `story "nope"`},
		{"unknown outlet", strings.Replace(article("article", long), "meridian-post", "nope", 1), `outlet "nope"`},
		{"bad date", strings.Replace(article("article", long), "2025-06-09T07:15:00Z", "June 9", 1), "RFC 3339"},
		{"unknown header", "colour: red\n" + article("article", long), `unknown header "colour"`},
		{"missing title", strings.Replace(article("article", long), "title: T\n", "", 1), `"title" is missing`},
		{"bad header line", "no colon here\n" + article("article", long), "want \"key: value\""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			fsys := fstest.MapFS{
				"content/site.json":         {Data: good},
				"content/page.html":         {Data: tmpl},
				"content/articles/test.txt": {Data: []byte(tc.file)},
			}
			_, err := parseCatalog(fsys)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("got %v; want an error containing %q", err, tc.want)
			}
			if !strings.Contains(err.Error(), "test.txt") {
				t.Errorf("error %q does not name the file", err)
			}
		})
	}
	t.Run("good", func(t *testing.T) {
		fsys := fstest.MapFS{
			"content/site.json":         {Data: good},
			"content/page.html":         {Data: tmpl},
			"content/articles/test.txt": {Data: []byte(article("article", long))},
		}
		c, err := parseCatalog(fsys)
		if err != nil {
			t.Fatal(err)
		}
		if len(c.entries) != 1 || len(c.entries[0].Paragraphs) != 6 {
			t.Fatalf("got %d entries; want 1 with 6 paragraphs", len(c.entries))
		}
	})
	t.Run("bad site.json", func(t *testing.T) {
		bad := bytes.Replace(good, []byte(`"#1a4d8f"`), []byte(`"blue"`), 1)
		_, err := parseCatalog(fstest.MapFS{"content/site.json": {Data: bad}, "content/page.html": {Data: tmpl}})
		if err == nil || !strings.Contains(err.Error(), `color "blue"`) {
			t.Fatalf("got %v; want a colour error", err)
		}
	})
}

// TestServeEveryFeed fetches every feed URL with a plain client and checks
// what comes back against Expect.
func TestServeEveryFeed(t *testing.T) {
	t.Parallel()
	srv := startSite(t)
	c := testClient(t)
	fps := Flashpoints(srv.URL)
	xs := Expect(srv.URL)
	var feeds []news.Feed
	for _, fp := range fps {
		feeds = append(feeds, fp.Feeds...)
	}
	if len(feeds) != len(xs) {
		t.Fatalf("got %d feeds and %d expectations; want one each", len(feeds), len(xs))
	}
	for k, f := range feeds {
		x := xs[k]
		t.Run(f.URL[len(srv.URL):], func(t *testing.T) {
			if x.URL != f.URL || x.FlashpointID != f.FlashpointID {
				t.Fatalf("expectation %d is for %s in %s; want %s in %s", k, x.URL, x.FlashpointID, f.URL, f.FlashpointID)
			}
			resp, raw, err := get(t, c, f.URL)
			if x.HTTPStatus == 0 {
				if err == nil {
					t.Fatalf("got %s; want the connection reset", resp.Status)
				}
				if !errors.Is(err, syscall.ECONNRESET) && !strings.Contains(err.Error(), "EOF") {
					t.Errorf("got %v; want a connection reset", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			media, _, _ := mime.ParseMediaType(resp.Header.Get("Content-Type"))
			if resp.StatusCode != x.HTTPStatus || media != x.ContentType {
				t.Fatalf("got %d %s; want %d %s", resp.StatusCode, media, x.HTTPStatus, x.ContentType)
			}
			if got := resp.Request.URL.String(); got != x.FinalURL {
				t.Errorf("ended at %s; want %s", got, x.FinalURL)
			}
			if x.ContentType == "application/pdf" && !bytes.HasPrefix(raw, []byte("%PDF-")) {
				t.Errorf("PDF body starts %q", raw[:min(len(raw), 10)])
			}
			if x.Class == ClassFetchFailed {
				return
			}
			p := parsePage(t, raw)
			checkArticlePage(t, f, x, p)
			checkImage(t, c, f.Image)
		})
	}
}

func checkArticlePage(t *testing.T, f news.Feed, x Expectation, p page) {
	t.Helper()
	if p.lang != x.Language {
		t.Errorf("page language %q; want %q", p.lang, x.Language)
	}
	if p.h1 != f.Title || !strings.HasPrefix(p.title, f.Title+" | ") {
		t.Errorf("h1 %q, title %q; want the feed title %q", p.h1, p.title, f.Title)
	}
	if !p.hasConsent || !p.hasNav || !p.hasFooter {
		t.Errorf("consent %v, nav %v, footer %v; want all the boilerplate", p.hasConsent, p.hasNav, p.hasFooter)
	}
	switch x.Class {
	case ClassOK, ClassBlocked:
		if n := runes(p.body); n < minArticleChars {
			t.Errorf("article text has %d characters; want ≥ %d", n, minArticleChars)
		}
		if p.bodyParas < 5 || p.bodyParas > 12 {
			t.Errorf("%d paragraphs; want 5–12", p.bodyParas)
		}
		if !p.hasRelated || len(p.relatedHref) == 0 {
			t.Error("no related links")
		}
	case ClassNeedsBrowser:
		if n := runes(p.body); n > 100 {
			t.Errorf("static article text has %d characters; want a placeholder under 100", n)
		}
		// Less than the pipeline's 1000-character threshold, so plain
		// HTTP cannot resolve the page whatever the extractor keeps.
		if n := runes(p.visible); n >= 1000 {
			t.Errorf("static page text has %d characters; want < 1000", n)
		}
		var script string
		for _, s := range p.scripts {
			if strings.Contains(s, "setTimeout") {
				script = s
			}
		}
		if !regexp.MustCompile(`\},\s*200\s*\);`).MatchString(script) || !strings.Contains(script, "story-body") {
			t.Fatalf("no script inserting the body after 200 ms among %d scripts", len(p.scripts))
		}
		// The paragraphs travel as a JSON array literal in the script.
		start := strings.Index(script, "[")
		end := strings.Index(script, "];")
		var paras []string
		if start < 0 || end < start || json.Unmarshal([]byte(script[start:end+1]), &paras) != nil {
			t.Fatalf("script has no JSON array of paragraphs")
		}
		if n := runes(strings.Join(paras, " ")); n < minArticleChars || len(paras) < 5 {
			t.Errorf("script inserts %d paragraphs, %d characters; want ≥ 5 and ≥ %d", len(paras), n, minArticleChars)
		}
	case ClassDroppedShort:
		if n := runes(p.body); n == 0 || n >= 500 {
			t.Errorf("short article text has %d characters; want 1–499", n)
		}
		if n := runes(p.visible); n >= 1000 {
			t.Errorf("short page text has %d characters; want < 1000", n)
		}
	}
}

func checkImage(t *testing.T, c *http.Client, src string) {
	t.Helper()
	resp, raw, err := get(t, c, src)
	if err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "image/png" {
		t.Fatalf("image %s: got %s %s", src, resp.Status, resp.Header.Get("Content-Type"))
	}
	if _, err := png.Decode(bytes.NewReader(raw)); err != nil {
		t.Errorf("image %s: %v", src, err)
	}
}

func TestRobotsRedirectAndErrors(t *testing.T) {
	t.Parallel()
	srv := startSite(t)
	c := testClient(t)

	resp, body, err := get(t, c, srv.URL+"/robots.txt")
	if err != nil || resp.StatusCode != 200 || string(body) != RobotsTxt {
		t.Fatalf("robots.txt: %v %v %q", err, resp, body)
	}
	// Exactly the private entry sits under the disallowed prefix.
	var private []string
	for _, x := range Expect(srv.URL) {
		if strings.HasPrefix(x.URL, srv.URL+"/private/") {
			private = append(private, x.URL)
			if x.Class != ClassBlocked {
				t.Errorf("%s is under /private/ but expected %s", x.URL, x.Class)
			}
		} else if x.Class == ClassBlocked {
			t.Errorf("%s is blocked but not under /private/", x.URL)
		}
	}
	if len(private) != 1 {
		t.Errorf("got %d entries under /private/; want 1", len(private))
	}

	var redirect Expectation
	for _, x := range Expect(srv.URL) {
		if x.URL != x.FinalURL && !strings.HasSuffix(x.FinalURL, ".pdf") {
			redirect = x
		}
	}
	noFollow := &http.Client{Transport: c.Transport, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, _, err = get(t, noFollow, redirect.URL)
	if err != nil {
		t.Fatal(err)
	}
	if loc, _ := url.Parse(resp.Header.Get("Location")); resp.StatusCode != http.StatusMovedPermanently || srv.URL+loc.Path != redirect.FinalURL {
		t.Errorf("redirect: got %s to %q; want 301 to %s", resp.Status, resp.Header.Get("Location"), redirect.FinalURL)
	}

	for _, tc := range []struct {
		method, path string
		want         int
	}{
		{"GET", "/meridian-post/2025/06/09/no-such-story", 404},
		{"GET", "/images/no-such-story.png", 404},
		{"GET", "/images/grain-ship-hits-mine-off-odesa.jpg", 404},
		{"POST", "/meridian-post/2025/06/09/grain-ship-hits-mine-off-odesa", 405},
		{"HEAD", "/meridian-post/2025/06/09/grain-ship-hits-mine-off-odesa", 200},
		{"GET", "/", 200},
	} {
		req, _ := http.NewRequest(tc.method, srv.URL+tc.path, nil)
		resp, err := c.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != tc.want {
			t.Errorf("%s %s: got %d; want %d", tc.method, tc.path, resp.StatusCode, tc.want)
		}
	}
}

func TestHomeListsEveryEntry(t *testing.T) {
	t.Parallel()
	srv := startSite(t)
	_, body, err := get(t, testClient(t), srv.URL+"/")
	if err != nil {
		t.Fatal(err)
	}
	for _, x := range Expect(srv.URL) {
		if !bytes.Contains(body, []byte(`href="`+strings.TrimPrefix(x.URL, srv.URL)+`"`)) {
			t.Errorf("home page does not link %s", x.URL)
		}
	}
}

func TestFlashpointsFeeds(t *testing.T) {
	fps := Flashpoints("http://127.0.0.1:9/")
	seen := map[string]bool{}
	for _, fp := range fps {
		if fp.ID == "" || fp.Title == "" || len(fp.Entities) == 0 || len(fp.Domains) == 0 {
			t.Errorf("flashpoint %+v lacks fields", fp.ID)
		}
		for _, f := range fp.Feeds {
			if !strings.HasPrefix(f.URL, "http://127.0.0.1:9/") || strings.Contains(f.URL, "9//") {
				t.Errorf("URL %s not under the base", f.URL)
			}
			if seen[f.ID] || seen[f.URL] {
				t.Errorf("feed %s (%s) duplicated", f.URL, f.ID)
			}
			seen[f.ID], seen[f.URL] = true, true
			if len(f.SeenDate) != 16 || f.SeenDate[8] != 'T' || f.SeenDate[15] != 'Z' {
				t.Errorf("seendate %q; want GDELT form 20250609T071500Z", f.SeenDate)
			}
			if f.FlashpointID != fp.ID || f.Title == "" || f.Description == "" || f.Image == "" ||
				f.Language == "" || f.SourceCountry == "" || !strings.HasSuffix(f.Domain, ".example") {
				t.Errorf("feed %s lacks fields: %+v", f.URL, f)
			}
			if !slices.Contains(fp.Domains, f.Domain) {
				t.Errorf("flashpoint domains %v lack %s", fp.Domains, f.Domain)
			}
		}
	}
	// A fresh copy each time: changing one result leaves the next alone.
	fps[0].Feeds[0].Title = "changed"
	fps[0].Entities[0] = "changed"
	again := Flashpoints("http://127.0.0.1:9")
	if again[0].Feeds[0].Title == "changed" || again[0].Entities[0] == "changed" {
		t.Error("Flashpoints returned shared state")
	}
	if again[0].Feeds[0].ID != fps[0].Feeds[0].ID {
		t.Error("feed IDs differ between calls")
	}
}

func TestWriteJSONLRoundTrip(t *testing.T) {
	fps := Flashpoints("http://127.0.0.1:9")
	var b bytes.Buffer
	if err := WriteJSONL(&b, fps); err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSuffix(b.String(), "\n"), "\n")
	if len(lines) != len(fps) {
		t.Fatalf("got %d lines; want %d", len(lines), len(fps))
	}
	for k, line := range lines {
		var fp news.Flashpoint
		if err := json.Unmarshal([]byte(line), &fp); err != nil {
			t.Fatal(err)
		}
		if !equalJSON(t, fp, fps[k]) {
			t.Errorf("line %d does not round-trip", k)
		}
	}
	if err := WriteJSONL(failWriter{}, fps); err == nil {
		t.Error("WriteJSONL to a failing writer returned nil")
	}
}

type failWriter struct{}

func (failWriter) Write([]byte) (int, error) { return 0, errors.New("disk full") }

func equalJSON(t *testing.T, a, b any) bool {
	t.Helper()
	ja, _ := json.Marshal(a)
	jb, _ := json.Marshal(b)
	return bytes.Equal(ja, jb)
}

func TestNameUUID(t *testing.T) {
	u := nameUUID("a", "b")
	if len(u) != 36 || u[14] != '5' || !strings.ContainsRune("89ab", rune(u[19])) {
		t.Errorf("got %s; want a version 5, RFC 4122 variant UUID", u)
	}
	if nameUUID("a", "b") != u || nameUUID("ab") == u || nameUUID("a", "c") == u {
		t.Error("nameUUID is not a stable function of its parts")
	}
}
