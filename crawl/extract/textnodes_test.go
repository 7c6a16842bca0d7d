package extract

import (
	"fmt"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
	"golang.org/x/net/html"
)

// paragraphs is a page of n short paragraphs, as the hostile-input review
// built it (55,000 of them: 8.7 MB, 33 KB gzipped).
func paragraphs(n int) []byte {
	var b strings.Builder
	b.WriteString("<html><head><title>Report</title></head><body><article><h1>Report</h1>")
	for i := range n {
		fmt.Fprintf(&b, "<p>Paragraph %d of the report says the ceasefire held overnight in the north.</p>", i)
	}
	b.WriteString("</article><footer>end</footer></body></html>")
	return []byte(b.String())
}

func TestCutAfterTextNodes(t *testing.T) {
	doc, err := html.Parse(strings.NewReader("<p>a</p><div><p>b</p> <p>c</p><p>d</p></div><p>e</p>"))
	require.NoError(t, err)
	require.True(t, cutAfterTextNodes(doc, 3))
	var b strings.Builder
	require.NoError(t, html.Render(&b, doc))
	require.Equal(t, "<html><head></head><body><p>a</p><div><p>b</p> <p>c</p></div></body></html>", b.String())
	require.False(t, cutAfterTextNodes(doc, 10), "nothing after the last node")
}

// An 8.7 MB page of 55,000 paragraphs took 100 s of CPU and 721 MB in the
// extractors, whose cost grows with the square of the paragraphs. The
// document is cut after MaxTextNodes text nodes first, so it extracts like
// a long article.
func TestFiftyFiveThousandParagraphsExtractLikeALongArticle(t *testing.T) {
	page := paragraphs(55_000)
	art, err := Extract(page, "https://news.example/report", Options{})
	require.NoError(t, err)
	require.Contains(t, art.Text, "Paragraph 0 of the report")
	require.NotContains(t, art.Text, "Paragraph 54999", "the page was cut")
	require.Less(t, strings.Count(art.Text, "\n"), DefaultMaxTextNodes)
}

// BenchmarkParagraphs measures extraction cost against the page's
// paragraphs: cut at MaxTextNodes (the default) and, for the 10,000 page,
// uncut (MaxTextNodes above the count), side by side.
func BenchmarkParagraphs(b *testing.B) {
	for _, c := range []struct {
		n, cap int
	}{{10_000, 1 << 30}, {10_000, 0}, {55_000, 0}} {
		page := paragraphs(c.n)
		name := fmt.Sprintf("paragraphs=%d/cut=%v", c.n, c.cap == 0)
		b.Run(name, func(b *testing.B) {
			b.SetBytes(int64(len(page)))
			for b.Loop() {
				if _, err := Extract(page, "https://news.example/report", Options{MaxTextNodes: c.cap}); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
