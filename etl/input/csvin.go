package input

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"sort"
	"strings"
)

// csvColumns are the columns read from a CSV header (lowercased); others
// are ignored with one warning.
var csvColumns = map[string]bool{
	"url": true, "title": true, "seendate": true, "domain": true, "language": true,
	"sourcecountry": true, "description": true, "image": true,
	"flashpoint_id": true, "flashpoint_title": true, "id": true,
}

// csvRecord parses CSV records one physical line at a time, so a quoted
// field may span lines while line numbers stay exact and a bad record never
// costs more than its own lines. It follows RFC 4180 and is lenient in one
// way: a quote inside an unquoted field is kept as text.
type csvRecord struct {
	delim   byte
	fields  []string
	cur     []byte
	quoted  bool // inside a quoted field
	start   bool // at the start of a field
	closed  bool // just after a quoted field's closing quote
	discard bool // over the size limit: parse on, keep nothing
	bad     string
}

func (c *csvRecord) reset() {
	c.fields, c.cur = c.fields[:0], c.cur[:0]
	c.quoted, c.closed, c.discard, c.bad = false, false, false, ""
	c.start = true
}

// feed parses one line and reports whether the record is complete.
func (c *csvRecord) feed(line []byte) bool {
	for i := 0; i < len(line); i++ {
		ch := line[i]
		if c.quoted {
			if ch == '"' {
				if i+1 < len(line) && line[i+1] == '"' {
					c.put('"')
					i++
					continue
				}
				c.quoted, c.closed = false, true
				continue
			}
			c.put(ch)
			continue
		}
		switch {
		case ch == c.delim:
			c.endField()
		case c.closed:
			if ch != ' ' && ch != '\t' && c.bad == "" {
				c.bad = fmt.Sprintf("text after the closing quote of field %d", len(c.fields)+1)
			}
		case ch == '"' && c.start:
			c.quoted, c.start = true, false
		default:
			c.start = false
			c.put(ch)
		}
	}
	if c.quoted {
		c.put('\n')
		return false
	}
	c.endField()
	return true
}

func (c *csvRecord) put(ch byte) {
	if !c.discard {
		c.cur = append(c.cur, ch)
	}
}

func (c *csvRecord) endField() {
	c.fields = append(c.fields, string(c.cur))
	c.cur = c.cur[:0]
	c.start, c.closed = true, false
}

// csvHeader parses a header line, trying comma, tab and semicolon, and
// returns the lowercased column names and the delimiter of the first that
// has a url column.
func csvHeader(line string) ([]string, byte, bool) {
	line = strings.TrimPrefix(line, "\uFEFF")
	var first []string
	for _, d := range []byte{',', '\t', ';'} {
		c := csvRecord{delim: d}
		c.reset()
		c.feed([]byte(line))
		names := make([]string, len(c.fields))
		for i, f := range c.fields {
			names[i] = strings.ToLower(strings.TrimSpace(f))
		}
		if first == nil {
			first = names
		}
		for _, n := range names {
			if n == "url" {
				return names, d, true
			}
		}
	}
	return first, ',', false
}

// readCSV reads GDELT-shaped rows under a header; bad rows are reported
// and skipped.
func (r *run) readCSV(lr *lineReader) error {
	h, err := r.readCSVHeader(lr)
	if err != nil || h == nil {
		return err
	}
	rec := csvRecord{delim: h.delim}
	rec.reset()
	open, start, size := false, 0, 0
	for {
		if err := r.check(); err != nil {
			return err
		}
		line, tooLong, err := lr.next()
		if errors.Is(err, io.EOF) {
			if open {
				r.sum.NumRecords++
				r.invalidRecord(where{line: start, record: r.sum.NumRecords}, "", "",
					fmt.Sprintf("quoted field not closed before the end of the input (lines %d–%d)", start, lr.line))
			}
			return nil
		}
		if err != nil {
			return err
		}
		if !open {
			if !tooLong && len(bytes.TrimSpace(line)) == 0 {
				continue
			}
			rec.reset()
			start, size = lr.line, 0
		}
		size += len(line) + 1
		if tooLong || size > r.opts.MaxLineBytes {
			rec.discard = true
		}
		if tooLong {
			// The line's content is gone; assume it closed its record.
			line = nil
			rec.quoted = false
		}
		if !rec.feed(line) {
			open = true
			continue
		}
		open = false
		r.sum.NumRecords++
		at := where{line: start, record: r.sum.NumRecords}
		switch {
		case rec.discard:
			r.invalidRecord(at, "", "", fmt.Sprintf("record longer than %d bytes (Options.MaxLineBytes); skipped", r.opts.MaxLineBytes))
			continue
		case rec.bad != "":
			r.invalidRecord(at, "", "", "malformed CSV: "+rec.bad)
			continue
		case blankRow(rec.fields):
			r.sum.NumRecords--
			continue
		case len(rec.fields) != len(h.cols):
			r.invalidRecord(at, "", "", fmt.Sprintf("%d fields, want %d as in the header", len(rec.fields), len(h.cols)))
			continue
		}
		in := h.feed(rec.fields)
		if err := r.flatFeed(at, &in, nil); err != nil {
			return err
		}
	}
}

// csvHead is a CSV header: its columns, its delimiter and where each known
// column is.
type csvHead struct {
	cols  []string
	delim byte
	idx   map[string]int
}

// readCSVHeader reads up to the header line and checks it: a url and a
// title column are required, repeated and unknown columns are reported.
// It returns nil, nil for an input with no line but blank ones.
func (r *run) readCSVHeader(lr *lineReader) (*csvHead, error) {
	h := &csvHead{idx: map[string]int{}}
	for h.cols == nil {
		line, tooLong, err := lr.next()
		if errors.Is(err, io.EOF) {
			return nil, nil // "no records"
		}
		if err != nil {
			return nil, err
		}
		if tooLong {
			return nil, fmt.Errorf("%w: header line %d longer than %d bytes (Options.MaxLineBytes)", ErrInput, lr.line, r.opts.MaxLineBytes)
		}
		if len(bytes.TrimSpace(line)) == 0 {
			continue
		}
		var ok bool
		if h.cols, h.delim, ok = csvHeader(string(line)); !ok {
			return nil, fmt.Errorf("%w: CSV header at line %d has no \"url\" column; have %s", ErrInput, lr.line, quoteShort(strings.Join(h.cols, ",")))
		}
	}
	var unknown []string
	for i, name := range h.cols {
		if !csvColumns[name] {
			if name != "" {
				unknown = append(unknown, name)
			}
			continue
		}
		if _, dup := h.idx[name]; dup {
			r.report(ProblemWarning, where{line: lr.line}, name, "", "column repeated in the header; the first is used")
			continue
		}
		h.idx[name] = i
	}
	if _, ok := h.idx["title"]; !ok {
		return nil, fmt.Errorf("%w: CSV header at line %d has no \"title\" column; have %s", ErrInput, lr.line, quoteShort(strings.Join(h.cols, ",")))
	}
	if len(unknown) > 0 {
		sort.Strings(unknown)
		r.report(ProblemWarning, where{line: lr.line}, "", "", "columns ignored: "+strings.Join(unknown, ", "))
	}
	return h, nil
}

// feed reads a record's fields by the header's columns.
func (h *csvHead) feed(f []string) feedIn {
	get := func(name string) string {
		if i, ok := h.idx[name]; ok && i < len(f) {
			return f[i]
		}
		return ""
	}
	return feedIn{
		id:              get("id"),
		flashpointID:    strings.TrimSpace(get("flashpoint_id")),
		flashpointTitle: get("flashpoint_title"),
		url:             get("url"),
		title:           get("title"),
		seenDate:        get("seendate"),
		domain:          get("domain"),
		language:        get("language"),
		sourceCountry:   get("sourcecountry"),
		description:     get("description"),
		image:           get("image"),
	}
}

func blankRow(fields []string) bool {
	for _, f := range fields {
		if strings.TrimSpace(f) != "" {
			return false
		}
	}
	return true
}
