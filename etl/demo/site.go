package demo

import (
	"bytes"
	"fmt"
	"html/template"
	"image"
	"image/color"
	"image/png"
	"net"
	"net/http"
	"strings"
	"time"
)

// RobotsTxt is what the bundled site serves at /robots.txt: everything is
// allowed but /private/, so a fetcher that honours robots.txt
// (MASX_RESPECT_ROBOTS, the default) must refuse the one feed entry there.
const RobotsTxt = "User-agent: *\nDisallow: /private/\nAllow: /\n"

// JSDelay is how long after loading the inline script of a JavaScript page
// waits before it inserts the article body. A browser that waits for the
// DOM to settle sees the text; a plain HTTP client never does.
const JSDelay = 200 * time.Millisecond

// Site is the bundled demo news site: about sixty fictional articles from
// nine fictional outlets in six languages, on three flashpoints, plus the
// pages that must fail (see [Expect]). It is an http.Handler; [Start]
// serves it on loopback. A Site is immutable and safe for concurrent use.
type Site struct {
	c   *catalog
	mux *http.ServeMux
}

// NewSite returns the bundled site.
func NewSite() *Site {
	s := &Site{c: mustBundled(), mux: http.NewServeMux()}
	s.mux.HandleFunc("GET /robots.txt", func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		fmt.Fprint(w, RobotsTxt)
	})
	s.mux.HandleFunc("GET /images/{file}", s.serveImage)
	s.mux.HandleFunc("GET /{$}", s.serveHome)
	s.mux.HandleFunc("GET /", s.servePage)
	return s
}

// ServeHTTP serves the site.
func (s *Site) ServeHTTP(w http.ResponseWriter, r *http.Request) { s.mux.ServeHTTP(w, r) }

func (s *Site) servePage(w http.ResponseWriter, r *http.Request) {
	if e := s.c.byFeedPath[r.URL.Path]; e != nil && e.Kind == kindRedirect {
		http.Redirect(w, r, e.path, http.StatusMovedPermanently)
		return
	}
	e := s.c.byPath[r.URL.Path]
	if e == nil {
		notFound(w)
		return
	}
	switch e.Kind {
	case kindMissing:
		notFound(w)
	case kindError:
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.WriteHeader(http.StatusInternalServerError)
		fmt.Fprint(w, errorPage("500 Internal Server Error", "The server could not build this page. Please try again later."))
	case kindReset:
		resetConnection(w)
	case kindPDF:
		w.Header().Set("Content-Type", "application/pdf")
		w.Write(pdfDocument(e.Title))
	default:
		s.renderArticle(w, r, e)
	}
}

// resetConnection takes the connection over and closes it with SO_LINGER 0,
// so the client reads a TCP reset instead of a response, like a middlebox
// that kills the flow.
func resetConnection(w http.ResponseWriter) {
	hj, ok := w.(http.Hijacker)
	if !ok {
		// HTTP/2 cannot hand the connection over; an aborted handler is
		// the closest thing: net/http resets the stream.
		panic(http.ErrAbortHandler)
	}
	conn, _, err := hj.Hijack()
	if err != nil {
		panic(http.ErrAbortHandler)
	}
	if tc, ok := conn.(*net.TCPConn); ok {
		tc.SetLinger(0)
	}
	conn.Close()
}

func notFound(w http.ResponseWriter) {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(http.StatusNotFound)
	fmt.Fprint(w, errorPage("404 Not Found", "The page you asked for does not exist or has moved."))
}

func errorPage(title, msg string) string {
	return "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>" + title +
		"</title></head><body><h1>" + title + "</h1><p>" + msg + "</p><p><a href=\"/\">Home</a></p></body></html>\n"
}

// pdfDocument is a small one-page PDF whose page shows title (ASCII only).
func pdfDocument(title string) []byte {
	t := strings.Map(func(r rune) rune {
		if r < 0x20 || r > 0x7e || r == '(' || r == ')' || r == '\\' {
			return ' '
		}
		return r
	}, title)
	stream := "BT /F1 14 Tf 40 780 Td (" + t + ") Tj ET"
	objs := []string{
		"<< /Type /Catalog /Pages 2 0 R >>",
		"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
		"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R /Resources << /Font << /F1 5 0 R >> >> >>",
		fmt.Sprintf("<< /Length %d >>\nstream\n%s\nendstream", len(stream), stream),
		"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
	}
	var b bytes.Buffer
	b.WriteString("%PDF-1.4\n")
	offsets := make([]int, len(objs))
	for i, o := range objs {
		offsets[i] = b.Len()
		fmt.Fprintf(&b, "%d 0 obj\n%s\nendobj\n", i+1, o)
	}
	xref := b.Len()
	fmt.Fprintf(&b, "xref\n0 %d\n0000000000 65535 f \n", len(objs)+1)
	for _, off := range offsets {
		fmt.Fprintf(&b, "%010d 00000 n \n", off)
	}
	fmt.Fprintf(&b, "trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n", len(objs)+1, xref)
	return b.Bytes()
}

type pageLink struct{ Href, Title string }

type pageData struct {
	Lang, Dir   string
	UI          *uiText
	Outlet      *outlet
	Color       template.CSS // checked to be #rrggbb when parsed
	Title       string
	Description string
	Byline      string
	Caption     string
	Published   time.Time
	Canonical   string
	Image       string
	Paragraphs  []string
	JS          bool
	JSDelayMS   int
	Related     []pageLink
	Year        int
}

func (s *Site) renderArticle(w http.ResponseWriter, r *http.Request, e *entry) {
	d := pageData{
		Lang: e.Lang, Dir: s.c.ui[e.Lang].Dir, UI: s.c.ui[e.Lang], Outlet: e.Outlet,
		Color: template.CSS(e.Outlet.Color),
		Title: e.Title, Description: e.Description, Byline: e.Byline, Caption: e.Caption,
		Published: e.Published.UTC(), Canonical: "http://" + r.Host + e.path,
		Image: "/images/" + e.Slug + ".png", Paragraphs: e.Paragraphs,
		JS: e.Kind == kindJS, JSDelayMS: int(JSDelay / time.Millisecond), Year: e.Published.Year(),
	}
	if e.Kind != kindShort {
		d.Related = s.related(e, 4)
	}
	var b bytes.Buffer
	if err := s.c.page.Execute(&b, d); err != nil {
		// The template and the content are fixed; tests render every page.
		http.Error(w, "rendering "+e.Slug+": "+err.Error(), http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Last-Modified", e.Published.UTC().Format(http.TimeFormat))
	w.Write(b.Bytes())
}

// related picks up to n other pages of e's story, nearest in time first,
// as a news site's "related coverage" box does.
func (s *Site) related(e *entry, n int) []pageLink {
	var out []pageLink
	for _, o := range s.c.entries {
		if o == e || o.Story != e.Story || !servesArticle(o.Kind) || o.Kind == kindPrivate {
			continue
		}
		out = append(out, pageLink{Href: o.feedPath, Title: o.Title})
		if len(out) == n {
			break
		}
	}
	return out
}

func servesArticle(kind string) bool {
	switch kind {
	case kindArticle, kindJS, kindShort, kindPrivate, kindRedirect:
		return true
	}
	return false
}

var homeTmpl = template.Must(template.New("home").Parse(`<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>masx demo news</title></head>
<body><h1>masx demo news</h1>
<p>Every story here is fictional, written to test the masx news pipeline. The feed entries of each flashpoint are listed in order; some are meant to fail.</p>
{{range .}}<h2>{{.Title}}</h2><ul>{{range .Entries}}<li><a href="{{.Href}}">{{.Title}}</a> ({{.Kind}})</li>{{end}}</ul>{{end}}
</body></html>
`))

func (s *Site) serveHome(w http.ResponseWriter, _ *http.Request) {
	type item struct{ Href, Title, Kind string }
	type group struct {
		Title   string
		Entries []item
	}
	var groups []group
	for _, fp := range s.c.flashpoints {
		g := group{Title: fp.Title}
		for _, e := range s.c.entries {
			if e.Story.fp == fp {
				g.Entries = append(g.Entries, item{e.feedPath, e.Title, e.Kind})
			}
		}
		groups = append(groups, g)
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	homeTmpl.Execute(w, groups)
}

func (s *Site) serveImage(w http.ResponseWriter, r *http.Request) {
	slug, ok := strings.CutSuffix(r.PathValue("file"), ".png")
	e := s.c.bySlug[slug]
	if !ok || e == nil {
		notFound(w)
		return
	}
	w.Header().Set("Content-Type", "image/png")
	w.Write(storyImage(e.Outlet.Color, e.Story.Label))
}

// storyImage draws a small banner: the outlet's colour fading into a
// shade picked from the story label. Pictures carry no text to extract;
// the feeds only need a real image URL on the same site.
func storyImage(hex, label string) []byte {
	base := parseColor(hex)
	var h uint32 = 2166136261
	for i := 0; i < len(label); i++ {
		h = (h ^ uint32(label[i])) * 16777619
	}
	accent := color.RGBA{uint8(h), uint8(h >> 8), uint8(h >> 16), 255}
	const wd, ht = 96, 54
	img := image.NewRGBA(image.Rect(0, 0, wd, ht))
	for x := 0; x < wd; x++ {
		c := color.RGBA{
			uint8((int(base.R)*(wd-x) + int(accent.R)*x) / wd),
			uint8((int(base.G)*(wd-x) + int(accent.G)*x) / wd),
			uint8((int(base.B)*(wd-x) + int(accent.B)*x) / wd),
			255,
		}
		for y := 0; y < ht; y++ {
			img.SetRGBA(x, y, c)
		}
	}
	var b bytes.Buffer
	png.Encode(&b, img) // writing to memory cannot fail
	return b.Bytes()
}

func parseColor(hex string) color.RGBA {
	var r, g, b uint8
	if _, err := fmt.Sscanf(strings.TrimPrefix(hex, "#"), "%02x%02x%02x", &r, &g, &b); err != nil {
		return color.RGBA{0x33, 0x33, 0x33, 255}
	}
	return color.RGBA{r, g, b, 255}
}
