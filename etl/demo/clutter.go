package demo

import (
	"bytes"
	"fmt"
	"html"
	"math/rand/v2"
	"strings"
	"time"
)

// Cluttered pages (SyntheticOptions.Clutter) carry around the article what
// real news pages carry: a heavy head (meta tags, JSON-LD, an inline style
// sheet of 260 rules), a navigation menu of 280 links, a cookie banner, an
// advertisement slot and a pull quote inside the article, related stories,
// reader comments, a "most read" sidebar, a footer of 120 links, teasers
// that pad the page to PageBytes, and inline scripts that touch the DOM but
// never the network and leave no timer running. Every part but the style
// sheet differs from page to page.

// clutterRules is the number of CSS classes of the style sheet, which the
// page's elements pick from.
const clutterRules = 260

// fillerWords make the boilerplate's text: news-like words, none of the
// topics' own, so the boilerplate does not pass for an article.
var fillerWords = strings.Fields(`government minister election parliament border ceasefire talks
troops region capital protest reform budget economy inflation currency
drought harvest flood river delta port shipping corridor sanctions embassy
agreement coalition opposition court ruling investigation report official
spokesman statement province district village city council mayor police
security forces militia rebels negotiations summit delegation leaders
trade exports imports energy pipeline gas oil prices markets investors
refugees humanitarian aid agency convoy supplies hospital school water
electricity infrastructure bridge road railway construction contract
the a of in on for with after before during while since against between
said told announced warned confirmed denied reported added according
week month year morning evening night yesterday today tomorrow early late
first second third several many few new former senior local national`)

func fillerSentence(r *rand.Rand, min, max int) string {
	w := make([]string, min+r.IntN(max-min+1))
	for i := range w {
		w[i] = fillerWords[r.IntN(len(fillerWords))]
	}
	return capitalize(strings.Join(w, " ")) + "."
}

func fillerParagraph(r *rand.Rand, sentences int) string {
	s := make([]string, sentences)
	for i := range s {
		s[i] = fillerSentence(r, 8, 24)
	}
	return strings.Join(s, " ")
}

func fillerTitle(r *rand.Rand) string {
	return strings.TrimSuffix(fillerSentence(r, 6, 10), ".")
}

// styleSheet is a site's inline CSS, the same on each of its pages.
func styleSheet(r *rand.Rand) string {
	var b strings.Builder
	for i := range clutterRules {
		fmt.Fprintf(&b, ".c%d{margin:%dpx %dpx;padding:%dpx;color:#%06x;font-size:%d.%dpx;line-height:1.%d}\n",
			i, r.IntN(24), r.IntN(24), r.IntN(16), r.IntN(1<<24), 12+r.IntN(10), r.IntN(10), 2+r.IntN(6))
	}
	return b.String()
}

// writeClutteredPage writes article i's page with its clutter.
func (s *SyntheticSite) writeClutteredPage(b *bytes.Buffer, i int) {
	h, tp := s.head(i)
	r := s.rng(streamClutter, uint64(i))
	outlet := outletKeys[i%len(outletKeys)]
	esc := html.EscapeString
	by := personName(s.rng(streamTitle, uint64(i)+1<<40))
	seen := syntheticEpoch.Add(time.Duration(i) * 37 * time.Second)

	fmt.Fprintf(b, "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\n<title>%s | %s</title>\n", esc(h.title), outlet)
	fmt.Fprintf(b, `<meta name="viewport" content="width=device-width, initial-scale=1"><meta name="author" content="%s">`+"\n", esc(by))
	fmt.Fprintf(b, `<meta name="description" content="%s"><meta property="og:title" content="%s"><meta property="og:type" content="article">`+"\n", esc(h.description), esc(h.title))
	fmt.Fprintf(b, `<meta property="og:image" content="/img/%d.png"><meta property="article:published_time" content="%s">`+"\n", i, seen.Format(time.RFC3339))
	fmt.Fprintf(b, `<script type="application/ld+json">{"@context":"https://schema.org","@type":"NewsArticle","headline":%q,"author":{"@type":"Person","name":%q},"datePublished":%q,"publisher":{"@type":"Organization","name":%q}}</script>`+"\n",
		h.title, by, seen.Format(time.DateOnly), outlet)
	fmt.Fprintf(b, "<style>\n%s</style>\n</head>\n<body class=\"c%d\">\n", s.css, r.IntN(clutterRules))
	writeClutterNav(b, r, outlet)

	fmt.Fprintf(b, "<main><article class=\"story\"><h1>%s</h1>\n", esc(h.title))
	fmt.Fprintf(b, `<p class="byline">By <a rel="author" href="/">%s</a> · <time datetime="%s">%s</time></p>`+"\n", esc(by), seen.Format(time.RFC3339), seen.Format("2 January 2006"))
	fmt.Fprintf(b, `<figure><img src="/img/%d.png" alt="" width="96" height="54"><figcaption>%s</figcaption></figure>`+"\n", i, esc(fillerSentence(r, 8, 14)))
	n := 0
	s.paragraphs(i, &tp, func(p string) {
		fmt.Fprintf(b, "<p>%s</p>\n", esc(p))
		switch n++; n {
		case 3:
			fmt.Fprintf(b, `<aside class="ad c%d"><div class="ad-slot" data-slot="%d">Advertisement</div></aside>`+"\n", r.IntN(clutterRules), r.IntN(1000))
		case 6:
			fmt.Fprintf(b, "<blockquote>%s</blockquote>\n", fillerSentence(r, 12, 20))
		}
	})
	b.WriteString("</article>\n")
	s.writeClutterAround(b, r, i)

	script := clutterScript(r)
	tailLen := len(script) + len("</body></html>\n")
	s.writeTeasers(b, r, s.opts.PageBytes-tailLen)
	b.WriteString(script)
	b.WriteString("</body></html>\n")
}

// writeClutterNav writes the header: a navigation menu of 40 sections of
// 6 links, a search form and a cookie banner.
func writeClutterNav(b *bytes.Buffer, r *rand.Rand, outlet string) {
	fmt.Fprintf(b, `<header class="site-header"><a class="logo" href="/">%s</a><nav class="main-nav"><ul>`, outlet)
	for j := range 40 {
		fmt.Fprintf(b, `<li class="c%d"><a href="/">%s</a><ul class="sub">`, r.IntN(clutterRules), capitalize(fillerWords[r.IntN(len(fillerWords))]))
		for range 6 {
			fmt.Fprintf(b, `<li><a href="/section/%d">%s %s</a></li>`, j, fillerWords[r.IntN(len(fillerWords))], fillerWords[r.IntN(len(fillerWords))])
		}
		b.WriteString(`</ul></li>`)
	}
	b.WriteString("</ul></nav><form class=\"search\"><input name=\"q\" placeholder=\"Search\"><button>Go</button></form></header>\n")
	b.WriteString(`<div class="cookie-banner" id="consent">We use cookies to improve your experience. <button onclick="this.parentNode.remove()">Accept</button></div>` + "\n")
}

// writeClutterAround writes what follows the article: related stories of
// its flashpoint, reader comments, a "most read" sidebar and the footer.
func (s *SyntheticSite) writeClutterAround(b *bytes.Buffer, r *rand.Rand, i int) {
	esc := html.EscapeString
	f, start := s.flashpointOf(i)
	end := s.opts.Articles
	if f+1 < s.opts.Flashpoints {
		end = s.fpStart(f + 1)
	}
	b.WriteString(`<section class="related"><h2>Related</h2><ul>`)
	for k := 1; k <= 12; k++ {
		j := start + (i-start+k)%(end-start)
		rh, _ := s.head(j)
		fmt.Fprintf(b, `<li class="c%d"><a href="%s">%s</a><p>%s</p></li>`, r.IntN(clutterRules), s.articlePath(j), esc(rh.title), fillerSentence(r, 12, 20))
	}
	b.WriteString("</ul></section>\n<section class=\"comments\"><h2>Comments</h2>")
	for j := range 10 + r.IntN(10) {
		fmt.Fprintf(b, `<div class="comment c%d"><span class="user">reader%d</span><p>%s</p><a href="#reply-%d">Reply</a></div>`, r.IntN(clutterRules), r.IntN(100000), fillerParagraph(r, 1+r.IntN(3)), j)
	}
	b.WriteString("</section></main>\n<aside class=\"sidebar\"><h3>Most read</h3><ol>")
	for range 20 {
		fmt.Fprintf(b, `<li><a href="%s">%s</a></li>`, s.articlePath(r.IntN(s.opts.Articles)), fillerTitle(r))
	}
	b.WriteString("</ol><h3>Newsletter</h3><form><input type=\"email\"><button>Subscribe</button></form></aside>\n<footer><div class=\"links\">")
	for j := range 120 {
		fmt.Fprintf(b, `<a class="c%d" href="/page/%d">%s</a> `, r.IntN(clutterRules), j, fillerWords[r.IntN(len(fillerWords))])
	}
	b.WriteString("</div><p>Generated content for load tests; every name is invented.</p></footer>\n")
}

// writeTeasers pads the page with teasers of other articles until it
// holds about size bytes; a page already that large gets none.
func (s *SyntheticSite) writeTeasers(b *bytes.Buffer, r *rand.Rand, size int) {
	if b.Len() >= size-200 {
		return
	}
	b.WriteString(`<section class="more"><h2>More stories</h2>`)
	for b.Len() < size-200 {
		fmt.Fprintf(b, `<div class="teaser c%d"><a href="%s">%s</a><p>%s</p></div>`, r.IntN(clutterRules), s.articlePath(r.IntN(s.opts.Articles)), fillerTitle(r), fillerSentence(r, 14, 24))
	}
	b.WriteString("</section>\n")
}

// clutterScript is the page's inline script: 40 to 79 functions that
// compute and never run, and a few DOM changes.
func clutterScript(r *rand.Rand) string {
	var b strings.Builder
	b.WriteString("<script>\n")
	for j := range 40 + r.IntN(40) {
		fmt.Fprintf(&b, "function f%d(n){var s=0;for(var i=0;i<n;i++){s+=(i*%d)%%%d;}return s;}\n", j, 3+r.IntN(97), 7+r.IntN(997))
	}
	fmt.Fprintf(&b, `document.querySelectorAll('.ad-slot').forEach(function(e){e.setAttribute('data-ready','1');});
var c=document.getElementById('consent'); if(c){c.style.display='none';}
window.__site={section:%d,words:document.body.textContent.length};
</script>
`, r.IntN(40))
	return b.String()
}
