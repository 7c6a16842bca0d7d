package renderbench

import (
	"fmt"
	"math/rand/v2"
	"strings"
)

// The generated site imitates a news page's weight and shape: a heavy head
// (meta tags, JSON-LD, inline CSS), long navigation menus, a "most read"
// sidebar, the article (900–1,600 words), related stories, reader comments,
// a footer full of links and inline scripts that touch the DOM but never
// the network. Pages differ in every section and land between 100 and 200
// KB, like real article pages.

var words = strings.Fields(`government minister election parliament border ceasefire talks
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

var names = strings.Fields(`Ana Ribeiro|Tomas Varga|Leila Haddad|Kwame Mensah|Sofia Lindqvist|Ravi Menon|Chen Wei|Olga Petrenko|Diego Álvarez|Amina Yusuf`)

func sentence(r *rand.Rand, min, max int) string {
	n := min + r.IntN(max-min+1)
	w := make([]string, n)
	for i := range w {
		w[i] = words[r.IntN(len(words))]
	}
	s := strings.Join(w, " ")
	return strings.ToUpper(s[:1]) + s[1:] + "."
}

func paragraph(r *rand.Rand, sentences int) string {
	s := make([]string, sentences)
	for i := range s {
		s[i] = sentence(r, 8, 24)
	}
	return strings.Join(s, " ")
}

func author(r *rand.Rand) string {
	all := strings.Split(strings.Join(names, " "), "|")
	return all[r.IntN(len(all))]
}

// page is one generated article page.
type page struct {
	path  string
	title string
	html  []byte
}

// generate makes n pages, deterministically from seed.
func generate(n int, seed uint64) []page {
	r := rand.New(rand.NewPCG(seed, 0x6d617378))
	css := styleSheet(r)
	pages := make([]page, n)
	for i := range pages {
		pages[i] = makePage(r, i, n, css)
	}
	return pages
}

func styleSheet(r *rand.Rand) string {
	var b strings.Builder
	for i := range 260 {
		fmt.Fprintf(&b, ".c%d{margin:%dpx %dpx;padding:%dpx;color:#%06x;font-size:%d.%dpx;line-height:1.%d}\n",
			i, r.IntN(24), r.IntN(24), r.IntN(16), r.IntN(1<<24), 12+r.IntN(10), r.IntN(10), 2+r.IntN(6))
	}
	return b.String()
}

func makePage(r *rand.Rand, i, n int, css string) page {
	title := sentence(r, 6, 11)
	title = strings.TrimSuffix(title, ".")
	by := author(r)
	day := 1 + r.IntN(28)
	var b strings.Builder
	w := func(format string, a ...any) { fmt.Fprintf(&b, format, a...) }

	w("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\n<title>%s | Delta Daily</title>\n", title)
	w(`<meta name="viewport" content="width=device-width, initial-scale=1"><meta name="author" content="%s">`+"\n", by)
	w(`<meta name="description" content="%s"><meta property="og:title" content="%s"><meta property="og:type" content="article">`+"\n", sentence(r, 14, 22), title)
	w(`<meta property="og:image" content="https://static.example/img/%d.jpg"><meta property="article:published_time" content="2026-03-%02dT08:%02d:00Z">`+"\n", i, day, r.IntN(60))
	w(`<script type="application/ld+json">{"@context":"https://schema.org","@type":"NewsArticle","headline":%q,"author":{"@type":"Person","name":%q},"datePublished":"2026-03-%02d","publisher":{"@type":"Organization","name":"Delta Daily"}}</script>`+"\n", title, by, day)
	w("<style>\n%s</style>\n</head>\n<body class=\"c%d\">\n", css, r.IntN(260))

	// Header and navigation: hundreds of links.
	w(`<header class="site-header"><a class="logo" href="/">Delta Daily</a><nav class="main-nav"><ul>`)
	for j := range 40 {
		w(`<li class="c%d"><a href="/section/%d">%s</a><ul class="sub">`, r.IntN(260), j, capitalize(words[r.IntN(len(words))]))
		for k := range 6 {
			w(`<li><a href="/section/%d/%d">%s %s</a></li>`, j, k, words[r.IntN(len(words))], words[r.IntN(len(words))])
		}
		w(`</ul></li>`)
	}
	w("</ul></nav><form class=\"search\"><input name=\"q\" placeholder=\"Search\"><button>Go</button></form></header>\n")
	w(`<div class="cookie-banner" id="consent">We use cookies to improve your experience. <button onclick="this.parentNode.remove()">Accept</button></div>` + "\n")

	// The article.
	w("<main><article class=\"story\"><h1>%s</h1>\n", title)
	w(`<p class="byline">By <a rel="author" href="/authors/%d">%s</a> · <time datetime="2026-03-%02d">March %d, 2026</time></p>`+"\n", r.IntN(50), by, day, day)
	w(`<figure><img src="https://static.example/img/%d.jpg" alt="%s" width="1200" height="675"><figcaption>%s</figcaption></figure>`+"\n", i, title, sentence(r, 8, 14))
	paras := 9 + r.IntN(8)
	for j := range paras {
		w("<p>%s</p>\n", paragraph(r, 3+r.IntN(4)))
		if j == 3 {
			w(`<aside class="ad c%d"><div class="ad-slot" data-slot="%d">Advertisement</div></aside>`+"\n", r.IntN(260), r.IntN(1000))
		}
		if j == 6 {
			w("<blockquote>%s</blockquote>\n", sentence(r, 12, 20))
		}
	}
	w("</article>\n")

	// Related stories and comments.
	w(`<section class="related"><h2>Related</h2><ul>`)
	for j := range 12 {
		w(`<li class="c%d"><a href="/article/%d.html">%s</a><p>%s</p></li>`, r.IntN(260), (i+j+1)%n, strings.TrimSuffix(sentence(r, 6, 10), "."), sentence(r, 12, 20))
	}
	w("</ul></section>\n<section class=\"comments\"><h2>Comments</h2>")
	for j := range 10 + r.IntN(10) {
		w(`<div class="comment c%d"><span class="user">reader%d</span><p>%s</p><a href="#reply-%d">Reply</a></div>`, r.IntN(260), r.IntN(100000), paragraph(r, 1+r.IntN(3)), j)
	}
	w("</section></main>\n")

	// Sidebar and footer.
	w(`<aside class="sidebar"><h3>Most read</h3><ol>`)
	for j := range 20 {
		w(`<li><a href="/article/%d.html">%s</a></li>`, (i*7+j)%n, strings.TrimSuffix(sentence(r, 5, 9), "."))
	}
	w("</ol><h3>Newsletter</h3><form><input type=\"email\"><button>Subscribe</button></form></aside>\n")
	w(`<footer><div class="links">`)
	for j := range 120 {
		w(`<a class="c%d" href="/page/%d">%s</a> `, r.IntN(260), j, words[r.IntN(len(words))])
	}
	w("</div><p>© 2026 Delta Daily. All rights reserved.</p></footer>\n")

	// Scripts: DOM work, no network, no timers left running.
	w("<script>\n")
	for j := range 40 + r.IntN(40) {
		w("function f%d(n){var s=0;for(var i=0;i<n;i++){s+=(i*%d)%%%d;}return s;}\n", j, 3+r.IntN(97), 7+r.IntN(997))
	}
	w(`document.querySelectorAll('.ad-slot').forEach(function(e){e.setAttribute('data-ready','1');});
var c=document.getElementById('consent'); if(c){c.style.display='none';}
window.__delta={section:%d,words:document.body.textContent.length};
</script>
</body></html>
`, r.IntN(40))

	// Pad with more teasers until the page is 100–200 KB.
	html := b.String()
	target := 100_000 + r.IntN(100_000)
	if len(html) < target {
		var pad strings.Builder
		pad.WriteString(`<section class="more"><h2>More stories</h2>`)
		for pad.Len()+len(html) < target-200 {
			fmt.Fprintf(&pad, `<div class="teaser c%d"><a href="/article/%d.html">%s</a><p>%s</p></div>`, r.IntN(260), r.IntN(n), strings.TrimSuffix(sentence(r, 6, 10), "."), sentence(r, 14, 24))
		}
		pad.WriteString("</section>\n")
		html = strings.Replace(html, "</main>\n", "</main>\n"+pad.String(), 1)
	}
	return page{path: fmt.Sprintf("/article/%d.html", i), title: title, html: []byte(html)}
}

func capitalize(s string) string { return strings.ToUpper(s[:1]) + s[1:] }
