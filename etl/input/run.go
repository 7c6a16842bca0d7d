package input

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/masx-ai/masx/news"
)

type recordKind int

const (
	kindUnknown recordKind = iota
	kindFlashpoints
	kindFeeds
)

func (k recordKind) String() string {
	if k == kindFlashpoints {
		return "flashpoint records"
	}
	return "flat feed records"
}

// run reads one input. Flashpoint records are emitted as they are read;
// flat feed records are grouped by flashpoint and emitted by finish.
type run struct {
	ctx  context.Context
	name string
	opts Options
	src  *source
	emit func(Item) error
	sum  *Summary

	kind   recordKind
	kindAt where
	fpSeen map[string]where // IDs of flashpoint records read

	groups   map[string]*group // flat records by flashpoint ID
	order    []*group
	grouped  int
	defTitle string // title of the flashpoint of records naming none; "" until needed
}

// group is one flashpoint being assembled.
type group struct {
	item   Item
	at     where
	titled bool             // the title came from the input, not the ID
	urls   map[string]urlAt // normalised URL → first feed and count
	ids    map[string]where // explicit feed IDs in use
}

type urlAt struct {
	at where
	n  int
}

func newGroup(fp news.Flashpoint, at where) *group {
	return &group{item: Item{Flashpoint: fp}, at: at, urls: make(map[string]urlAt)}
}

func stream(ctx context.Context, rd io.Reader, name string, format Format, opts Options, fn func(Item) error) (Summary, error) {
	sum := Summary{File: name}
	src := &source{ctx: ctx, r: rd, left: opts.MaxBytes, max: opts.MaxBytes}
	br := bufio.NewReaderSize(src, peekBytes)
	r := &run{ctx: ctx, name: name, opts: opts, src: src, emit: fn, sum: &sum, fpSeen: make(map[string]where)}
	format, lines, err := prepare(br, name, format)
	if err != nil {
		return sum, r.fail(err)
	}
	sum.Format = format
	switch format {
	case FormatJSONL:
		err = r.readJSONL(&lineReader{br: br, max: opts.MaxLineBytes, line: lines})
	case FormatJSON:
		err = r.readJSONDoc(br)
	case FormatCSV:
		err = r.readCSV(&lineReader{br: br, max: opts.MaxLineBytes, line: lines})
	case FormatFeed:
		err = r.readFeed(br)
	}
	if err == nil {
		err = r.finish()
	}
	if err != nil {
		return sum, r.fail(err)
	}
	return sum, nil
}

// fail wraps a reading error with the input's name. Why the source stopped
// (size limit, cancellation) beats what a parser made of it.
func (r *run) fail(err error) error {
	var cb callbackError
	if errors.As(err, &cb) {
		return cb.err
	}
	if r.src.err != nil {
		err = r.src.err
	}
	if cerr := r.ctx.Err(); cerr != nil {
		// Whatever broke after cancellation broke because of it.
		return fmt.Errorf("reading %s: %w", r.name, cerr)
	}
	if errors.Is(err, ErrInput) || errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return fmt.Errorf("reading %s: %w", r.name, err)
	}
	return fmt.Errorf("reading %s: %w: %w", r.name, ErrInput, err)
}

// callbackError carries the caller's error through the readers unchanged.
type callbackError struct{ err error }

func (e callbackError) Error() string { return e.err.Error() }

// check is called per record: it stops the run when ctx ends.
func (r *run) check() error { return r.ctx.Err() }

func (r *run) report(kind ProblemKind, at where, field, value, reason string) Problem {
	if len(value) > 256 {
		value, _ = cutRunes(value, 256)
	}
	p := Problem{Kind: kind, File: r.name, Line: at.line, Record: at.record, Feed: at.feed,
		Field: field, Value: value, Reason: reason}
	if kind == ProblemWarning {
		r.sum.NumWarnings++
	}
	if len(r.sum.Problems) < r.opts.MaxProblems {
		r.sum.Problems = append(r.sum.Problems, p)
	} else {
		r.sum.ProblemsOmitted++
	}
	return p
}

// invalidRecord reports a record skipped whole.
func (r *run) invalidRecord(at where, field, value, reason string) {
	r.sum.NumInvalidRecords++
	r.report(ProblemInvalid, at, field, value, reason)
}

// setKind settles whether the input holds flashpoint or flat feed records;
// a record of the other kind is skipped.
func (r *run) setKind(k recordKind, at where) bool {
	if r.kind == kindUnknown {
		r.kind, r.kindAt = k, at
		return true
	}
	if r.kind == k {
		return true
	}
	what := "a flashpoint record"
	if k == kindFeeds {
		what = "a flat feed record"
	}
	r.invalidRecord(at, "", "", fmt.Sprintf("%s, but the input holds %s (first at %s)", what, r.kind, r.kindAt))
	return false
}

// addFeed validates a feed and files it under g: kept, duplicate or
// invalid. typeBad, when set, is a type error found while decoding.
func (r *run) addFeed(g *group, in *feedIn, at where, typeBad *issue) {
	fpID := g.item.Flashpoint.ID
	f, key, warns, bad := cleanFeed(in)
	f.FlashpointID = fpID
	if typeBad != nil {
		bad = typeBad
	}
	if bad == nil && f.ID != "" {
		if prev, ok := g.ids[f.ID]; ok {
			bad = &issue{kind: ProblemInvalid, field: "id", value: f.ID, reason: "already used by the feed at " + prev.String()}
		}
	}
	if bad == nil && in.flashpointID != "" && in.flashpointID != fpID && at.feed > 0 {
		warns = append(warns, issue{kind: ProblemWarning, field: "flashpoint_id", value: in.flashpointID,
			reason: "differs from the enclosing flashpoint's id; using " + strconv.Quote(fpID)})
	}
	if bad != nil {
		p := r.report(bad.kind, at, bad.field, bad.value, bad.reason)
		if f.ID == "" || bad.field == "id" {
			f.ID = FeedID(fpID, "\x00invalid\x00"+at.String()+"\x00"+f.URL)
		}
		g.item.Invalid = append(g.item.Invalid, Dropped{Feed: f, Problem: p})
		r.sum.NumInvalid++
		return
	}
	for _, w := range warns {
		r.report(w.kind, at, w.field, w.value, w.reason)
	}
	if first, ok := g.urls[key]; ok {
		first.n++
		g.urls[key] = first
		of := "the feed at " + first.at.String()
		if first.at.line == at.line && first.at.record == at.record && first.at.feed > 0 {
			of = "feed " + strconv.Itoa(first.at.feed) // same record
		}
		p := r.report(ProblemDuplicate, at, "url", f.URL, "duplicate of "+of)
		if f.ID == "" {
			f.ID = FeedID(fpID, key+"\x00duplicate\x00"+strconv.Itoa(first.n))
		}
		g.item.Duplicates = append(g.item.Duplicates, Dropped{Feed: f, Problem: p})
		r.sum.NumDuplicates++
		return
	}
	g.urls[key] = urlAt{at: at, n: 1}
	if f.ID == "" {
		f.ID = FeedID(fpID, key)
	} else {
		if g.ids == nil {
			g.ids = make(map[string]where)
		}
		g.ids[f.ID] = at
	}
	g.item.Flashpoint.Feeds = append(g.item.Flashpoint.Feeds, f)
}

// emitItem hands a finished flashpoint to the caller.
func (r *run) emitItem(g *group) error {
	storageKeys(&g.item)
	it := g.item
	r.sum.NumFlashpoints++
	r.sum.NumFeeds += len(it.Flashpoint.Feeds)
	if len(it.Flashpoint.Feeds) == 0 {
		r.report(ProblemWarning, g.at, "", "", fmt.Sprintf("flashpoint %q has no valid feeds", it.Flashpoint.ID))
	}
	if err := r.emit(it); err != nil {
		return callbackError{fmt.Errorf("handling flashpoint %s from %s: %w", it.Flashpoint.ID, r.name, err)}
	}
	return nil
}

// flatFeed files a flat feed record (CSV row, flat JSON record, feed
// item) under the flashpoint it names, or the default one.
func (r *run) flatFeed(at where, in *feedIn, typeBad *issue) error {
	if !r.setKind(kindFeeds, at) {
		return nil
	}
	var id, title string
	titled := false
	if in.flashpointTitle != "" {
		title, _ = cleanLine(in.flashpointTitle, MaxTitleRunes)
		titled = title != ""
	}
	switch {
	case in.flashpointID != "":
		var reason string
		if id, reason = cleanID(in.flashpointID); reason != "" {
			r.invalidRecord(at, "flashpoint_id", in.flashpointID, reason)
			return nil
		}
		if !titled {
			title = id
		}
	case titled:
		id = FlashpointID(title)
	default:
		if r.defTitle == "" {
			r.defTitle = r.opts.Flashpoint
			if r.defTitle == "" {
				r.defTitle = defaultTitle(r.name)
			}
		}
		title, titled = r.defTitle, true
		id = FlashpointID(title)
	}
	g := r.groups[id]
	if g == nil {
		if r.groups == nil {
			r.groups = make(map[string]*group)
		}
		g = newGroup(news.Flashpoint{ID: id, Title: title}, at)
		g.titled = titled
		r.groups[id] = g
		r.order = append(r.order, g)
	} else if titled && !g.titled {
		g.item.Flashpoint.Title, g.titled = title, true
	}
	r.grouped++
	if r.grouped > r.opts.MaxGroupedFeeds {
		return fmt.Errorf("%w: more than %d flat feed records to group by flashpoint (Options.MaxGroupedFeeds); "+
			"raise the limit, split the file, or give flashpoint records (JSONL) instead", ErrInput, r.opts.MaxGroupedFeeds)
	}
	r.addFeed(g, in, at, typeBad)
	return nil
}

// finish emits the grouped flashpoints and fails when the input held no
// valid feed at all.
func (r *run) finish() error {
	for i, g := range r.order {
		if err := r.check(); err != nil {
			return err
		}
		r.order[i] = nil // let the caller's copy be the only one
		if err := r.emitItem(g); err != nil {
			return err
		}
	}
	r.order, r.groups = nil, nil
	switch {
	case r.sum.NumRecords == 0:
		return fmt.Errorf("%w: no records", ErrInput)
	case r.sum.NumFeeds == 0:
		msg := fmt.Sprintf("no valid feeds in %d records", r.sum.NumRecords)
		for _, p := range r.sum.Problems {
			if p.Kind != ProblemWarning {
				msg += "; first problem: " + p.Error()
				break
			}
		}
		return fmt.Errorf("%w: %s", ErrInput, msg)
	}
	return nil
}

// storageKeys gives every dropped feed of it a URL the store can keep as
// its key. Stores key articles by run, flashpoint and URL and refuse NUL
// bytes and invalid UTF-8, so a dropped feed stored under its raw URL could
// fail the whole flashpoint's write (one NUL byte did), or overwrite the
// row of another feed with the same URL (an exact duplicate did). Unstorable
// bytes are percent-escaped, an empty URL becomes "(no url)", and a URL
// already taken by another feed of the flashpoint gets the dropped feed's
// position appended, so every input record is stored once, under its own
// row, and a rerun of the same input finds the same keys. Valid feeds keep
// their URLs: they are fetched by them.
func storageKeys(it *Item) {
	used := make(map[string]bool, len(it.Flashpoint.Feeds)+len(it.Duplicates)+len(it.Invalid))
	for _, f := range it.Flashpoint.Feeds {
		used[f.URL] = true
	}
	fix := func(ds []Dropped) {
		for i := range ds {
			d := &ds[i]
			k := escapeUnstorable(d.Feed.URL)
			if k == "" {
				k = "(no url)"
			}
			if used[k] {
				at := where{line: d.Problem.Line, record: d.Problem.Record, feed: d.Problem.Feed}
				k += " (" + at.String() + ")"
			}
			base := k
			for n := 2; used[k]; n++ {
				k = base + " #" + strconv.Itoa(n)
			}
			used[k] = true
			d.Feed.URL = k
		}
	}
	fix(it.Duplicates)
	fix(it.Invalid)
}

// escapeUnstorable percent-escapes control characters and the bytes of
// invalid UTF-8 in s; other text is kept as it is.
func escapeUnstorable(s string) string {
	clean := true
	for _, c := range s {
		if c == utf8.RuneError || c < 0x20 || c == 0x7f {
			clean = false
			break
		}
	}
	if clean {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); {
		c, n := utf8.DecodeRuneInString(s[i:])
		if (c == utf8.RuneError && n <= 1) || c < 0x20 || c == 0x7f {
			fmt.Fprintf(&b, "%%%02X", s[i])
			i++
			continue
		}
		b.WriteString(s[i : i+n])
		i += n
	}
	return b.String()
}
