package extract

import (
	"fmt"
	"math/rand/v2"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// sentences to build article bodies, comments and teasers from.
var benchSentences = []string{
	"Officials said on Tuesday that the talks would continue next week after a round of negotiations ended without agreement.",
	"The ministry did not respond to a request for comment on the figures, which were published late on Friday.",
	"Analysts warned that the decision could push up prices for consumers already struggling with the cost of living.",
	"Residents described hearing a series of loud explosions shortly before dawn, followed by the sound of sirens.",
	"The company said its quarterly revenue rose by eight percent, beating the expectations of most analysts.",
	"Opposition leaders accused the government of rushing the bill through parliament without proper scrutiny.",
	"Aid agencies said more than 20,000 people had been displaced and that shelters were running short of clean water.",
	"The central bank held its benchmark rate steady but signalled that it could cut borrowing costs later in the year.",
	"Police said two people had been detained for questioning and that the investigation was continuing.",
	"The agreement, which still needs to be ratified by both legislatures, would take effect at the start of next year.",
	"Farmers' groups said the drought had already reduced the harvest by a third in the worst-affected districts.",
	"A spokesperson for the foreign ministry said the ambassador had been summoned to explain the remarks.",
}

func benchText(r *rand.Rand, sentences int) string {
	var b strings.Builder
	for i := range sentences {
		if i > 0 {
			b.WriteByte(' ')
		}
		b.WriteString(benchSentences[r.IntN(len(benchSentences))])
	}
	return b.String()
}

// benchPage builds a news page shaped like the heavy ones real sites serve:
// inline scripts and styles, a mega-menu, a cookie banner, a 1,000-word
// story with inline promos, comments, a sidebar, teaser grids and a link
// farm in the footer. Size grows with teasers; seed makes it reproducible.
func benchPage(seed uint64, teasers int) []byte {
	r := rand.New(rand.NewPCG(seed, 7))
	var b strings.Builder
	b.WriteString(`<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>Talks to resume after weekend of strikes | The Daily Ledger</title>`)
	b.WriteString(`<meta property="og:site_name" content="The Daily Ledger"><meta property="og:image" content="https://ledger.example/img/lead.jpg">`)
	b.WriteString(`<meta property="article:published_time" content="2024-05-06T09:00:00Z"><meta name="author" content="Sam Reyes">`)
	b.WriteString(`<script type="application/ld+json">{"@context":"https://schema.org","@type":"NewsArticle","headline":"Talks to resume after weekend of strikes","datePublished":"2024-05-06T09:00:00Z"}</script><style>`)
	for i := range 300 {
		fmt.Fprintf(&b, ".c%d{margin:%dpx;padding:0 %dpx;color:#%06x}", i, i%17, i%9, r.IntN(1<<24))
	}
	b.WriteString(`</style><script>`)
	for i := range 500 {
		fmt.Fprintf(&b, "var v%d=function(a,b){return a*%d+b[%d]||window.cfg&&cfg.x%d};", i, i, i%13, i)
	}
	b.WriteString(`</script></head><body><div class="cookie-consent"><p>We and our partners use cookies to store and access information on your device.</p><button>Accept</button></div><header><nav class="mega-menu"><ul>`)
	for i := range 12 {
		fmt.Fprintf(&b, `<li><a href="/s%d">Section %d</a><ul>`, i, i)
		for j := range 20 {
			fmt.Fprintf(&b, `<li><a href="/s%d/t%d">Topic %d-%d</a></li>`, i, j, i, j)
		}
		b.WriteString(`</ul></li>`)
	}
	b.WriteString(`</ul></nav></header><main><article><h1>Talks to resume after weekend of strikes</h1><p class="byline">By Sam Reyes</p><div class="article-body">`)
	for i := range 24 {
		fmt.Fprintf(&b, "<p>%s</p>\n", benchText(r, 3))
		if i%8 == 7 {
			b.WriteString(`<div class="inline-related"><h4>Related</h4><ul><li><a href="/r1">Union leaders meet ministers</a></li><li><a href="/r2">What the strike means for commuters</a></li></ul></div>`)
		}
	}
	b.WriteString(`</div></article><section class="comments"><h2>Comments</h2>`)
	for i := range 30 {
		fmt.Fprintf(&b, `<div class="comment"><span class="user">reader%d</span><p>%s</p></div>`, i, benchText(r, 1))
	}
	b.WriteString(`</section><aside class="sidebar"><h2>Most read</h2><ol>`)
	for i := range 20 {
		fmt.Fprintf(&b, `<li><a href="/m%d">%s</a></li>`, i, benchSentences[i%len(benchSentences)][:50])
	}
	b.WriteString(`</ol></aside><section class="teasers">`)
	for i := range teasers {
		fmt.Fprintf(&b, `<div class="card c%d"><a href="/story/%d"><img src="/img/%d.jpg" alt="" loading="lazy"></a><h3><a href="/story/%d">%s</a></h3><p class="summary">%s</p><span class="time">%d hours ago</span></div>`,
			i%300, i, i, i, benchSentences[i%len(benchSentences)][:60], benchText(r, 1), i%23)
	}
	b.WriteString(`</section></main><footer><div class="link-farm">`)
	for i := range 150 {
		fmt.Fprintf(&b, `<a href="/f%d">Footer link %d</a> `, i, i)
	}
	b.WriteString(`</div><p>© The Daily Ledger. All rights reserved.</p></footer><script>`)
	for i := range 200 {
		fmt.Fprintf(&b, "window.dataLayer.push({event:'e%d',value:%d});", i, i*31)
	}
	b.WriteString(`</script></body></html>`)
	return []byte(b.String())
}

func TestBenchPageIsExtractedWell(t *testing.T) {
	t.Parallel()
	page := benchPage(1, 100)
	a, err := Extract(page, "https://ledger.example/news/talks", Options{})
	require.NoError(t, err)
	require.Equal(t, "Talks to resume after weekend of strikes", a.Title, "poor extraction of the benchmark page: title")
	require.NotContains(t, a.Text, "Footer link", "poor extraction of the benchmark page: footer kept")
	require.NotContains(t, a.Text, "We and our partners use cookies", "poor extraction of the benchmark page: cookie banner kept")
	require.GreaterOrEqual(t, strings.Count(a.Text, "\n"), 20, "poor extraction of the benchmark page: too few lines in\n%s", a.Text)
}

// BenchmarkExtract measures Extract on 100–200 KB news pages, one
// goroutine, so ns/op is per core.
//
//	go test -run '^$' -bench BenchmarkExtract -benchtime 100x ./crawl/extract
func BenchmarkExtract(b *testing.B) {
	for _, c := range []struct {
		name    string
		teasers int
	}{{"110KB", 60}, {"150KB", 160}, {"200KB", 280}} {
		page := benchPage(42, c.teasers)
		b.Run(c.name, func(b *testing.B) {
			b.SetBytes(int64(len(page)))
			b.ReportAllocs()
			cpu0 := cpuTime()
			for b.Loop() {
				if _, err := Extract(page, "https://ledger.example/news/talks", Options{}); err != nil {
					b.Fatal(err) // not require: it calls b.Helper, which costs inside the timed loop
				}
			}
			reportPerCore(b, cpuTime()-cpu0)
		})
	}
}

// cpuTime is the CPU time this process has used, user and system, GC
// included. On a shared machine wall time per op swings with the load;
// CPU time per page is what the page costs a core.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// reportPerCore adds wall pages/s and pages per CPU-second.
func reportPerCore(b *testing.B, cpu time.Duration) {
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "pages/s")
	if cpu > 0 {
		b.ReportMetric(float64(b.N)/cpu.Seconds(), "pages/cpu-s")
	}
}
