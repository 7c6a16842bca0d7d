package input

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"

	"github.com/mmcdole/gofeed"
	"golang.org/x/net/html"

	"github.com/masx-ai/masx/concurrency/panics"
)

// FromFeed reads an RSS or Atom feed (a JSON Feed works too) into one
// flashpoint titled flashpointName (default: Options.Flashpoint, else the
// feed's title, else the file name). src is a local path, or an http(s) URL
// fetched with Options.HTTPClient; without a client URLs are refused with
// ErrRemoteDisabled. Each item becomes a feed: link → url, title,
// published (else updated) → seendate, description (else content) as
// text, image from the item image, an image enclosure, media:content or
// media:thumbnail, or itunes:image; domain from the link; language from the
// feed.
func FromFeed(ctx context.Context, src, flashpointName string, opts Options) (*Result, error) {
	if flashpointName != "" {
		opts.Flashpoint = flashpointName
	}
	opts.Format = FormatFeed
	if !strings.Contains(src, "://") {
		return Load(ctx, src, opts)
	}
	res := &Result{Summary: Summary{File: src}}
	opts, err := opts.withDefaults()
	if err != nil {
		return res, err
	}
	u, err := url.Parse(src)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return res, fmt.Errorf("fetching %s: %w: want an http(s) URL or a file path", src, ErrInput)
	}
	if opts.HTTPClient == nil {
		return res, fmt.Errorf("fetching %s: %w: %w", src, ErrInput, ErrRemoteDisabled)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, src, nil)
	if err != nil {
		return res, fmt.Errorf("fetching %s: %w: %w", src, ErrInput, err)
	}
	req.Header.Set("User-Agent", opts.UserAgent)
	req.Header.Set("Accept", "application/rss+xml, application/atom+xml, application/feed+json, application/xml;q=0.9, text/xml;q=0.9, */*;q=0.1")
	resp, err := opts.HTTPClient.Do(req)
	if err != nil {
		if ctx.Err() != nil {
			return res, fmt.Errorf("fetching %s: %w", src, ctx.Err())
		}
		return res, fmt.Errorf("fetching %s: %w: %w", src, ErrInput, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return res, fmt.Errorf("fetching %s: %w: HTTP %s", src, ErrInput, resp.Status)
	}
	if resp.ContentLength > opts.MaxFeedBytes {
		return res, fmt.Errorf("fetching %s: %w", src, feedTooLarge(opts.MaxFeedBytes))
	}
	body := &feedCap{r: resp.Body, left: opts.MaxFeedBytes, max: opts.MaxFeedBytes}
	res, err = Read(ctx, body, src, FormatFeed, opts)
	if body.err != nil {
		return res, fmt.Errorf("fetching %s: %w", src, body.err)
	}
	return res, err
}

func feedTooLarge(max int64) error {
	return fmt.Errorf("%w: the feed is larger than %d bytes after decompression (Options.MaxFeedBytes)", ErrInput, max)
}

// feedCap fails the read of a fetched feed past max bytes, and remembers
// why, so the caller reports the cap rather than the parse error it causes.
type feedCap struct {
	r         io.Reader
	left, max int64
	err       error
}

func (c *feedCap) Read(p []byte) (int, error) {
	if c.err != nil {
		return 0, c.err
	}
	if c.left <= 0 {
		var one [1]byte
		if n, err := c.r.Read(one[:]); n == 0 {
			return 0, err
		}
		c.err = feedTooLarge(c.max)
		return 0, c.err
	}
	if int64(len(p)) > c.left {
		p = p[:c.left]
	}
	n, err := c.r.Read(p)
	c.left -= int64(n)
	return n, err
}

// parseFeed runs gofeed, turning a panic in it into an error wrapping a
// *panics.Error, the stack in its message: it is foreign code parsing
// hostile input.
func parseFeed(rd io.Reader) (f *gofeed.Feed, err error) {
	defer func() {
		if p := recover(); p != nil {
			pe := panics.New(p)
			f, err = nil, fmt.Errorf("feed parser %w\n%s", pe, pe.Stack)
		}
	}()
	return gofeed.NewParser().Parse(rd)
}

// maxItemHTML bounds the HTML turned into a description per item: the
// description keeps MaxTextRunes, so more markup than this is never needed.
const maxItemHTML = 64 << 10

// readFeed reads an RSS/Atom/JSON feed; its items are flat feed records of
// one flashpoint.
func (r *run) readFeed(rd io.Reader) error {
	feed, err := parseFeed(rd)
	if r.src.err != nil {
		return r.src.err
	}
	if err != nil {
		if errors.Is(err, gofeed.ErrFeedTypeNotDetected) {
			return fmt.Errorf("%w: not an RSS, Atom or JSON feed", ErrInput)
		}
		return fmt.Errorf("%w: parsing the feed: %w", ErrInput, err)
	}
	if r.opts.Flashpoint == "" {
		if t, _ := cleanLine(htmlText(feed.Title), MaxTitleRunes); t != "" {
			r.defTitle = t
		}
	}
	var base *url.URL
	if u, err := url.Parse(strings.TrimSpace(feed.Link)); err == nil && u.IsAbs() {
		base = u
	}
	lang := feed.Language
	for i, it := range feed.Items {
		if err := r.check(); err != nil {
			return err
		}
		r.sum.NumRecords++
		if it == nil {
			continue
		}
		in := itemFeed(it, base)
		in.language = lang
		if err := r.flatFeed(where{record: i + 1}, in, nil); err != nil {
			return err
		}
		feed.Items[i] = nil // done with it
	}
	return nil
}

func itemFeed(it *gofeed.Item, base *url.URL) *feedIn {
	in := &feedIn{
		title:    htmlText(it.Title),
		seenTime: it.PublishedParsed,
		baseURL:  base,
	}
	if in.seenTime == nil {
		in.seenTime = it.UpdatedParsed
	}
	if in.seenTime == nil {
		in.seenDate = it.Published
		if in.seenDate == "" {
			in.seenDate = it.Updated
		}
	}
	link := strings.TrimSpace(it.Link)
	if link == "" && len(it.Links) > 0 {
		link = strings.TrimSpace(it.Links[0])
	}
	if link == "" && (strings.HasPrefix(it.GUID, "http://") || strings.HasPrefix(it.GUID, "https://")) {
		link = strings.TrimSpace(it.GUID)
	}
	if base != nil && link != "" {
		if ref, err := url.Parse(link); err == nil && !ref.IsAbs() {
			link = base.ResolveReference(ref).String()
		}
	}
	in.url = link
	if item, err := url.Parse(link); err == nil && item.IsAbs() {
		in.baseURL = item
	}
	desc := it.Description
	if strings.TrimSpace(desc) == "" {
		desc = it.Content
	}
	if len(desc) > maxItemHTML {
		desc = desc[:maxItemHTML]
	}
	in.description = htmlText(desc)
	in.image = itemImage(it)
	return in
}

// itemImage picks an item's image: gofeed's pick (RSS: itunes:image,
// media:content, image enclosure, first <img>), else an image enclosure
// (Atom rel=enclosure links), media:content or media:thumbnail (Atom
// feeds from news sites carry these), else itunes:image.
func itemImage(it *gofeed.Item) string {
	if it.Image != nil && strings.TrimSpace(it.Image.URL) != "" {
		return it.Image.URL
	}
	for _, e := range it.Enclosures {
		if e != nil && strings.HasPrefix(e.Type, "image/") && e.URL != "" {
			return e.URL
		}
	}
	if media, ok := it.Extensions["media"]; ok {
		for _, c := range media["content"] {
			if (strings.HasPrefix(c.Attrs["type"], "image/") || c.Attrs["medium"] == "image") && c.Attrs["url"] != "" {
				return c.Attrs["url"]
			}
		}
		for _, t := range media["thumbnail"] {
			if t.Attrs["url"] != "" {
				return t.Attrs["url"]
			}
		}
		for _, g := range media["group"] {
			for _, c := range g.Children["content"] {
				if (strings.HasPrefix(c.Attrs["type"], "image/") || c.Attrs["medium"] == "image") && c.Attrs["url"] != "" {
					return c.Attrs["url"]
				}
			}
		}
	}
	if it.ITunesExt != nil && it.ITunesExt.Image != "" {
		return it.ITunesExt.Image
	}
	return ""
}

// htmlText returns the text of an HTML fragment: tags dropped, entities
// decoded, script and style skipped, block ends turned into newlines.
// Plain text passes through unchanged.
func htmlText(s string) string {
	if !strings.ContainsAny(s, "<&") {
		return s
	}
	z := html.NewTokenizer(strings.NewReader(s))
	var b strings.Builder
	skip := 0
	for {
		tt := z.Next()
		switch tt {
		case html.ErrorToken:
			return b.String()
		case html.TextToken:
			if skip == 0 {
				b.Write(z.Text())
			}
		case html.StartTagToken, html.EndTagToken, html.SelfClosingTagToken:
			name, _ := z.TagName()
			switch string(name) {
			case "script", "style":
				if tt == html.StartTagToken {
					skip++
				} else if tt == html.EndTagToken && skip > 0 {
					skip--
				}
			case "br", "p", "div", "li", "h1", "h2", "h3", "h4", "h5", "h6", "tr", "blockquote":
				b.WriteByte('\n')
			case "td", "th", "img":
				b.WriteByte(' ')
			}
		}
	}
}
