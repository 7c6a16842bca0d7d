package input

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"strings"
)

const peekBytes = 64 << 10 // what format sniffing looks at

// source is the input reader: it stops at ctx's end and past max bytes,
// and remembers why, because parsers (the XML one especially) do not always
// pass reader errors through unchanged.
type source struct {
	ctx  context.Context
	r    io.Reader
	left int64
	max  int64
	err  error
}

func (s *source) Read(p []byte) (int, error) {
	if s.err != nil {
		return 0, s.err
	}
	if err := s.ctx.Err(); err != nil {
		s.err = err
		return 0, err
	}
	if s.left <= 0 {
		// At the limit: one more byte means the input is too large.
		var one [1]byte
		n, err := s.r.Read(one[:])
		if n > 0 {
			s.err = fmt.Errorf("%w: larger than %d bytes (Options.MaxBytes)", ErrInput, s.max)
			return 0, s.err
		}
		return 0, err
	}
	if int64(len(p)) > s.left {
		p = p[:s.left]
	}
	n, err := s.r.Read(p)
	s.left -= int64(n)
	return n, err
}

// lineReader returns lines without their terminator (LF or CRLF), counting
// them, and skips the content of lines over max bytes instead of holding
// them.
type lineReader struct {
	br   *bufio.Reader
	max  int
	line int // number of the line last returned
	buf  []byte
}

// next returns the next line; tooLong reports that it was over max and its
// content is gone. The line is valid until the next call.
func (l *lineReader) next() (line []byte, tooLong bool, err error) {
	l.buf = l.buf[:0]
	for {
		chunk, err := l.br.ReadSlice('\n')
		if !tooLong {
			if len(l.buf)+len(chunk) > l.max+2 { // +2: the terminator does not count
				tooLong = true
				l.buf = l.buf[:0]
			} else {
				l.buf = append(l.buf, chunk...)
			}
		}
		switch {
		case err == nil:
			l.line++
			return trimEOL(l.buf), tooLong, nil
		case errors.Is(err, bufio.ErrBufferFull):
			continue
		case errors.Is(err, io.EOF):
			if len(l.buf) == 0 && !tooLong {
				return nil, false, io.EOF
			}
			l.line++
			return trimEOL(l.buf), tooLong, nil
		default:
			return nil, false, err
		}
	}
}

func trimEOL(b []byte) []byte {
	b = bytes.TrimSuffix(b, []byte{'\n'})
	return bytes.TrimSuffix(b, []byte{'\r'})
}

// formatByName maps a file extension to a format; FormatJSON stands for the
// JSON family, where content decides between a document and JSONL.
func formatByName(name string) Format {
	switch strings.ToLower(filepath.Ext(name)) {
	case ".json", ".jsonl", ".ndjson":
		return FormatJSON
	case ".csv":
		return FormatCSV
	case ".xml", ".rss", ".atom":
		return FormatFeed
	}
	return FormatAuto
}

// prepare skips a UTF-8 BOM and leading whitespace (counting the newlines
// in it) and settles the format: a forced one is kept (JSONL and JSON
// included), FormatJSON from an extension is refined by line structure,
// FormatAuto is sniffed.
func prepare(br *bufio.Reader, name string, format Format) (Format, int, error) {
	head, _ := br.Peek(3)
	switch {
	case bytes.HasPrefix(head, []byte{0xEF, 0xBB, 0xBF}):
		br.Discard(3)
	case bytes.HasPrefix(head, []byte{0xFF, 0xFE}), bytes.HasPrefix(head, []byte{0xFE, 0xFF}):
		if format != FormatFeed { // the XML parser reads declared encodings
			return "", 0, fmt.Errorf("%w: UTF-16 text; convert it to UTF-8", ErrInput)
		}
		return format, 0, nil
	}
	if format == FormatFeed {
		return format, 0, nil
	}
	lines := 0
	for {
		c, err := br.ReadByte()
		if err != nil {
			if errors.Is(err, io.EOF) {
				if format == FormatAuto {
					format = FormatJSON // empty: any reader reports "no records"
				}
				return format, lines, nil
			}
			return "", 0, err
		}
		if c == '\n' {
			lines++
		}
		if c != ' ' && c != '\t' && c != '\r' && c != '\n' {
			br.UnreadByte()
			break
		}
	}
	forced := format
	if forced == FormatAuto {
		forced = formatByName(name)
	}
	switch forced {
	case FormatJSONL, FormatCSV, FormatFeed:
		return forced, lines, nil
	case FormatJSON:
		if format == FormatJSON { // forced by the caller, not the name
			return FormatJSON, lines, nil
		}
		return jsonOrJSONL(br), lines, nil
	}
	first, _ := br.Peek(1)
	switch first[0] {
	case '[':
		return FormatJSON, lines, nil
	case '{':
		return jsonOrJSONL(br), lines, nil
	case '<':
		return FormatFeed, lines, nil
	}
	buf, _ := br.Peek(peekBytes)
	if i := bytes.IndexByte(buf, '\n'); i >= 0 {
		buf = buf[:i]
	}
	if _, _, ok := csvHeader(string(trimEOL(buf))); ok {
		return FormatCSV, lines, nil
	}
	return "", 0, fmt.Errorf("%w: cannot tell the format: want a .json, .jsonl, .csv, .xml/.rss/.atom name, "+
		"or content starting with [ or { (JSON), < (RSS/Atom) or a CSV header with a url column; "+
		"starts with %s", ErrInput, quoteShort(string(buf)))
}

// jsonOrJSONL tells JSONL from one JSON document: in JSONL the first line
// is a complete value. A first line too long to peek at is read as a JSON
// document, which also accepts a stream of values.
func jsonOrJSONL(br *bufio.Reader) Format {
	buf, _ := br.Peek(peekBytes)
	if buf[0] == '[' {
		return FormatJSON
	}
	i := bytes.IndexByte(buf, '\n')
	if i < 0 {
		return FormatJSON
	}
	if json.Valid(bytes.TrimSpace(buf[:i])) {
		return FormatJSONL
	}
	return FormatJSON
}
