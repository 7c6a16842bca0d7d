package demo

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"html"
	"io"
	"math/rand/v2"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/masx-ai/masx/news"
)

// Defaults and limits of [SyntheticOptions].
const (
	DefaultSyntheticArticles    = 1000
	DefaultSyntheticFlashpoints = 1
	DefaultSyntheticTopics      = 4
	DefaultSyntheticPageBytes   = 32 << 10
	MaxSyntheticArticles        = 10_000_000
	MaxSyntheticPageBytes       = 4 << 20
)

// syntheticEpoch is the seendate of article 0; article i is seen 37 s
// later than article i−1.
var syntheticEpoch = time.Date(2025, 6, 1, 0, 0, 0, 0, time.UTC)

// SyntheticOptions describes a synthetic site. Zero fields take the
// defaults named.
type SyntheticOptions struct {
	// Articles is how many article pages the site has, numbered 0 to
	// Articles−1. Default 1000; at most 10,000,000.
	Articles int
	// Flashpoints splits the articles into this many flashpoints of
	// consecutive indices. Default 1; at most Articles.
	Flashpoints int
	// Topics is how many sub-stories each flashpoint has; article i of a
	// flashpoint belongs to topic i mod Topics. Each topic of a flashpoint
	// draws on a different theme (16 exist; beyond that themes repeat with
	// other place and person names). Default 4; Flashpoints × Topics at
	// most Articles.
	Topics int
	// Seed picks the names, numbers and sentences; the same options give
	// byte-identical pages. Zero is a seed like any other.
	Seed int64
	// Latency delays every response, to make a slow site. Default 0.
	Latency time.Duration
	// PageBytes pads each article page with boilerplate (a hydration
	// script blob, as many news sites carry) to about this many bytes; the
	// article text stays 2–6 KB and pages are never cut. Default 32 KiB;
	// at most 4 MiB.
	PageBytes int
	// Clutter surrounds each article with what a real news page carries
	// (a heavy head with an inline style sheet, long navigation menus, an
	// advertisement, related stories, reader comments, a sidebar, a footer
	// of links, inline scripts that touch the DOM) and pads the page to
	// PageBytes with teasers instead of a script blob; such pages cost to
	// extract and to render what real ones cost (`masx bench render`).
	// They are 60 KB or more whatever PageBytes says. Default off.
	Clutter bool
}

func (o SyntheticOptions) withDefaults() (SyntheticOptions, error) {
	for _, f := range []struct {
		name string
		v    int
	}{{"Articles", o.Articles}, {"Flashpoints", o.Flashpoints}, {"Topics", o.Topics}, {"PageBytes", o.PageBytes}} {
		if f.v < 0 {
			return o, fmt.Errorf("demo: SyntheticOptions.%s = %d: want ≥ 0 (0 means the default)", f.name, f.v)
		}
	}
	if o.Latency < 0 {
		return o, fmt.Errorf("demo: SyntheticOptions.Latency = %s: want ≥ 0", o.Latency)
	}
	def := func(p *int, d int) {
		if *p == 0 {
			*p = d
		}
	}
	def(&o.Articles, DefaultSyntheticArticles)
	def(&o.Flashpoints, DefaultSyntheticFlashpoints)
	def(&o.Topics, DefaultSyntheticTopics)
	def(&o.PageBytes, DefaultSyntheticPageBytes)
	switch {
	case o.Articles > MaxSyntheticArticles:
		return o, fmt.Errorf("demo: SyntheticOptions.Articles = %d: want ≤ %d", o.Articles, MaxSyntheticArticles)
	case o.Flashpoints > o.Articles:
		return o, fmt.Errorf("demo: SyntheticOptions.Flashpoints = %d: want ≤ Articles (%d)", o.Flashpoints, o.Articles)
	case o.Flashpoints*o.Topics > o.Articles:
		return o, fmt.Errorf("demo: SyntheticOptions.Topics = %d: want Flashpoints × Topics ≤ Articles (%d × %d > %d)", o.Topics, o.Flashpoints, o.Topics, o.Articles)
	case o.PageBytes > MaxSyntheticPageBytes:
		return o, fmt.Errorf("demo: SyntheticOptions.PageBytes = %d: want ≤ %d", o.PageBytes, MaxSyntheticPageBytes)
	}
	return o, nil
}

// SyntheticSite is a generated news site for benchmarks and memory tests.
// Every page is derived from its index and the seed when it is requested,
// so the site holds nothing per article: a site of ten million articles
// costs the same memory as one of ten. It is an http.Handler and safe for
// concurrent use.
//
// Routes: /news/{flashpoint}/{index} (article pages), /img/{index}.png,
// /robots.txt (allow all) and / (a short index).
type SyntheticSite struct {
	opts  SyntheticOptions
	css   string // the cluttered pages' style sheet
	mux   *http.ServeMux
	image []byte
	bufs  sync.Pool // *bytes.Buffer, so serving does not allocate a page per request
}

// Synthetic builds a synthetic site; see [SyntheticOptions].
func Synthetic(opts SyntheticOptions) (*SyntheticSite, error) {
	o, err := opts.withDefaults()
	if err != nil {
		return nil, err
	}
	s := &SyntheticSite{opts: o, mux: http.NewServeMux(), image: storyImage("#445566", "synthetic")}
	s.bufs.New = func() any { return new(bytes.Buffer) }
	if o.Clutter {
		s.css = styleSheet(s.rng(streamClutter, 1<<62))
	}
	s.mux.HandleFunc("GET /robots.txt", func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		io.WriteString(w, "User-agent: *\nAllow: /\n")
	})
	s.mux.HandleFunc("GET /news/{fp}/{i}", s.serveArticle)
	s.mux.HandleFunc("GET /img/{file}", s.serveImage)
	s.mux.HandleFunc("GET /{$}", s.serveHome)
	s.mux.HandleFunc("GET /", func(w http.ResponseWriter, _ *http.Request) { notFound(w) })
	return s, nil
}

// Options returns the options with defaults filled in.
func (s *SyntheticSite) Options() SyntheticOptions { return s.opts }

// ServeHTTP serves the site after Options.Latency. A request cancelled
// during the wait gets no answer: the response is aborted, not sent empty.
func (s *SyntheticSite) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if d := s.opts.Latency; d > 0 {
		t := time.NewTimer(d)
		select {
		case <-t.C:
		case <-r.Context().Done():
			t.Stop()
			panic(http.ErrAbortHandler) // net/http's way to drop a response
		}
	}
	s.mux.ServeHTTP(w, r)
}

// flashpointOf returns the flashpoint of article i and its first index.
func (s *SyntheticSite) flashpointOf(i int) (f, start int) {
	n, fps := s.opts.Articles, s.opts.Flashpoints
	f = int(int64(i) * int64(fps) / int64(n))
	for f+1 < fps && s.fpStart(f+1) <= i {
		f++
	}
	for f > 0 && s.fpStart(f) > i {
		f--
	}
	return f, s.fpStart(f)
}

func (s *SyntheticSite) fpStart(f int) int {
	return int(int64(f) * int64(s.opts.Articles) / int64(s.opts.Flashpoints))
}

// topic is one synthetic sub-story: a theme plus generated names.
type topic struct {
	flashpoint, index int
	theme             *theme
	place, region     string
	person, person2   string
	org               string
	base              int
}

func (s *SyntheticSite) rng(stream, i uint64) *rand.Rand {
	return rand.New(rand.NewPCG(uint64(s.opts.Seed)^stream*0x9e3779b97f4a7c15, i))
}

const (
	streamFlashpoint = iota + 1
	streamTopic
	streamTitle
	streamBody
	streamPad
	streamClutter
)

func (s *SyntheticSite) regionName(f int) string {
	return placeName(s.rng(streamFlashpoint, uint64(f)), 3)
}

// themeOf returns topic t of flashpoint f's theme. Themes of one
// flashpoint's topics are consecutive from a per-flashpoint offset, so they
// differ whenever Topics ≤ len(themes).
func (s *SyntheticSite) themeOf(f, t int) *theme {
	off := s.rng(streamFlashpoint, uint64(f)).IntN(len(themes))
	return &themes[(off+t)%len(themes)]
}

func (s *SyntheticSite) topicOf(f, t int) topic {
	r := s.rng(streamTopic, uint64(f)*uint64(s.opts.Topics)+uint64(t))
	th := s.themeOf(f, t)
	place := placeName(r, 2+r.IntN(2))
	return topic{
		flashpoint: f, index: t, theme: th,
		place: place, region: s.regionName(f),
		person:  personName(r),
		person2: personName(r),
		org:     place + " " + th.org,
		base:    120 + r.IntN(9880),
	}
}

// labelOf returns the topic label of article i, "fp{f}-t{t}-{theme}".
func (s *SyntheticSite) labelOf(i int) string {
	f, start := s.flashpointOf(i)
	t := (i - start) % s.opts.Topics
	return fmt.Sprintf("fp%d-t%d-%s", f, t, s.themeOf(f, t).key)
}

func placeName(r *rand.Rand, n int) string {
	var b strings.Builder
	for range n {
		b.WriteString(syllables[r.IntN(len(syllables))])
	}
	return capitalize(b.String())
}

func personName(r *rand.Rand) string {
	return firstNames[r.IntN(len(firstNames))] + " " + lastNames[r.IntN(len(lastNames))]
}

func capitalize(s string) string {
	r, n := utf8.DecodeRuneInString(s)
	return string(unicode.ToUpper(r)) + s[n:]
}

func groupDigits(n int) string {
	s := strconv.Itoa(n)
	if len(s) <= 3 {
		return s
	}
	var b strings.Builder
	pre := len(s) % 3
	if pre > 0 {
		b.WriteString(s[:pre])
	}
	for k := pre; k < len(s); k += 3 {
		if b.Len() > 0 {
			b.WriteByte(',')
		}
		b.WriteString(s[k : k+3])
	}
	return b.String()
}

// fill expands a frame's slots with the topic's names and r's choices.
func fill(frame string, tp *topic, r *rand.Rand) string {
	nouns := tp.theme.nouns[:]
	a := r.IntN(len(nouns))
	b := (a + 1 + r.IntN(len(nouns)-1)) % len(nouns)
	c := (b + 1 + r.IntN(len(nouns)-2)) % len(nouns)
	if c == a {
		c = (c + 1) % len(nouns)
	}
	role := r.IntN(3)
	var out strings.Builder
	for {
		open := strings.IndexByte(frame, '{')
		if open < 0 {
			out.WriteString(frame)
			break
		}
		end := strings.IndexByte(frame[open:], '}') + open
		out.WriteString(frame[:open])
		slot := frame[open+1 : end]
		frame = frame[end+1:]
		var v string
		switch slot {
		case "place":
			v = tp.place
		case "region":
			v = tp.region
		case "event":
			v = tp.theme.event
		case "Event":
			v = capitalize(tp.theme.event)
		case "n1":
			v = nouns[a]
		case "n2":
			v = nouns[b]
		case "n3":
			v = nouns[c]
		case "person":
			v = tp.person
		case "person2":
			v = tp.person2
		case "role":
			v = tp.theme.roles[role]
		case "role2":
			v = tp.theme.roles[(role+1)%3]
		case "org":
			v = tp.org
		case "num":
			v = groupDigits(2 + r.IntN(4998))
		case "base":
			v = groupDigits(tp.base)
		case "pct":
			v = strconv.Itoa(3 + r.IntN(60))
		case "day":
			v = weekdays[r.IntN(len(weekdays))]
		case "ordinal":
			v = ordinals[r.IntN(len(ordinals))]
		default:
			v = slot
		}
		out.WriteString(v)
	}
	return capitalize(out.String())
}

// head is the part of an article the feed needs.
type head struct {
	index, flashpoint, topic int
	title, description       string
}

func (s *SyntheticSite) head(i int) (head, topic) {
	f, start := s.flashpointOf(i)
	tp := s.topicOf(f, (i-start)%s.opts.Topics)
	r := s.rng(streamTitle, uint64(i))
	h := head{index: i, flashpoint: f, topic: tp.index}
	h.title = fill(headlineFrames[r.IntN(len(headlineFrames))], &tp, r)
	h.description = fill(sentenceFrames[r.IntN(len(sentenceFrames))], &tp, r)
	return h, tp
}

// paragraphs generates the article body: 7–11 paragraphs of 3–5 sentences.
func (s *SyntheticSite) paragraphs(i int, tp *topic, emit func(string)) {
	r := s.rng(streamBody, uint64(i))
	var b strings.Builder
	for p, np := 0, 7+r.IntN(5); p < np; p++ {
		b.Reset()
		for k, ns := 0, 3+r.IntN(3); k < ns; k++ {
			if k > 0 {
				b.WriteByte(' ')
			}
			b.WriteString(fill(sentenceFrames[r.IntN(len(sentenceFrames))], tp, r))
		}
		emit(b.String())
	}
}

func (s *SyntheticSite) articlePath(i int) string {
	f, _ := s.flashpointOf(i)
	return "/news/" + strconv.Itoa(f) + "/" + strconv.Itoa(i)
}

// index parses an article index from a path value and checks it against
// the flashpoint in the path, when given.
func (s *SyntheticSite) index(v string) (int, bool) {
	i, err := strconv.Atoi(v)
	if err != nil || i < 0 || i >= s.opts.Articles || strconv.Itoa(i) != v {
		return 0, false
	}
	return i, true
}

func (s *SyntheticSite) serveArticle(w http.ResponseWriter, r *http.Request) {
	i, ok := s.index(r.PathValue("i"))
	if f, _ := s.flashpointOf(i); !ok || strconv.Itoa(f) != r.PathValue("fp") {
		notFound(w)
		return
	}
	buf := s.bufs.Get().(*bytes.Buffer)
	buf.Reset()
	s.writePage(buf, i)
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Content-Length", strconv.Itoa(buf.Len()))
	w.Write(buf.Bytes())
	if buf.Cap() <= 2*MaxSyntheticPageBytes {
		s.bufs.Put(buf)
	}
}

// Page returns article i's page (0 ≤ i < Articles), as the site serves it.
func (s *SyntheticSite) Page(i int) ([]byte, error) {
	if i < 0 || i >= s.opts.Articles {
		return nil, fmt.Errorf("demo: synthetic article %d: want 0 ≤ index < %d", i, s.opts.Articles)
	}
	var b bytes.Buffer
	s.writePage(&b, i)
	return b.Bytes(), nil
}

// writePage writes article i's page to b.
func (s *SyntheticSite) writePage(b *bytes.Buffer, i int) {
	if s.opts.Clutter {
		s.writeClutteredPage(b, i)
		return
	}
	h, tp := s.head(i)
	outlet := outletKeys[i%len(outletKeys)]
	esc := html.EscapeString
	seen := syntheticEpoch.Add(time.Duration(i) * 37 * time.Second)
	fmt.Fprintf(b, `<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<title>%s | %s</title>
<meta name="description" content="%s">
<meta property="og:title" content="%s">
<meta property="article:published_time" content="%s">
<link rel="stylesheet" href="/static/site.css">
</head>
<body>
<div class="consent" id="consent"><p>We use cookies to measure traffic and show relevant advertising.</p><button>Accept</button><button>Reject</button></div>
<header><a class="logo" href="/">%s</a><nav><ul><li><a href="/">Home</a></li><li><a href="/">World</a></li><li><a href="/">Business</a></li><li><a href="/">Science</a></li><li><a href="/">Opinion</a></li></ul></nav></header>
<main><article class="story"><h1>%s</h1>
<p class="byline">By <span class="author">%s</span> · <time datetime="%s">%s</time></p>
<figure><img src="/img/%d.png" alt="" width="96" height="54"></figure>
<div class="story-body">
`, esc(h.title), outlet, esc(h.description), esc(h.title), seen.Format(time.RFC3339), outlet,
		esc(h.title), esc(personName(s.rng(streamTitle, uint64(i)+1<<40))), seen.Format(time.RFC3339), seen.Format("2 January 2006"), i)
	s.paragraphs(i, &tp, func(p string) {
		b.WriteString("<p>")
		b.WriteString(esc(p))
		b.WriteString("</p>\n")
	})
	b.WriteString("</div></article>\n<aside class=\"related\"><h2>Related coverage</h2><ul>\n")
	f, start := s.flashpointOf(i)
	end := s.opts.Articles
	if f+1 < s.opts.Flashpoints {
		end = s.fpStart(f + 1)
	}
	for k := 1; k <= 3; k++ {
		j := i + k*s.opts.Topics
		if j >= end {
			j = i - k*s.opts.Topics
		}
		if j < start || j >= end {
			continue
		}
		rh, _ := s.head(j)
		fmt.Fprintf(b, "<li><a href=\"%s\">%s</a></li>\n", s.articlePath(j), esc(rh.title))
	}
	b.WriteString("</ul></aside></main>\n<footer><p><a href=\"/\">About</a> · <a href=\"/\">Contact</a> · <a href=\"/\">Privacy</a></p><p>Generated content for load tests; every name is invented.</p></footer>\n")
	if pad := s.opts.PageBytes - b.Len() - 64; pad > 0 {
		r := s.rng(streamPad, uint64(i))
		b.WriteString(`<script type="application/json" id="__state">{"chunks":[`)
		var chunk [19]byte // "0123456789abcdef",
		for n := 0; n < pad; n += len(chunk) {
			u := r.Uint64()
			chunk[0], chunk[17], chunk[18] = '"', '"', ','
			for k := 16; k >= 1; k-- {
				chunk[k] = "0123456789abcdef"[u&15]
				u >>= 4
			}
			if n+len(chunk) >= pad {
				b.Write(chunk[:18]) // the last one, without a comma
				break
			}
			b.Write(chunk[:])
		}
		b.WriteString("]}</script>\n")
	}
	b.WriteString("</body></html>\n")
}

func (s *SyntheticSite) serveImage(w http.ResponseWriter, r *http.Request) {
	v, ok := strings.CutSuffix(r.PathValue("file"), ".png")
	if _, valid := s.index(v); !ok || !valid {
		notFound(w)
		return
	}
	w.Header().Set("Content-Type", "image/png")
	w.Write(s.image)
}

func (s *SyntheticSite) serveHome(w http.ResponseWriter, _ *http.Request) {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	fmt.Fprintf(w, "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>Synthetic news</title></head><body><h1>Synthetic news</h1><p>%d articles in %d flashpoints, %d topics each.</p><ul>\n",
		s.opts.Articles, s.opts.Flashpoints, s.opts.Topics)
	for i := 0; i < min(50, s.opts.Articles); i++ {
		h, _ := s.head(i)
		fmt.Fprintf(w, "<li><a href=\"%s\">%s</a></li>\n", s.articlePath(i), html.EscapeString(h.title))
	}
	io.WriteString(w, "</ul></body></html>\n")
}

// Feed returns the feed entry of article i (0 ≤ i < Articles) under
// baseURL.
func (s *SyntheticSite) Feed(baseURL string, i int) (news.Feed, error) {
	if i < 0 || i >= s.opts.Articles {
		return news.Feed{}, fmt.Errorf("demo: synthetic article %d: want 0 ≤ index < %d", i, s.opts.Articles)
	}
	return s.feed(strings.TrimRight(baseURL, "/"), i), nil
}

func (s *SyntheticSite) feed(base string, i int) news.Feed {
	h, _ := s.head(i)
	outlet := outletKeys[i%len(outletKeys)]
	return news.Feed{
		ID:            nameUUID("synthetic", strconv.FormatInt(s.opts.Seed, 10), strconv.Itoa(i)),
		FlashpointID:  s.flashpointID(h.flashpoint),
		URL:           base + s.articlePath(i),
		Title:         h.title,
		SeenDate:      syntheticEpoch.Add(time.Duration(i) * 37 * time.Second).Format(SeenDateLayout),
		Domain:        outlet + ".example",
		Language:      "English",
		SourceCountry: countries[i%len(countries)],
		Description:   h.description,
		Image:         base + "/img/" + strconv.Itoa(i) + ".png",
	}
}

func (s *SyntheticSite) flashpointID(f int) string {
	return nameUUID("synthetic-flashpoint", strconv.FormatInt(s.opts.Seed, 10), strconv.Itoa(f))
}

func (s *SyntheticSite) flashpointHeader(f int) news.Flashpoint {
	region := s.regionName(f)
	fp := news.Flashpoint{
		ID:          s.flashpointID(f),
		Title:       "Unrest in the " + region + " region",
		Description: fmt.Sprintf("Synthetic flashpoint %d: %d interleaved stories around %s.", f, s.opts.Topics, region),
		Entities:    []string{region},
	}
	for _, k := range outletKeys {
		fp.Domains = append(fp.Domains, k+".example")
	}
	return fp
}

// Flashpoints returns every flashpoint with all its feed entries. It holds
// Articles feeds in memory (about 630 bytes each); for large sites use
// WriteJSONL, which streams.
func (s *SyntheticSite) Flashpoints(baseURL string) []news.Flashpoint {
	base := strings.TrimRight(baseURL, "/")
	out := make([]news.Flashpoint, s.opts.Flashpoints)
	for f := range out {
		out[f] = s.flashpointHeader(f)
	}
	for i := 0; i < s.opts.Articles; i++ {
		f, _ := s.flashpointOf(i)
		out[f].Feeds = append(out[f].Feeds, s.feed(base, i))
	}
	return out
}

// WriteJSONL writes the flashpoints as WriteJSONL does, one per line, but
// generates each feed entry as it is written, so memory stays flat
// however many articles the site has. A line holds a whole flashpoint, so
// readers must accept long lines (about 520 bytes per feed entry).
func (s *SyntheticSite) WriteJSONL(w io.Writer, baseURL string) error {
	base := strings.TrimRight(baseURL, "/")
	bw := bufio.NewWriterSize(w, 64<<10)
	var hdr bytes.Buffer
	henc := json.NewEncoder(&hdr)
	henc.SetEscapeHTML(false)
	for f := 0; f < s.opts.Flashpoints; f++ {
		fp := s.flashpointHeader(f) // no feeds, so "feeds" is omitted
		hdr.Reset()
		if err := henc.Encode(&fp); err != nil {
			return fmt.Errorf("writing synthetic flashpoint %d: %w", f, err)
		}
		obj := bytes.TrimRight(hdr.Bytes(), "\n")
		bw.Write(obj[:len(obj)-1]) // drop the closing brace
		bw.WriteString(`,"feeds":[`)
		end := s.opts.Articles
		if f+1 < s.opts.Flashpoints {
			end = s.fpStart(f + 1)
		}
		for i := s.fpStart(f); i < end; i++ {
			if i > s.fpStart(f) {
				bw.WriteByte(',')
			}
			fd := s.feed(base, i)
			// Encode appends a newline, which JSON allows between
			// values but JSONL does not; write into the line without it.
			hdr.Reset()
			if err := henc.Encode(&fd); err != nil {
				return fmt.Errorf("writing synthetic article %d: %w", i, err)
			}
			if _, err := bw.Write(bytes.TrimRight(hdr.Bytes(), "\n")); err != nil {
				return fmt.Errorf("writing synthetic article %d: %w", i, err)
			}
		}
		if _, err := bw.WriteString("]}\n"); err != nil {
			return fmt.Errorf("writing synthetic flashpoints: %w", err)
		}
	}
	if err := bw.Flush(); err != nil {
		return fmt.Errorf("writing synthetic flashpoints: %w", err)
	}
	return nil
}

// ArticleURL returns the URL of article i under baseURL.
func (s *SyntheticSite) ArticleURL(baseURL string, i int) string {
	return strings.TrimRight(baseURL, "/") + s.articlePath(i)
}

// Label returns the topic label ("fp0-t2-drought") of a synthetic article
// URL, whatever its base.
func (s *SyntheticSite) Label(rawURL string) (string, bool) {
	i, ok := s.indexOfURL(rawURL)
	if !ok {
		return "", false
	}
	return s.labelOf(i), true
}

func (s *SyntheticSite) indexOfURL(rawURL string) (int, bool) {
	k := strings.Index(rawURL, "/news/")
	if k < 0 {
		return 0, false
	}
	fpPart, idxPart, ok := strings.Cut(rawURL[k+len("/news/"):], "/")
	if !ok {
		return 0, false
	}
	i, ok := s.index(idxPart)
	if !ok {
		return 0, false
	}
	if f, _ := s.flashpointOf(i); strconv.Itoa(f) != fpPart {
		return 0, false
	}
	return i, true
}

// Score measures a run's clusters against the topic labels, as
// [Expectations.Score] does for the bundled site.
func (s *SyntheticSite) Score(articles []news.Article) (ClusterScore, error) {
	var items []labelled
	for k := range articles {
		a := &articles[k]
		if a.Status != news.StatusOK {
			continue
		}
		i, ok := s.indexOfURL(a.URL)
		if !ok {
			return ClusterScore{}, fmt.Errorf("scoring article %q: %w", a.URL, ErrUnknownURL)
		}
		f, _ := s.flashpointOf(i)
		items = append(items, labelled{flashpoint: s.flashpointID(f), cluster: a.ClusterID, label: s.labelOf(i)})
	}
	return score(items), nil
}
