package dashboard

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/masx-ai/masx/api/dashboard/chromiumtest"
	"github.com/masx-ai/masx/news"
)

// Hostile titles, summaries, reasons and links render as text in a real
// browser: asserted on the DOM Chromium built, not on the HTML string.
func TestHostileContentIsTextInChromium(t *testing.T) {
	h := newHarness(t, harnessOptions{})
	seedRun(t, h.st, seed{runID: "r1", fpID: "fp1", articles: 12, clusters: 2, dim: 8, failed: 1, finished: true,
		title: hostileTitle, summary: hostileSummary})
	// A link that is script, and a reason that is markup.
	require.NoError(t, h.st.PutArticles(context.Background(), []news.Article{
		{Feed: news.Feed{FlashpointID: "fp1", URL: "javascript:alert(3)", Title: "scheme"}, RunID: "r1", Status: news.StatusOK,
			Embedding: make([]float32, 8), ClusterID: 0},
		{Feed: news.Feed{FlashpointID: "fp1", URL: "https://x.example/r", Title: "reason"}, RunID: "r1", Status: news.StatusFailed,
			Error: `</td><script>alert(4)</script>`, ClusterID: -1},
	}))
	b := chromiumtest.Start(t, 2*time.Minute)

	b.Open(h.url+"/runs/r1/flashpoints/fp1", "svg.map-svg")
	require.Equal(t, hostileSummary, chromiumtest.Eval[string](b, `document.querySelector("tr[data-cluster='0'] td.summary").textContent`))
	require.True(t, chromiumtest.Eval[bool](b, `[...document.querySelectorAll("svg.map-svg title")].some(e => e.textContent === "cluster #1: `+hostileTitle+`")`))
	require.Equal(t, 0, chromiumtest.Eval[int](b, `document.querySelectorAll("img").length`))
	require.Equal(t, []string{"/static/live.js"}, chromiumtest.Eval[[]string](b, `[...document.scripts].map(s => new URL(s.src).pathname)`))

	b.Open(h.url+"/runs/r1/flashpoints/fp1/clusters/0", "table.articles")
	require.True(t, chromiumtest.Eval[bool](b, `[...document.querySelectorAll("a.title")].some(a => a.textContent === "`+hostileTitle+`")`))
	// html/template replaced the javascript: URL.
	require.Equal(t, 0, chromiumtest.Eval[int](b, `[...document.querySelectorAll("a")].filter(a => a.protocol === "javascript:").length`))
	require.Equal(t, 1, chromiumtest.Eval[int](b, `document.scripts.length`))

	b.Open(h.url+"/runs/r1/missing", "section.missing")
	require.True(t, chromiumtest.Eval[bool](b, `[...document.querySelectorAll("td.reason")].some(e => e.textContent === "</td><script>alert(4)</script>")`))
	require.Equal(t, 1, chromiumtest.Eval[int](b, `document.scripts.length`))
	require.Empty(t, b.Problems(), "console errors, refused resources or dialogs")
}

// Every page is readable with JavaScript off: the numbers are in the HTML.
func TestPagesWorkWithoutJavaScript(t *testing.T) {
	h := newHarness(t, harnessOptions{})
	seedRun(t, h.st, seed{runID: "r1", fpID: "fp1", articles: 30, clusters: 3, dim: 8, failed: 2})
	b := chromiumtest.Start(t, 2*time.Minute)
	b.DisableScript(true)
	b.Open(h.url+"/", "table.runs")
	require.Equal(t, "r1", chromiumtest.Eval[string](b, `document.querySelector("tr[data-run]").dataset.run`))
	// Follow the links as they are in the pages.
	follow := func(link, want string) {
		t.Helper()
		b.Open(chromiumtest.Eval[string](b, `document.querySelector(`+"`"+link+"`"+`).href`), want)
	}
	follow(`a[href="/runs/r1"]`, "table.flashpoints")
	follow(`table.flashpoints a`, "svg.map-svg")
	require.Equal(t, 30, chromiumtest.Eval[int](b, `document.querySelectorAll("svg.map-svg a.pt").length`))
	require.Equal(t, 3, chromiumtest.Eval[int](b, `document.querySelectorAll("table.clusters tbody tr[data-cluster]").length`))
	follow(`table.clusters a`, "table.articles")
	require.Equal(t, 9, chromiumtest.Eval[int](b, `document.querySelectorAll("table.articles tbody tr").length`))
	b.Open(h.url+"/submit", "form.submit")
	require.Empty(t, b.Problems())
}
