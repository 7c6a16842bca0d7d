package input

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/masx-ai/masx/news"
)

// jsonText is a JSON value that should be a string (or, for IDs, a
// number). It accepts any value and remembers what it was, so a wrong type
// is reported with its field's name instead of failing the whole record,
// and an unescaped string is sliced straight from the input.
type jsonText struct {
	s    string // the string, or the text of another value (cut)
	kind byte   // 0: absent or null; else the value's first byte
}

func (j *jsonText) UnmarshalJSON(b []byte) error {
	*j = jsonText{}
	switch b[0] {
	case 'n':
		return nil
	case '"':
		j.kind = '"'
		if bytes.IndexByte(b, '\\') < 0 {
			j.s = string(b[1 : len(b)-1])
			return nil
		}
		return json.Unmarshal(b, &j.s)
	}
	j.kind = b[0]
	if len(b) > 2*MaxIDBytes { // enough for cleanID to see an over-long number
		b = b[:2*MaxIDBytes]
	}
	j.s = string(b)
	return nil
}

// kindName names the JSON type of a value by its first byte.
func kindName(k byte) string {
	switch k {
	case 0:
		return "null"
	case '"':
		return "a string"
	case '{':
		return "an object"
	case '[':
		return "an array"
	case 't', 'f':
		return "a boolean"
	case 'n':
		return "null"
	}
	return "a number"
}

func jsonKind(m []byte) string {
	if len(m) == 0 {
		return "nothing"
	}
	return kindName(m[0])
}

// str returns the string; any other type is an issue.
func (j jsonText) str(field string) (string, *issue) {
	if j.kind == 0 || j.kind == '"' {
		return j.s, nil
	}
	return "", &issue{kind: ProblemInvalid, field: field, value: j.s, reason: "want a string, got " + kindName(j.kind)}
}

// id returns a string or a number's text (IDs from databases often are
// numbers); any other type is an issue.
func (j jsonText) id(field string) (string, *issue) {
	if j.kind == '-' || (j.kind >= '0' && j.kind <= '9') {
		return j.s, nil
	}
	s, bad := j.str(field)
	if bad != nil {
		bad.reason = "want a string or a number, got " + kindName(j.kind)
	}
	return s, bad
}

// jsonList is a JSON value that should be an array of strings.
type jsonList struct {
	items []jsonText
	kind  byte
	raw   string
}

func (l *jsonList) UnmarshalJSON(b []byte) error {
	*l = jsonList{}
	if b[0] == 'n' {
		return nil
	}
	l.kind = b[0]
	if b[0] != '[' {
		if len(b) > 256 {
			b = b[:256]
		}
		l.raw = string(b)
		return nil
	}
	return json.Unmarshal(b, &l.items)
}

func (l jsonList) strings(field string) ([]string, *issue) {
	if l.kind == 0 {
		return nil, nil
	}
	if l.kind != '[' {
		return nil, &issue{kind: ProblemInvalid, field: field, value: l.raw, reason: "want an array of strings, got " + kindName(l.kind)}
	}
	out := make([]string, 0, len(l.items))
	for i, it := range l.items {
		s, bad := it.str(field + "[" + strconv.Itoa(i) + "]")
		if bad != nil {
			return nil, bad
		}
		out = append(out, s)
	}
	return out, nil
}

// rawFeed is a feed's fields as read from JSON, unchecked.
type rawFeed struct {
	ID              jsonText `json:"id"`
	Title           jsonText `json:"title"`
	Description     jsonText `json:"description"`
	URL             jsonText `json:"url"`
	FlashpointID    jsonText `json:"flashpoint_id"`
	FlashpointTitle jsonText `json:"flashpoint_title"`
	SeenDate        jsonText `json:"seendate"`
	Domain          jsonText `json:"domain"`
	Language        jsonText `json:"language"`
	SourceCountry   jsonText `json:"sourcecountry"`
	Image           jsonText `json:"image"`
}

// feedElem is one element of a flashpoint's feeds array; one that is not
// an object is remembered, not fatal, so it costs only itself.
type feedElem struct {
	rawFeed
	kind byte
}

func (e *feedElem) UnmarshalJSON(b []byte) error {
	*e = feedElem{kind: b[0]}
	if b[0] != '{' {
		return nil
	}
	return json.Unmarshal(b, &e.rawFeed)
}

// rawRecord is one JSON record: the union of a flashpoint record and a
// flat feed record.
type rawRecord struct {
	rawFeed
	Entities jsonList   `json:"entities"`
	Domains  jsonList   `json:"domains"`
	Feeds    []feedElem `json:"feeds"`
}

// isFeed tells a flat feed record from a flashpoint record: feeds,
// entities or domains make a flashpoint; url or a flashpoint reference make
// a feed; anything else (say, just id and title) is a flashpoint.
func (rec *rawRecord) isFeed() bool {
	if rec.Feeds != nil || rec.Entities.kind != 0 || rec.Domains.kind != 0 {
		return false
	}
	return rec.URL.kind != 0 || rec.FlashpointID.kind != 0 || rec.FlashpointTitle.kind != 0
}

// feedIn converts a feed's JSON fields to strings; the first field of the
// wrong type is returned as an issue and the rest still filled.
func (rf *rawFeed) feedIn() (*feedIn, *issue) {
	var first *issue
	keep := func(s string, bad *issue) string {
		if bad != nil && first == nil {
			first = bad
		}
		return s
	}
	in := &feedIn{
		id:              keep(rf.ID.id("id")),
		flashpointID:    keep(rf.FlashpointID.id("flashpoint_id")),
		flashpointTitle: keep(rf.FlashpointTitle.str("flashpoint_title")),
		url:             keep(rf.URL.str("url")),
		title:           keep(rf.Title.str("title")),
		seenDate:        keep(rf.SeenDate.str("seendate")),
		domain:          keep(rf.Domain.str("domain")),
		language:        keep(rf.Language.str("language")),
		sourceCountry:   keep(rf.SourceCountry.str("sourcecountry")),
		description:     keep(rf.Description.str("description")),
		image:           keep(rf.Image.str("image")),
	}
	in.flashpointID = strings.TrimSpace(in.flashpointID)
	return in, first
}

// describeJSONError turns a decoding error into a reason.
func describeJSONError(err error) string {
	var te *json.UnmarshalTypeError
	var se *json.SyntaxError
	switch {
	case errors.As(err, &te):
		return "want a JSON object, got " + typeErrorKind(te)
	case errors.As(err, &se):
		return "not valid JSON: " + se.Error()
	case errors.Is(err, io.ErrUnexpectedEOF):
		return "not valid JSON: unexpected end of input"
	}
	return "not valid JSON: " + err.Error()
}

// record reads one JSON record.
func (r *run) record(at where, data []byte) error {
	if data[0] != '{' && json.Valid(data) {
		r.invalidRecord(at, "", "", "want a JSON object, got "+jsonKind(data))
		return nil
	}
	var rec rawRecord
	if err := json.Unmarshal(data, &rec); err != nil {
		var te *json.UnmarshalTypeError
		if errors.As(err, &te) && te.Field == "feeds" {
			r.invalidRecord(at, "feeds", "", "want an array of feed objects, got "+typeErrorKind(te))
		} else {
			r.invalidRecord(at, "", "", describeJSONError(err))
		}
		return nil
	}
	if rec.isFeed() {
		in, bad := rec.feedIn()
		return r.flatFeed(at, in, bad)
	}
	return r.flashpointRecord(at, &rec)
}

// flashpointRecord validates a flashpoint record with its feeds and emits
// it.
func (r *run) flashpointRecord(at where, rec *rawRecord) error {
	if !r.setKind(kindFlashpoints, at) {
		return nil
	}
	var fp news.Flashpoint
	var warns []issue
	var bad *issue
	keep := func(b *issue) {
		if b != nil && bad == nil {
			bad = b
		}
	}
	rawID, b := rec.ID.id("id")
	keep(b)
	title, b := rec.Title.str("title")
	keep(b)
	desc, b := rec.Description.str("description")
	keep(b)
	entities, b := rec.Entities.strings("entities")
	keep(b)
	domains, b := rec.Domains.strings("domains")
	keep(b)
	if bad == nil {
		var cut bool
		if fp.Title, cut = cleanLine(title, MaxTitleRunes); fp.Title == "" {
			bad = &issue{field: "title", reason: "missing"}
		} else if cut {
			warns = append(warns, issue{kind: ProblemWarning, field: "title", reason: "longer than " + strconv.Itoa(MaxTitleRunes) + " characters; cut"})
		}
	}
	if bad == nil {
		if strings.TrimSpace(rawID) == "" {
			fp.ID = FlashpointID(fp.Title)
		} else if id, reason := cleanID(rawID); reason != "" {
			bad = &issue{field: "id", value: rawID, reason: reason}
		} else {
			fp.ID = id
		}
	}
	if bad == nil {
		if prev, ok := r.fpSeen[fp.ID]; ok {
			bad = &issue{field: "id", value: fp.ID, reason: "flashpoint already read at " + prev.String() + "; merge the two records"}
		}
	}
	if bad != nil {
		r.invalidRecord(at, bad.field, bad.value, bad.reason)
		return nil
	}
	r.fpSeen[fp.ID] = at
	var cut bool
	if fp.Description, cut = cleanText(desc, MaxTextRunes); cut {
		warns = append(warns, issue{kind: ProblemWarning, field: "description", reason: "longer than " + strconv.Itoa(MaxTextRunes) + " characters; cut"})
	}
	var w []issue
	fp.Entities, w = cleanList("entities", entities)
	warns = append(warns, w...)
	fp.Domains, w = cleanList("domains", domains)
	warns = append(warns, w...)
	for _, w := range warns {
		r.report(ProblemWarning, at, w.field, w.value, w.reason)
	}

	g := newGroup(fp, at)
	if err := r.recordFeeds(g, at, rec); err != nil {
		return err
	}
	return r.emitItem(g)
}

// recordFeeds adds the feeds of a flashpoint record to its group, each
// checked, a non-object reported invalid.
func (r *run) recordFeeds(g *group, at where, rec *rawRecord) error {
	if len(rec.Feeds) > 0 {
		g.item.Flashpoint.Feeds = make([]news.Feed, 0, len(rec.Feeds))
	}
	for i := range rec.Feeds {
		if i%256 == 0 {
			if err := r.check(); err != nil {
				return err
			}
		}
		e := &rec.Feeds[i]
		fat := at
		fat.feed = i + 1
		if e.kind != '{' {
			r.addFeed(g, &feedIn{}, fat, &issue{kind: ProblemInvalid, reason: "want a JSON object, got " + kindName(e.kind)})
			continue
		}
		in, typeBad := e.feedIn()
		r.addFeed(g, in, fat, typeBad)
	}
	return nil
}

// typeErrorKind names the JSON type in a type error.
func typeErrorKind(te *json.UnmarshalTypeError) string {
	switch te.Value {
	case "null":
		return "null"
	case "string", "number", "bool":
		return "a " + te.Value
	}
	return "an " + te.Value
}

// readJSONL reads one record per line; a bad line is reported and skipped.
func (r *run) readJSONL(lr *lineReader) error {
	for {
		if err := r.check(); err != nil {
			return err
		}
		line, tooLong, err := lr.next()
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return err
		}
		at := where{line: lr.line}
		if tooLong {
			r.sum.NumRecords++
			at.record = r.sum.NumRecords
			r.invalidRecord(at, "", "", fmt.Sprintf("line longer than %d bytes (Options.MaxLineBytes); skipped", r.opts.MaxLineBytes))
			continue
		}
		line = bytes.TrimSpace(line)
		if len(line) == 0 {
			continue
		}
		r.sum.NumRecords++
		at.record = r.sum.NumRecords
		if err := r.record(at, line); err != nil {
			return err
		}
	}
}

// readJSONDoc reads JSON documents (usually one): a record, an array of
// records, or an object with a "flashpoints" array. Array elements are
// decoded one at a time, so a large array is never held whole. A syntax
// error ends the read: unlike JSONL there is no next line to resume at.
func (r *run) readJSONDoc(rd io.Reader) error {
	dec := json.NewDecoder(rd)
	for {
		if err := r.check(); err != nil {
			return err
		}
		tok, err := dec.Token()
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return r.syntaxError(dec, err)
		}
		switch tok {
		case json.Delim('['):
			if err := r.readJSONArray(dec); err != nil {
				return err
			}
		case json.Delim('{'):
			if err := r.readJSONObject(dec); err != nil {
				return err
			}
		default:
			return fmt.Errorf("%w: want a JSON object or array at the top level, got %v", ErrInput, tokenKind(tok))
		}
	}
}

func tokenKind(tok json.Token) string {
	switch tok.(type) {
	case string:
		return "a string"
	case float64, json.Number:
		return "a number"
	case bool:
		return "a boolean"
	case nil:
		return "null"
	case json.Delim:
		if tok == json.Delim('{') {
			return "an object"
		}
		return "an array"
	}
	return fmt.Sprint(tok)
}

func (r *run) syntaxError(dec *json.Decoder, err error) error {
	if r.src.err != nil {
		return r.src.err
	}
	var se *json.SyntaxError
	if !errors.As(err, &se) && !errors.Is(err, io.ErrUnexpectedEOF) {
		return err // the reader's own error
	}
	return fmt.Errorf("%w: %s at byte %d, after %d records", ErrInput, describeJSONError(err), dec.InputOffset(), r.sum.NumRecords)
}

// readJSONArray reads the elements of an array whose '[' was consumed.
func (r *run) readJSONArray(dec *json.Decoder) error {
	for dec.More() {
		if err := r.check(); err != nil {
			return err
		}
		var raw json.RawMessage
		if err := dec.Decode(&raw); err != nil {
			return r.syntaxError(dec, err)
		}
		r.sum.NumRecords++
		if err := r.record(where{record: r.sum.NumRecords}, raw); err != nil {
			return err
		}
	}
	if _, err := dec.Token(); err != nil { // ']'
		return r.syntaxError(dec, err)
	}
	return nil
}

// readJSONObject reads an object whose '{' was consumed: a wrapper whose
// "flashpoints" array is streamed, or else one record.
func (r *run) readJSONObject(dec *json.Decoder) error {
	fields := make(map[string]json.RawMessage)
	wrapper := false
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return r.syntaxError(dec, err)
		}
		key, _ := tok.(string)
		if strings.EqualFold(key, "flashpoints") {
			wrapper = true
			tok, err := dec.Token()
			if err != nil {
				return r.syntaxError(dec, err)
			}
			switch tok {
			case json.Delim('['):
				if err := r.readJSONArray(dec); err != nil {
					return err
				}
			case nil:
			default:
				return fmt.Errorf("%w: \"flashpoints\": want an array, got %s", ErrInput, tokenKind(tok))
			}
			continue
		}
		var v json.RawMessage
		if err := dec.Decode(&v); err != nil {
			return r.syntaxError(dec, err)
		}
		if !wrapper {
			fields[key] = v
		}
	}
	if _, err := dec.Token(); err != nil { // '}'
		return r.syntaxError(dec, err)
	}
	if wrapper {
		return nil
	}
	data, err := json.Marshal(fields)
	if err != nil {
		return err
	}
	r.sum.NumRecords++
	return r.record(where{record: r.sum.NumRecords}, data)
}
