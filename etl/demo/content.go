package demo

import (
	"bufio"
	"embed"
	"encoding/json"
	"errors"
	"fmt"
	"html/template"
	"io/fs"
	"path"
	"slices"
	"strings"
	"sync"
	"time"
	"unicode/utf8"
)

// content holds the bundled site: site.json (flashpoints, stories,
// outlets, interface strings), page.html (the page template) and one text
// file per article under articles/. It is read once and never changed.
//
//go:embed content
var content embed.FS

// Page kinds an article file may declare.
const (
	kindArticle  = "article"  // a normal article page
	kindJS       = "js"       // the body is inserted by an inline script
	kindShort    = "short"    // a page whose article is under 500 characters
	kindPrivate  = "private"  // a normal article under /private/, which robots.txt disallows
	kindRedirect = "redirect" // a normal article whose feed URL answers 301 to it
	kindMissing  = "missing"  // the feed URL answers 404
	kindError    = "error"    // the feed URL answers 500
	kindReset    = "reset"    // the feed URL's connection is reset
	kindPDF      = "pdf"      // the feed URL is a PDF document
)

// Body length rules the bundled content keeps (checked when it is parsed,
// so a bad edit fails every test rather than one pipeline run).
const (
	minArticleChars = 1500 // body of article, js, private and redirect pages
	maxShortChars   = 500  // body of short pages
)

type outlet struct {
	Key     string `json:"key"`
	Name    string `json:"name"`
	Lang    string `json:"lang"`    // ISO 639-1
	Country string `json:"country"` // GDELT sourcecountry
	Color   string `json:"color"`   // header colour
	domain  string
}

type story struct {
	Label string `json:"label"`
	Title string `json:"title"`
	fp    *flashpoint
}

type flashpoint struct {
	Key         string   `json:"key"`
	ID          string   `json:"id"`
	Title       string   `json:"title"`
	Description string   `json:"description"`
	Entities    []string `json:"entities"`
	Stories     []*story `json:"stories"`
}

// uiText is the interface text of pages in one language.
type uiText struct {
	Language   string     `json:"language"` // GDELT language name, e.g. "French"
	Dir        string     `json:"dir"`      // "ltr" or "rtl"
	Nav        []string   `json:"nav"`
	Cookie     string     `json:"cookie"`
	Accept     string     `json:"accept"`
	Reject     string     `json:"reject"`
	By         string     `json:"by"`
	Related    string     `json:"related"`
	Ad         string     `json:"ad"`
	Subscribe  string     `json:"subscribe"`
	Loading    string     `json:"loading"`
	Footer     []string   `json:"footer"`
	Disclaimer string     `json:"disclaimer"`
	Rights     string     `json:"rights"`
	Months     [12]string `json:"months"`
	Date       string     `json:"date"` // layout with {d}, {m} and {y}
}

func (u *uiText) formatDate(t time.Time) string {
	return strings.NewReplacer("{d}", fmt.Sprint(t.Day()), "{m}", u.Months[t.Month()-1], "{y}", fmt.Sprint(t.Year())).Replace(u.Date)
}

// entry is one feed entry of the bundled site and, for most kinds, the page
// behind it.
type entry struct {
	Slug        string
	Kind        string
	Story       *story
	Outlet      *outlet
	Lang        string
	Published   time.Time
	Title       string
	Byline      string
	Description string
	Caption     string
	Paragraphs  []string

	path     string // where the page is served
	feedPath string // the path the feed lists (differs for redirects)
}

func (e *entry) bodyChars() int {
	n := 0
	for _, p := range e.Paragraphs {
		n += utf8.RuneCountInString(p)
	}
	return n
}

// catalog is the parsed bundled site.
type catalog struct {
	flashpoints []*flashpoint
	entries     []*entry // by flashpoint, then publication time
	byPath      map[string]*entry
	byFeedPath  map[string]*entry
	bySlug      map[string]*entry
	outlets     map[string]*outlet
	ui          map[string]*uiText
	page        *template.Template
}

// bundled parses the embedded content once. The content is part of the
// source, so an error here is a bug that every test of this package
// reports; callers without an error return panic through mustBundled.
var bundled = sync.OnceValues(func() (*catalog, error) { return parseCatalog(content) })

func mustBundled() *catalog {
	c, err := bundled()
	if err != nil {
		panic(fmt.Sprintf("demo: bundled content is broken: %v", err))
	}
	return c
}

type siteFile struct {
	Flashpoints []*flashpoint      `json:"flashpoints"`
	Outlets     []*outlet          `json:"outlets"`
	UI          map[string]*uiText `json:"ui"`
}

// stories indexes the flashpoints' stories by label; each flashpoint has
// two or more, and a label is used once.
func (c *catalog) stories() (map[string]*story, error) {
	stories := map[string]*story{}
	for _, fp := range c.flashpoints {
		if len(fp.Stories) < 2 {
			return nil, fmt.Errorf("site.json: flashpoint %q has %d stories, want ≥ 2", fp.Key, len(fp.Stories))
		}
		for _, s := range fp.Stories {
			if stories[s.Label] != nil {
				return nil, fmt.Errorf("site.json: story %q listed twice", s.Label)
			}
			s.fp = fp
			stories[s.Label] = s
		}
	}
	return stories, nil
}

// readEntries parses every article file and indexes it by slug, path and
// feed path.
func (c *catalog) readEntries(fsys fs.FS, stories map[string]*story) error {
	files, err := fs.Glob(fsys, "content/articles/*.txt")
	if err != nil {
		return err
	}
	if len(files) == 0 {
		return errors.New("no articles under content/articles")
	}
	for _, name := range files {
		e, err := parseEntry(fsys, name, c.outlets, stories)
		if err != nil {
			return err
		}
		if c.bySlug[e.Slug] != nil {
			return fmt.Errorf("%s: slug %q used twice", name, e.Slug)
		}
		c.bySlug[e.Slug] = e
		c.entries = append(c.entries, e)
		c.byPath[e.path] = e
		c.byFeedPath[e.feedPath] = e
	}
	return nil
}

func parseCatalog(fsys fs.FS) (*catalog, error) {
	raw, err := fs.ReadFile(fsys, "content/site.json")
	if err != nil {
		return nil, fmt.Errorf("reading site.json: %w", err)
	}
	var sf siteFile
	dec := json.NewDecoder(strings.NewReader(string(raw)))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&sf); err != nil {
		return nil, fmt.Errorf("parsing site.json: %w", err)
	}
	c := &catalog{
		flashpoints: sf.Flashpoints,
		byPath:      map[string]*entry{},
		byFeedPath:  map[string]*entry{},
		bySlug:      map[string]*entry{},
		outlets:     map[string]*outlet{},
		ui:          sf.UI,
	}
	for _, o := range sf.Outlets {
		if _, ok := c.ui[o.Lang]; !ok {
			return nil, fmt.Errorf("site.json: outlet %q: no interface text for language %q", o.Key, o.Lang)
		}
		if !validColor(o.Color) {
			return nil, fmt.Errorf("site.json: outlet %q: color %q: want #rrggbb", o.Key, o.Color)
		}
		o.domain = o.Key + ".example"
		c.outlets[o.Key] = o
	}
	stories, err := c.stories()
	if err != nil {
		return nil, err
	}
	tmpl, err := template.New("page.html").Funcs(template.FuncMap{
		"date": func(u *uiText, t time.Time) string { return u.formatDate(t) },
	}).ParseFS(fsys, "content/page.html")
	if err != nil {
		return nil, fmt.Errorf("parsing page.html: %w", err)
	}
	c.page = tmpl
	if err := c.readEntries(fsys, stories); err != nil {
		return nil, err
	}
	fpIndex := map[*flashpoint]int{}
	for i, fp := range c.flashpoints {
		fpIndex[fp] = i
	}
	slices.SortFunc(c.entries, func(a, b *entry) int {
		if d := fpIndex[a.Story.fp] - fpIndex[b.Story.fp]; d != 0 {
			return d
		}
		if d := a.Published.Compare(b.Published); d != 0 {
			return d
		}
		return strings.Compare(a.Slug, b.Slug)
	})
	return c, nil
}

// parseEntry reads one article file: "key: value" header lines, a line
// "---", then the body, paragraphs separated by blank lines.
func parseEntry(fsys fs.FS, name string, outlets map[string]*outlet, stories map[string]*story) (*entry, error) {
	raw, err := fs.ReadFile(fsys, name)
	if err != nil {
		return nil, err
	}
	e := &entry{Slug: strings.TrimSuffix(path.Base(name), ".txt")}
	head, err := e.split(name, string(raw))
	if err != nil {
		return nil, err
	}
	if err := e.fromHead(name, head, outlets, stories); err != nil {
		return nil, err
	}
	day := e.Published.UTC().Format("2006/01/02")
	e.path = "/" + e.Outlet.Key + "/" + day + "/" + e.Slug
	e.feedPath = e.path
	if err := e.checkKind(name); err != nil {
		return nil, err
	}
	switch e.Kind {
	case kindPrivate:
		e.path = "/private" + e.path
		e.feedPath = e.path
	case kindRedirect:
		e.feedPath = "/" + e.Outlet.Key + "/go/" + e.Slug
	case kindPDF:
		e.path += ".pdf"
		e.feedPath = e.path
	}
	return e, nil
}

// split reads the file's header lines into a map and its body into
// e.Paragraphs.
func (e *entry) split(name, raw string) (map[string]string, error) {
	head := map[string]string{}
	sc := bufio.NewScanner(strings.NewReader(raw))
	sc.Buffer(make([]byte, 0, 64<<10), 1<<20)
	line, inBody := 0, false
	var para []string
	flush := func() {
		if len(para) > 0 {
			e.Paragraphs = append(e.Paragraphs, strings.Join(para, " "))
			para = para[:0]
		}
	}
	for sc.Scan() {
		line++
		text := strings.TrimSpace(sc.Text())
		switch {
		case inBody && text == "":
			flush()
		case inBody:
			para = append(para, text)
		case text == "---":
			inBody = true
		case text == "":
		default:
			k, v, ok := strings.Cut(text, ":")
			if !ok {
				return nil, fmt.Errorf("%s:%d: header line %q: want \"key: value\"", name, line, text)
			}
			head[strings.TrimSpace(k)] = strings.TrimSpace(v)
		}
	}
	flush()
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("reading %s: %w", name, err)
	}
	return head, nil
}

// fromHead fills in the entry from its header: every required key, no
// unknown one, a story and an outlet of site.json, an RFC 3339 date.
func (e *entry) fromHead(name string, head map[string]string, outlets map[string]*outlet, stories map[string]*story) error {
	var storyLabel, outletKey, published string
	for _, f := range []struct {
		key string
		dst *string
	}{
		{"kind", &e.Kind}, {"story", &storyLabel}, {"outlet", &outletKey},
		{"published", &published}, {"title", &e.Title}, {"description", &e.Description},
	} {
		if *f.dst = head[f.key]; *f.dst == "" {
			return fmt.Errorf("%s: header %q is missing", name, f.key)
		}
		delete(head, f.key)
	}
	e.Byline, e.Caption = head["byline"], head["caption"]
	delete(head, "byline")
	delete(head, "caption")
	for k := range head {
		return fmt.Errorf("%s: unknown header %q", name, k)
	}
	if e.Story = stories[storyLabel]; e.Story == nil {
		return fmt.Errorf("%s: story %q is not in site.json", name, storyLabel)
	}
	if e.Outlet = outlets[outletKey]; e.Outlet == nil {
		return fmt.Errorf("%s: outlet %q is not in site.json", name, outletKey)
	}
	e.Lang = e.Outlet.Lang
	var err error
	if e.Published, err = time.Parse(time.RFC3339, published); err != nil {
		return fmt.Errorf("%s: published %q: want RFC 3339: %w", name, published, err)
	}
	return nil
}

// checkKind checks the body against the entry's kind: articles are long
// enough and have a byline, short pages are short, entries without a page
// have no body.
func (e *entry) checkKind(name string) error {
	n := e.bodyChars()
	switch e.Kind {
	case kindArticle, kindJS, kindRedirect, kindPrivate:
		if n < minArticleChars {
			return fmt.Errorf("%s: %s body has %d characters, want ≥ %d", name, e.Kind, n, minArticleChars)
		}
		if len(e.Paragraphs) < 5 || len(e.Paragraphs) > 12 {
			return fmt.Errorf("%s: %d paragraphs, want 5–12", name, len(e.Paragraphs))
		}
		if e.Byline == "" {
			return fmt.Errorf("%s: header \"byline\" is missing", name)
		}
	case kindShort:
		if n == 0 || n >= maxShortChars {
			return fmt.Errorf("%s: short body has %d characters, want 1–%d", name, n, maxShortChars-1)
		}
	case kindMissing, kindError, kindReset, kindPDF:
		if n != 0 {
			return fmt.Errorf("%s: a %s entry has no page, so no body; found %d characters", name, e.Kind, n)
		}
	default:
		return fmt.Errorf("%s: kind %q: want article, js, short, private, redirect, missing, error, reset or pdf", name, e.Kind)
	}
	return nil
}

func validColor(s string) bool {
	if len(s) != 7 || s[0] != '#' {
		return false
	}
	for _, r := range s[1:] {
		if !strings.ContainsRune("0123456789abcdefABCDEF", r) {
			return false
		}
	}
	return true
}
