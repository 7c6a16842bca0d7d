package input

import (
	"errors"
	"strconv"
	"strings"
	"unicode/utf8"
)

// ErrInput marks errors that are the input's fault: a missing or unreadable
// file, a format that cannot be told, input over the size limit, invalid
// Options, or input without a single valid feed. The CLI maps it to exit
// code 2. Errors wrap it together with the cause, so errors.Is also finds
// fs.ErrNotExist and the like.
var ErrInput = errors.New("bad input")

// ErrRemoteDisabled is returned (wrapped, with ErrInput) when a feed URL is
// given but Options.HTTPClient is nil: this package fetches nothing unless
// the caller hands it a client, normally the SSRF-guarded one.
var ErrRemoteDisabled = errors.New("fetching remote feeds is disabled (no Options.HTTPClient)")

// ProblemKind says what happened to the record or feed a Problem is about.
type ProblemKind string

// Problem kinds.
const (
	// ProblemInvalid: the record or feed was skipped. A feed whose
	// flashpoint is known is also listed in Result.Invalid / Item.Invalid.
	ProblemInvalid ProblemKind = "invalid"
	// ProblemDuplicate: the feed was skipped because an earlier feed of the
	// same flashpoint has the same normalised URL; it is listed in
	// Result.Duplicates / Item.Duplicates.
	ProblemDuplicate ProblemKind = "duplicate"
	// ProblemWarning: the record was kept, but a value in it was dropped
	// or cut.
	ProblemWarning ProblemKind = "warning"
)

// Problem is one thing wrong with the input, with where it is. It is an
// error whose message reads like a compiler's:
//
//	flashpoints.jsonl:12: feed 3: url "ftp://x": want an absolute http(s) URL
type Problem struct {
	Kind ProblemKind `json:"kind"`
	// File is the path or name the input was read under.
	File string `json:"file"`
	// Line is the 1-based line the record starts on (JSONL, CSV); 0 where
	// lines are not tracked (JSON documents, RSS/Atom).
	Line int `json:"line,omitempty"`
	// Record is the 1-based ordinal of the record in the file: the JSON
	// array element, the JSONL line or CSV row among non-blank ones, the
	// feed item. 0 for problems with the file as a whole.
	Record int `json:"record,omitempty"`
	// Feed is the 1-based position of the feed within its flashpoint
	// record's "feeds" array; 0 when the problem is with the record itself.
	Feed int `json:"feed,omitempty"`
	// Field is the field at fault ("url", "entities[2]"), or "".
	Field string `json:"field,omitempty"`
	// Value is the offending value (cut for the message), or "".
	Value string `json:"value,omitempty"`
	// Reason says what was expected or what was done.
	Reason string `json:"reason"`
}

// Error formats the problem as FILE[:LINE]: [record N: ][feed N: ][FIELD ["VALUE"]: ]REASON.
func (p Problem) Error() string {
	var b strings.Builder
	if p.File == "" {
		b.WriteString("input")
	} else {
		b.WriteString(p.File)
	}
	if p.Line > 0 {
		b.WriteByte(':')
		b.WriteString(strconv.Itoa(p.Line))
	}
	b.WriteString(": ")
	if p.Line == 0 && p.Record > 0 {
		b.WriteString("record ")
		b.WriteString(strconv.Itoa(p.Record))
		b.WriteString(": ")
	}
	if p.Feed > 0 {
		b.WriteString("feed ")
		b.WriteString(strconv.Itoa(p.Feed))
		b.WriteString(": ")
	}
	if p.Field != "" {
		b.WriteString(p.Field)
		if p.Value != "" {
			b.WriteByte(' ')
			b.WriteString(quoteShort(p.Value))
		}
		b.WriteString(": ")
	}
	b.WriteString(p.Reason)
	return b.String()
}

// quoteShort quotes s for a message, cut to 160 runes: hostile values can
// be megabytes long.
func quoteShort(s string) string {
	const max = 160
	if utf8.RuneCountInString(s) <= max {
		return strconv.Quote(s)
	}
	n := 0
	for i := range s {
		if n == max {
			return strconv.Quote(s[:i]) + "…"
		}
		n++
	}
	return strconv.Quote(s)
}

// where locates a record or feed in the input.
type where struct {
	line, record, feed int
}

func (w where) String() string {
	var b strings.Builder
	if w.line > 0 {
		b.WriteString("line ")
		b.WriteString(strconv.Itoa(w.line))
	} else {
		b.WriteString("record ")
		b.WriteString(strconv.Itoa(w.record))
	}
	if w.feed > 0 {
		b.WriteString(" feed ")
		b.WriteString(strconv.Itoa(w.feed))
	}
	return b.String()
}
