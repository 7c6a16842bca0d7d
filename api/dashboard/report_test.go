package dashboard

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
	"golang.org/x/net/html"

	"github.com/masx-ai/masx/store"
)

const (
	hostileTitle   = `<script>alert(1)</script>`
	hostileSummary = `"><img src=x onerror=alert(2)>`
)

// walk calls fn for every element node under n.
func walk(n *html.Node, fn func(*html.Node)) {
	if n.Type == html.ElementNode {
		fn(n)
	}
	for c := n.FirstChild; c != nil; c = c.NextSibling {
		walk(c, fn)
	}
}

func attr(n *html.Node, key string) string {
	for _, a := range n.Attr {
		if a.Key == key {
			return a.Val
		}
	}
	return ""
}

func text(n *html.Node) string {
	var b strings.Builder
	var f func(*html.Node)
	f = func(n *html.Node) {
		if n.Type == html.TextNode {
			b.WriteString(n.Data)
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			f(c)
		}
	}
	f(n)
	return b.String()
}

// The report is one file that loads nothing and runs nothing: inline
// CSS and SVG, no script, no stylesheet or image from elsewhere; hostile
// titles and summaries are text in the parsed document.
func TestReportIsSelfContained(t *testing.T) {
	h := newHarness(t, harnessOptions{})
	seedRun(t, h.st, seed{runID: "r1", fpID: "fp1", articles: 50, clusters: 3, dim: 16, failed: 2, finished: true,
		title: hostileTitle, summary: hostileSummary})
	var b bytes.Buffer
	require.NoError(t, Report(context.Background(), &b, h.st, "r1"))
	raw := b.String()
	doc, err := html.Parse(&b)
	require.NoError(t, err)

	var styles, circles, clusterPoints, svgs int
	titleFound, summaryFound := false, false
	walk(doc, func(n *html.Node) {
		switch n.Data {
		case "script", "link", "img", "iframe", "object", "embed":
			t.Errorf("report has a <%s> element: %v", n.Data, n.Attr) //assert:allow collects every offender before failing
		case "style":
			styles++
		case "svg":
			svgs++
		case "circle":
			if attr(n.Parent, "class") == "pt" {
				circles++
				if attr(n.Parent, "data-cluster") != "-1" {
					clusterPoints++
				}
			}
		case "a":
			if text(n) == hostileTitle {
				titleFound = true
			}
		case "td", "p":
			if strings.Contains(attr(n, "class"), "summary") && text(n) == hostileSummary {
				summaryFound = true
			}
		}
		for _, a := range n.Attr {
			require.False(t, strings.HasPrefix(strings.ToLower(a.Key), "on"), "event handler attribute %s on <%s>", a.Key, n.Data)
			if a.Key == "src" || (a.Key == "href" && n.Data != "a") {
				t.Errorf("<%s %s=%q> loads something", n.Data, a.Key, a.Val) //assert:allow collects every offender before failing
			}
		}
	})
	require.Equal(t, 1, styles)
	require.Positive(t, svgs)
	require.Equal(t, 50, circles, "one point per ok article")
	require.Equal(t, 45, clusterPoints, "one coloured point per clustered article")
	require.True(t, titleFound, "the hostile title as text")
	require.True(t, summaryFound, "the hostile summary as text")
	require.NotContains(t, raw, "<script>alert")
	require.NotContains(t, raw, "<img src=x")
	for _, s := range []string{"dropped_short", "fetch_failed", "blocked", "reason for blocked"} {
		require.Contains(t, raw, s)
	}

	var none bytes.Buffer
	require.ErrorIs(t, Report(context.Background(), &none, h.st, "nope"), store.ErrNotFound)
	require.Zero(t, none.Len())
}
