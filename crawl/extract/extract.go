package extract

import (
	"bytes"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	readability "codeberg.org/readeck/go-readability/v2"
	"codeberg.org/readeck/go-readability/v2/render"
	trafilatura "github.com/markusmobius/go-trafilatura"
	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"

	"github.com/masx-ai/masx/concurrency/panics"
	"github.com/masx-ai/masx/crawl/charset"
)

// Defaults for zero Options fields.
const (
	DefaultMinChars    = 1000
	DefaultMaxBytes    = 10 << 20
	DefaultMaxElements = 100_000
	// DefaultMaxTextNodes bounds the text nodes the extractors see. Their
	// cost grows with the square of the paragraphs (5,000 took 0.4 s,
	// 10,000 1.5 s, 55,000 100 s of CPU on a 2-core VM), while a long
	// article has a few hundred; 5,000 keeps the worst page under a second.
	DefaultMaxTextNodes = 5000
)

// Methods name the extractor that produced an Article's text.
const (
	MethodTrafilatura = "trafilatura"
	MethodReadability = "readability"
)

var (
	// ErrNoContent: neither extractor found article text.
	ErrNoContent = errors.New("no article content found")
	// ErrTooLarge: the input exceeds Options.MaxBytes or
	// Options.MaxElements.
	ErrTooLarge = errors.New("page too large to extract")
	// ErrMalformed: the HTML cannot be parsed at all (nesting deeper than
	// 512 elements is the one case the HTML parser refuses).
	ErrMalformed = errors.New("malformed HTML")
	// ErrBadURL: the page URL does not parse as an absolute http(s) URL.
	ErrBadURL = errors.New("bad page URL")
	// ErrPanic matches a [*PanicError]: it is panics.ErrPanic.
	ErrPanic = panics.ErrPanic
)

// PanicError is a panic inside an extraction library, recovered and kept
// with its stack so a hostile page cannot take the process down or go
// unnoticed. It is masx's one panic type, [panics.Error]; the error that
// carries it reads "<method> panicked: <value>" followed by the stack, so
// an article's stored error still says where the library failed.
type PanicError = panics.Error

// Options tunes Extract. The zero value is ready to use.
type Options struct {
	// MinChars is the text length, in characters, below which the
	// trafilatura result is deemed a miss and readability is tried; the
	// longer text wins. Default 1000, the length under which the pipeline
	// (MASX_MIN_TEXT_CHARS) would send the page to the browser anyway.
	MinChars int
	// MaxBytes refuses larger inputs with ErrTooLarge. Default 10 MiB.
	MaxBytes int
	// MaxElements refuses documents with more HTML elements with
	// ErrTooLarge; the extractors are superlinear in pathological trees.
	// Default 100,000 (a heavy news page has 3,000–8,000).
	MaxElements int
	// MaxTextNodes cuts the document after this many non-blank text
	// nodes, in document order, before the extractors run: the rest of
	// the page is dropped, not refused. Default 5,000.
	MaxTextNodes int
	// IncludeComments keeps reader comments at the end of Text. Default
	// false.
	IncludeComments bool
	// NoFallback skips readability. Default false.
	NoFallback bool
	// Logger receives a warning, with the stack, when one extractor panics
	// and the other one still produces the article. Default slog.Default().
	Logger *slog.Logger
}

func (o Options) withDefaults() Options {
	if o.MinChars <= 0 {
		o.MinChars = DefaultMinChars
	}
	if o.MaxBytes <= 0 {
		o.MaxBytes = DefaultMaxBytes
	}
	if o.MaxElements <= 0 {
		o.MaxElements = DefaultMaxElements
	}
	if o.MaxTextNodes <= 0 {
		o.MaxTextNodes = DefaultMaxTextNodes
	}
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
	return o
}

// Article is the readable content of a page and its metadata. Fields the
// page does not provide are empty.
type Article struct {
	Title string
	// Text is the article body as plain text, one paragraph per line.
	Text   string
	Author string
	// Date is the publication date. Many pages give only a day; then the
	// time is midnight UTC.
	Date time.Time
	// Language is a hint, not a detection: trafilatura's quick guess from
	// the text when it makes one, else the page's own claim (<html lang>,
	// meta tags), reduced to its primary subtag ("en-GB" → "en").
	Language string
	Image    string
	// Site is the publication's name.
	Site        string
	Description string
	// URL is the page's canonical URL when it declares one, else the URL
	// given to Extract.
	URL string
	// Method is MethodTrafilatura or MethodReadability.
	Method string
}

// Extract finds the article in a page. html should be UTF-8 (as
// fetch.Page.HTML is); bytes that are not valid UTF-8 are decoded by their
// <meta> declaration or by sniffing, for pages saved to disk. pageURL, which
// may be empty, resolves relative links and images. It never panics: panics
// inside the libraries come back as a [*PanicError].
func Extract(htmlBytes []byte, pageURL string, opts Options) (*Article, error) {
	opts = opts.withDefaults()
	if len(htmlBytes) > opts.MaxBytes {
		return nil, fmt.Errorf("%w: %d bytes, limit %d", ErrTooLarge, len(htmlBytes), opts.MaxBytes)
	}
	if !utf8.Valid(htmlBytes) {
		converted, _, err := charset.ToUTF8(htmlBytes, "")
		if err != nil {
			return nil, fmt.Errorf("decoding page: %w", err)
		}
		htmlBytes = converted
	}
	var u *url.URL
	if pageURL != "" {
		var err error
		u, err = url.Parse(pageURL)
		if err != nil || !u.IsAbs() || u.Host == "" || (u.Scheme != "http" && u.Scheme != "https") {
			return nil, fmt.Errorf("%w: %q: want an absolute http or https URL", ErrBadURL, pageURL)
		}
	}
	doc, err := html.Parse(bytes.NewReader(htmlBytes))
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrMalformed, err)
	}
	if n := countElements(doc, opts.MaxElements); n > opts.MaxElements {
		return nil, fmt.Errorf("%w: more than %d elements", ErrTooLarge, opts.MaxElements)
	}
	cutAfterTextNodes(doc, opts.MaxTextNodes)

	docTitle := documentTitle(doc)
	tr, trErr := runTrafilatura(doc, u, opts)
	art := fromTrafilatura(tr)
	if art != nil && onlyTitle(art.Text, docTitle, art.Title) {
		// trafilatura's last resort on a page without text (a JavaScript
		// shell) is the page title: that is no article.
		art = nil
	}
	if art != nil && (opts.NoFallback || utf8.RuneCountInString(art.Text) >= opts.MinChars) {
		return finish(art, docTitle, pageURL), nil
	}
	if opts.NoFallback {
		return nil, noContent(trErr, nil)
	}
	rd, rdErr := runReadability(doc, u)
	if rd != nil && onlyTitle(rd.Text, docTitle, rd.Title) {
		rd = nil
	}
	if rd != nil && (art == nil || utf8.RuneCountInString(rd.Text) > utf8.RuneCountInString(art.Text)) {
		if art != nil {
			rd.fillFrom(art) // trafilatura's metadata is the more thorough
		}
		if trErr != nil && errors.Is(trErr, ErrPanic) {
			opts.Logger.Warn("extract: trafilatura panicked; readability produced the article",
				"url", pageURL, "err", trErr)
		}
		return finish(rd, docTitle, pageURL), nil
	}
	if art != nil {
		if rdErr != nil && errors.Is(rdErr, ErrPanic) {
			opts.Logger.Warn("extract: readability panicked; trafilatura produced the article",
				"url", pageURL, "err", rdErr)
		}
		return finish(art, docTitle, pageURL), nil
	}
	return nil, noContent(trErr, rdErr)
}

func noContent(trErr, rdErr error) error {
	var details []string
	for _, e := range []struct {
		name string
		err  error
	}{{MethodTrafilatura, trErr}, {MethodReadability, rdErr}} {
		if e.err != nil {
			details = append(details, e.name+": "+e.err.Error())
		}
	}
	err := ErrNoContent
	if len(details) > 0 {
		err = fmt.Errorf("%w (%s)", ErrNoContent, strings.Join(details, "; "))
	}
	// A panic is a bug worth finding: keep it matchable.
	for _, e := range []error{trErr, rdErr} {
		if errors.Is(e, ErrPanic) {
			return errors.Join(err, e)
		}
	}
	return err
}

// safely runs fn, turning a panic into an error wrapping a *PanicError,
// with the method and the stack in its message.
func safely(method string, fn func() error) (err error) {
	defer func() {
		if r := recover(); r != nil {
			pe := panics.New(r)
			err = fmt.Errorf("%s %w\n%s", method, pe, pe.Stack)
		}
	}()
	return fn()
}

func runTrafilatura(doc *html.Node, u *url.URL, opts Options) (*trafilatura.ExtractResult, error) {
	var res *trafilatura.ExtractResult
	err := safely(MethodTrafilatura, func() error {
		var err error
		res, err = trafilatura.ExtractDocument(doc, trafilatura.Options{
			OriginalURL:     u,
			Focus:           trafilatura.Balanced,
			ExcludeComments: !opts.IncludeComments,
			MaxTreeSize:     opts.MaxElements,
			// Fast: dates from metadata and markup without the external
			// date parser's hundreds of regular expressions, which cost
			// more than the extraction itself.
			HtmlDateMode: trafilatura.Fast,
		})
		return err
	})
	if err != nil {
		return nil, err
	}
	return res, nil
}

func fromTrafilatura(res *trafilatura.ExtractResult) *Article {
	if res == nil {
		return nil
	}
	// ContentText runs paragraphs together; rendering the content tree
	// keeps one paragraph per line.
	text := nodeText(res.ContentNode)
	if c := nodeText(res.CommentsNode); c != "" {
		text = strings.TrimSpace(text + "\n" + c)
	}
	if text == "" {
		return nil
	}
	m := res.Metadata
	return &Article{
		Title:       strings.TrimSpace(m.Title),
		Text:        text,
		Author:      strings.TrimSpace(m.Author),
		Date:        m.Date,
		Language:    strings.TrimSpace(m.Language),
		Image:       strings.TrimSpace(m.Image),
		Site:        strings.TrimSpace(m.Sitename),
		Description: strings.TrimSpace(m.Description),
		URL:         strings.TrimSpace(m.URL),
		Method:      MethodTrafilatura,
	}
}

func runReadability(doc *html.Node, u *url.URL) (*Article, error) {
	var art *Article
	err := safely(MethodReadability, func() error {
		p := readability.NewParser()
		p.MaxElemsToParse = 0 // Extract has already bounded the tree
		ra, err := p.ParseDocument(doc, u)
		if err != nil {
			return err
		}
		if ra.Node == nil {
			return nil
		}
		text := nodeText(ra.Node)
		if text == "" {
			return nil
		}
		art = &Article{
			Title:       strings.TrimSpace(ra.Title()),
			Text:        text,
			Author:      strings.TrimSpace(ra.Byline()),
			Language:    strings.TrimSpace(ra.Language()),
			Image:       strings.TrimSpace(ra.ImageURL()),
			Site:        strings.TrimSpace(ra.SiteName()),
			Description: strings.TrimSpace(ra.Excerpt()),
			Method:      MethodReadability,
		}
		if t, err := ra.PublishedTime(); err == nil {
			art.Date = t
		}
		return nil
	})
	return art, err
}

// fillFrom copies metadata a has not found from b.
func (a *Article) fillFrom(b *Article) {
	fill := func(dst *string, src string) {
		if *dst == "" {
			*dst = src
		}
	}
	fill(&a.Title, b.Title)
	fill(&a.Author, b.Author)
	fill(&a.Language, b.Language)
	fill(&a.Image, b.Image)
	fill(&a.Site, b.Site)
	fill(&a.Description, b.Description)
	fill(&a.URL, b.URL)
	if a.Date.IsZero() {
		a.Date = b.Date
	}
}

// finish fills what both extractors missed from the document itself.
func finish(a *Article, docTitle, pageURL string) *Article {
	if a.Title == "" {
		a.Title = docTitle
	}
	if a.URL == "" {
		a.URL = pageURL
	}
	a.Language = languageHint(a.Language)
	return a
}

// nodeText renders a content tree as text, block elements on their own
// lines.
func nodeText(n *html.Node) string {
	if n == nil {
		return ""
	}
	return cleanText(render.InnerText(n))
}

// onlyTitle reports whether text is nothing but a title of the page.
func onlyTitle(text string, titles ...string) bool {
	for _, t := range titles {
		if t != "" && (text == t || strings.HasPrefix(t, text)) {
			return true
		}
	}
	return false
}

// cleanText normalises whitespace: one paragraph per line, runs of spaces
// (including no-break and zero-width ones) collapsed, blank lines dropped.
func cleanText(s string) string {
	var b strings.Builder
	b.Grow(len(s))
	for line := range strings.SplitSeq(s, "\n") {
		line = strings.Join(strings.FieldsFunc(line, func(r rune) bool {
			return unicode.IsSpace(r) || r == '\u200b' || r == '\ufeff'
		}), " ")
		if line == "" {
			continue
		}
		if b.Len() > 0 {
			b.WriteByte('\n')
		}
		b.WriteString(line)
	}
	return b.String()
}

// languageHint reduces a declared language ("en-GB", "pt_BR") to its
// primary subtag, lower case.
func languageHint(lang string) string {
	lang = strings.TrimSpace(lang)
	if i := strings.IndexAny(lang, "-_"); i >= 0 {
		lang = lang[:i]
	}
	return strings.ToLower(lang)
}

// countElements counts element nodes, stopping once past limit. It walks
// with an explicit stack: the tree is at most 512 deep, but nothing here
// should recurse on input.
func countElements(doc *html.Node, limit int) int {
	n := 0
	stack := []*html.Node{doc}
	for len(stack) > 0 && n <= limit {
		node := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		if node.Type == html.ElementNode {
			n++
		}
		for c := node.FirstChild; c != nil; c = c.NextSibling {
			stack = append(stack, c)
		}
	}
	return n
}

// cutAfterTextNodes removes everything after the max-th non-blank text
// node of doc, in document order, and reports whether it cut.
func cutAfterTextNodes(doc *html.Node, max int) bool {
	n := 0
	var last *html.Node
	for node := doc; node != nil; node = nextInOrder(node) {
		if node.Type == html.TextNode && strings.TrimSpace(node.Data) != "" {
			if n++; n == max {
				last = node
				break
			}
		}
	}
	if last == nil {
		return false
	}
	cut := false
	for node := last; node != nil; node = node.Parent {
		for node.NextSibling != nil {
			node.Parent.RemoveChild(node.NextSibling)
			cut = true
		}
	}
	return cut
}

// nextInOrder is the node after n in a depth-first, document-order walk.
func nextInOrder(n *html.Node) *html.Node {
	if n.FirstChild != nil {
		return n.FirstChild
	}
	for ; n != nil; n = n.Parent {
		if n.NextSibling != nil {
			return n.NextSibling
		}
	}
	return nil
}

// documentTitle is the text of the first <title>.
func documentTitle(doc *html.Node) string {
	stack := []*html.Node{doc}
	for len(stack) > 0 {
		node := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		if node.Type == html.ElementNode && node.DataAtom == atom.Title {
			var b strings.Builder
			for c := node.FirstChild; c != nil; c = c.NextSibling {
				if c.Type == html.TextNode {
					b.WriteString(c.Data)
				}
			}
			return strings.Join(strings.Fields(b.String()), " ")
		}
		for c := node.LastChild; c != nil; c = c.PrevSibling {
			stack = append(stack, c)
		}
	}
	return ""
}
