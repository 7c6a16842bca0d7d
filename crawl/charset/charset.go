// Package charset finds the character encoding of a fetched HTML or XML
// page and converts it to UTF-8, so every later stage (extraction, language
// id, the models) sees one encoding. News sites in Russian, Japanese and
// Chinese still serve windows-1251, Shift_JIS and GBK, often with the
// declaration in only one of the places a browser looks.
//
// The order follows the HTML standard's encoding sniffing algorithm, with two
// widenings for real pages:
//
//  1. a byte order mark (UTF-8, UTF-16LE/BE);
//  2. the charset parameter of the Content-Type header;
//  3. a <meta charset> or <meta http-equiv="Content-Type"> declaration, or an
//     XML declaration's encoding, searched in the first 8 KiB rather than the
//     standard's 1024 bytes, because CMS themes put long scripts first;
//  4. bytes that are valid UTF-8 are UTF-8;
//  5. statistical detection (github.com/gogs/chardet, already a dependency of
//     the extractor) on up to 32 KiB with the tags stripped;
//  6. windows-1252, the web's default.
//
// Labels are resolved with the WHATWG table of golang.org/x/net/html/charset,
// so "gb2312" decodes as GBK and "iso-8859-1" as windows-1252, as browsers
// do. The converted text keeps its original <meta charset> declaration: parse
// it as UTF-8 (html.Parse does), never with a parser that sniffs again.
//
// Undeclared UTF-8 costs one validity scan; a page that must be sniffed
// costs several times a declared one, nearly all of it chardet, but most
// pages declare (BenchmarkToUTF8; docs/performance.md).
package charset

import (
	"bytes"
	"fmt"
	"mime"
	"strings"
	"unicode/utf8"

	"github.com/gogs/chardet"
	"golang.org/x/net/html"
	xcharset "golang.org/x/net/html/charset"
	"golang.org/x/text/encoding"
	"golang.org/x/text/encoding/unicode"
)

// Source says which step decided the encoding.
type Source string

// The detection steps, in the order they are tried.
const (
	SourceBOM     Source = "bom"
	SourceHeader  Source = "header"
	SourceMeta    Source = "meta"
	SourceUTF8    Source = "utf8"
	SourceSniff   Source = "sniff"
	SourceDefault Source = "default"
)

const (
	metaScanBytes  = 8 << 10
	sniffBytes     = 32 << 10
	sniffMinConfid = 20
)

// Result is a detected encoding.
type Result struct {
	// Name is the canonical WHATWG name, e.g. "utf-8", "windows-1251",
	// "shift_jis", "gbk".
	Name   string
	Source Source
	enc    encoding.Encoding
	bom    int // bytes of byte order mark to skip
}

// Detect finds the encoding of body. contentType is the Content-Type header
// value, or "" when there is none (a file on disk).
func Detect(body []byte, contentType string) Result {
	switch {
	case bytes.HasPrefix(body, []byte("\xEF\xBB\xBF")):
		return Result{Name: "utf-8", Source: SourceBOM, enc: encoding.Nop, bom: 3}
	case bytes.HasPrefix(body, []byte("\xFE\xFF")):
		return Result{Name: "utf-16be", Source: SourceBOM, enc: unicode.UTF16(unicode.BigEndian, unicode.IgnoreBOM), bom: 2}
	case bytes.HasPrefix(body, []byte("\xFF\xFE")):
		return Result{Name: "utf-16le", Source: SourceBOM, enc: unicode.UTF16(unicode.LittleEndian, unicode.IgnoreBOM), bom: 2}
	}
	if contentType != "" {
		if _, params, err := mime.ParseMediaType(contentType); err == nil {
			if r, ok := lookup(params["charset"], SourceHeader); ok {
				return r
			}
		}
	}
	if r, ok := lookup(prescan(body), SourceMeta); ok {
		// A page cannot declare itself UTF-16 in ASCII-compatible bytes;
		// browsers read that declaration as UTF-8.
		if strings.HasPrefix(r.Name, "utf-16") {
			r.Name, r.enc = "utf-8", encoding.Nop
		}
		return r
	}
	if utf8.Valid(body) {
		return Result{Name: "utf-8", Source: SourceUTF8, enc: encoding.Nop}
	}
	sample := body
	if len(sample) > sniffBytes {
		sample = sample[:sniffBytes]
	}
	if best, err := chardet.NewHtmlDetector().DetectBest(sample); err == nil && best.Confidence >= sniffMinConfid {
		if r, ok := lookup(best.Charset, SourceSniff); ok {
			return r
		}
	}
	r, _ := lookup("windows-1252", SourceDefault)
	return r
}

// ToUTF8 converts body to UTF-8 and reports the encoding it came in. Bytes
// invalid in that encoding become U+FFFD; the result is always valid UTF-8.
func ToUTF8(body []byte, contentType string) ([]byte, Result, error) {
	r := Detect(body, contentType)
	out, err := r.Decode(body)
	return out, r, err
}

// Decode converts body from r's encoding to UTF-8.
func (r Result) Decode(body []byte) ([]byte, error) {
	body = body[min(r.bom, len(body)):]
	if r.enc == nil || r.enc == encoding.Nop {
		if utf8.Valid(body) {
			return body, nil
		}
		return bytes.ToValidUTF8(body, []byte("\uFFFD")), nil
	}
	out, err := r.enc.NewDecoder().Bytes(body)
	if err != nil {
		return nil, fmt.Errorf("decoding %s: %w", r.Name, err)
	}
	if !utf8.Valid(out) {
		out = bytes.ToValidUTF8(out, []byte("\uFFFD"))
	}
	return out, nil
}

// lookup resolves a label, also in the spellings chardet uses ("GB-18030",
// "ISO-8859-8-I").
func lookup(label string, src Source) (Result, bool) {
	label = strings.TrimSpace(label)
	if label == "" {
		return Result{}, false
	}
	enc, name := xcharset.Lookup(label)
	if enc == nil {
		enc, name = xcharset.Lookup(strings.ReplaceAll(label, "-", ""))
	}
	if enc == nil {
		return Result{}, false
	}
	if name == "utf-8" {
		enc = encoding.Nop
	}
	return Result{Name: name, Source: src, enc: enc}, true
}

// prescan returns the encoding label declared in the first metaScanBytes of
// body by a <meta> element or an XML declaration, or "".
func prescan(body []byte) string {
	if len(body) > metaScanBytes {
		body = body[:metaScanBytes]
	}
	if bytes.HasPrefix(body, []byte("<?xml")) {
		if end := bytes.Index(body, []byte("?>")); end > 0 {
			if label := attrValue(string(body[:end]), "encoding"); label != "" {
				return label
			}
		}
	}
	z := html.NewTokenizer(bytes.NewReader(body))
	for {
		switch z.Next() {
		case html.ErrorToken:
			return ""
		case html.StartTagToken, html.SelfClosingTagToken:
			name, hasAttr := z.TagName()
			switch string(name) {
			case "body":
				return ""
			case "meta":
			default:
				continue
			}
			var httpEquiv, content, cs string
			for hasAttr {
				var k, v []byte
				k, v, hasAttr = z.TagAttr()
				switch string(k) {
				case "charset":
					cs = string(v)
				case "http-equiv":
					httpEquiv = strings.ToLower(string(v))
				case "content":
					content = string(v)
				}
			}
			if cs != "" {
				return cs
			}
			if httpEquiv == "content-type" {
				if label := attrValue(content, "charset"); label != "" {
					return label
				}
			}
		}
	}
}

// attrValue finds name=value (value optionally quoted) in s, the way the
// HTML standard extracts a charset from a meta content attribute.
func attrValue(s, name string) string {
	low := strings.ToLower(s)
	for i := 0; ; {
		j := strings.Index(low[i:], name)
		if j < 0 {
			return ""
		}
		rest := strings.TrimLeft(s[i+j+len(name):], " \t\n\f\r")
		i += j + len(name)
		if !strings.HasPrefix(rest, "=") {
			continue
		}
		rest = strings.TrimLeft(rest[1:], " \t\n\f\r")
		if rest == "" {
			return ""
		}
		if q := rest[0]; q == '"' || q == '\'' {
			if end := strings.IndexByte(rest[1:], q); end >= 0 {
				return rest[1 : 1+end]
			}
			return ""
		}
		end := strings.IndexAny(rest, " \t\n\f\r;")
		if end < 0 {
			return rest
		}
		return rest[:end]
	}
}
