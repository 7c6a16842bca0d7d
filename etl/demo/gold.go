package demo

import (
	"encoding/json"
	"io"
	"strings"

	"github.com/masx-ai/masx/news"
)

// GoldArticle is one labelled article of the bundled site, in the format
// `masx eval cluster --gold` reads.
type GoldArticle struct {
	ID        string `json:"id"` // the path the feed lists
	Title     string `json:"title"`
	Text      string `json:"text"`
	Lang      string `json:"lang"`
	Cluster   string `json:"cluster"`   // story label
	Topic     string `json:"topic"`     // flashpoint key
	Published string `json:"published"` // RFC 3339
}

// Gold returns the bundled articles that reach clustering (status ok when
// fetched with the browser, or over HTTP only), labelled with their story
// and flashpoint: the six stories of the demo as a gold set.
func Gold(browser bool) []GoldArticle {
	c := mustBundled()
	xs := Expect("http://demo.test")
	var out []GoldArticle
	for _, e := range c.entries {
		x, ok := xs.Lookup("http://demo.test" + e.feedPath)
		if !ok || e.Story == nil || x.Class.Status(browser) != news.StatusOK {
			continue
		}
		out = append(out, GoldArticle{ID: e.feedPath, Title: e.Title, Text: strings.Join(e.Paragraphs, "\n\n"), Lang: e.Lang,
			Cluster: e.Story.Label, Topic: e.Story.fp.Key, Published: e.Published.Format("2006-01-02T15:04:05Z07:00")})
	}
	return out
}

// WriteGold writes [Gold] as JSON lines.
func WriteGold(w io.Writer, browser bool) error {
	enc := json.NewEncoder(w)
	for _, g := range Gold(browser) {
		if err := enc.Encode(g); err != nil {
			return err
		}
	}
	return nil
}
