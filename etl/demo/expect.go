package demo

import (
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"

	"github.com/masx-ai/masx/news"
)

// Class is how a correct run must end a bundled feed entry.
type Class string

// Expected outcome classes.
const (
	// ClassOK: a normal article; ends ok.
	ClassOK Class = "ok"
	// ClassNeedsBrowser: the body is inserted by JavaScript; ends ok when
	// a browser renders it, dropped_short when only HTTP is available.
	ClassNeedsBrowser Class = "needs_browser"
	// ClassDroppedShort: the article text is under 500 characters.
	ClassDroppedShort Class = "dropped_short"
	// ClassFetchFailed: 404, 500, a reset connection, or a PDF.
	ClassFetchFailed Class = "fetch_failed"
	// ClassBlocked: under /private/, which robots.txt disallows; ends
	// blocked while MASX_RESPECT_ROBOTS is on (the default), ok otherwise.
	ClassBlocked Class = "blocked"
)

// Status is the article status a correct run ends with, given whether a
// browser was available to render pages.
func (c Class) Status(browser bool) news.Status {
	switch c {
	case ClassOK:
		return news.StatusOK
	case ClassNeedsBrowser:
		if browser {
			return news.StatusOK
		}
		return news.StatusDroppedShort
	case ClassDroppedShort:
		return news.StatusDroppedShort
	case ClassFetchFailed:
		return news.StatusFetchFailed
	case ClassBlocked:
		return news.StatusBlocked
	}
	return ""
}

// Expectation is what a correct run produces for one feed entry, and what
// a plain HTTP GET of its URL returns.
type Expectation struct {
	FlashpointID string
	URL          string // the feed URL
	// FinalURL is where a GET that follows redirects ends: URL, but for
	// the one entry that redirects.
	FinalURL string
	Class    Class
	// Language is the ISO 639-1 code of the article text; "" for entries
	// without a page.
	Language string
	// Story is the sub-story label ("blacksea-grain", …) of entries with
	// article text, short pages included; "" for entries without a page.
	// Articles of one story share names, places, numbers and dates.
	Story string
	// HTTPStatus is the status of the final response of a plain GET; 0
	// when the connection is reset.
	HTTPStatus int
	// ContentType is that response's media type (no parameters); "" when
	// the connection is reset.
	ContentType string
	// Why says what is special about the entry, "" for a normal article.
	Why string
}

// Expectations is the expected outcome of every bundled feed entry, in
// the order of [Flashpoints].
type Expectations []Expectation

// Expect returns what a correct run over Flashpoints(baseURL) produces.
func Expect(baseURL string) Expectations {
	c := mustBundled()
	base := strings.TrimRight(baseURL, "/")
	out := make(Expectations, 0, len(c.entries))
	for _, e := range c.entries {
		x := Expectation{
			FlashpointID: e.Story.fp.ID,
			URL:          base + e.feedPath,
			FinalURL:     base + e.path,
			Language:     e.Lang,
			Story:        e.Story.Label,
			HTTPStatus:   http.StatusOK,
			ContentType:  "text/html",
			Class:        ClassOK,
		}
		switch e.Kind {
		case kindJS:
			x.Class, x.Why = ClassNeedsBrowser, "an inline script inserts the body after 200 ms"
		case kindShort:
			x.Class, x.Why = ClassDroppedShort, "the article has under 500 characters of text"
		case kindPrivate:
			x.Class, x.Why = ClassBlocked, "robots.txt disallows /private/"
		case kindRedirect:
			x.Why = "the feed URL answers 301 to the article"
		case kindMissing:
			x.Class, x.Why, x.HTTPStatus = ClassFetchFailed, "404 Not Found", http.StatusNotFound
		case kindError:
			x.Class, x.Why, x.HTTPStatus = ClassFetchFailed, "500 Internal Server Error", http.StatusInternalServerError
		case kindReset:
			x.Class, x.Why, x.HTTPStatus, x.ContentType = ClassFetchFailed, "the server resets the connection", 0, ""
		case kindPDF:
			x.Class, x.Why, x.ContentType = ClassFetchFailed, "a PDF, not HTML", "application/pdf"
		}
		if x.Class == ClassFetchFailed {
			x.Language, x.Story = "", ""
		}
		out = append(out, x)
	}
	return out
}

// Lookup finds the expectation of a feed URL (or of the page a redirect
// leads to).
func (xs Expectations) Lookup(url string) (Expectation, bool) {
	for _, x := range xs {
		if x.URL == url {
			return x, true
		}
	}
	for _, x := range xs {
		if x.FinalURL == url {
			return x, true
		}
	}
	return Expectation{}, false
}

// Counts returns how many entries end with each status.
func (xs Expectations) Counts(browser bool) map[news.Status]int {
	m := map[news.Status]int{}
	for _, x := range xs {
		m[x.Class.Status(browser)]++
	}
	return m
}

// Languages returns the sorted ISO 639-1 codes of the articles that end
// ok; a run's language detection must find exactly these.
func (xs Expectations) Languages(browser bool) []string {
	var out []string
	for _, x := range xs {
		if x.Class.Status(browser) == news.StatusOK && !slices.Contains(out, x.Language) {
			out = append(out, x.Language)
		}
	}
	slices.Sort(out)
	return out
}

// Stories returns the sorted story labels of the articles that end ok.
func (xs Expectations) Stories(browser bool) []string {
	var out []string
	for _, x := range xs {
		if x.Class.Status(browser) == news.StatusOK && !slices.Contains(out, x.Story) {
			out = append(out, x.Story)
		}
	}
	slices.Sort(out)
	return out
}

// ErrUnknownURL is returned by Score for an article whose URL is not a
// feed entry of the site scored.
var ErrUnknownURL = errors.New("URL is not a feed entry of this site")

// Score measures a run's clusters against the story labels. It looks at
// the articles with status ok (others are skipped) and groups them by
// (FlashpointID, ClusterID), since cluster IDs are per flashpoint; see
// [ClusterScore]. An ok article whose URL is unknown, whose entry has no
// story, or whose FlashpointID is not its entry's, is an error.
func (xs Expectations) Score(articles []news.Article) (ClusterScore, error) {
	var items []labelled
	for i := range articles {
		a := &articles[i]
		if a.Status != news.StatusOK {
			continue
		}
		x, ok := xs.Lookup(a.URL)
		if !ok {
			return ClusterScore{}, fmt.Errorf("scoring article %q: %w", a.URL, ErrUnknownURL)
		}
		if x.Story == "" {
			return ClusterScore{}, fmt.Errorf("scoring article %q: it is ok, but its entry (%s) has no article text", a.URL, x.Why)
		}
		if a.FlashpointID != "" && a.FlashpointID != x.FlashpointID {
			return ClusterScore{}, fmt.Errorf("scoring article %q: flashpoint %q, want %q", a.URL, a.FlashpointID, x.FlashpointID)
		}
		items = append(items, labelled{flashpoint: x.FlashpointID, cluster: a.ClusterID, label: x.Story})
	}
	return score(items), nil
}
