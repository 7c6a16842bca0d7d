package input

import (
	"errors"
	"net/netip"
	"net/url"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/google/uuid"
	"golang.org/x/net/idna"

	"github.com/masx-ai/masx/news"
)

// Limits on single values. Over-long text is cut at a rune boundary and
// reported as a warning; an over-long URL or ID makes the value invalid,
// because a cut one would point somewhere else.
const (
	MaxURLBytes      = 2048 // url and image: longer is invalid
	MaxIDBytes       = 256  // flashpoint and feed IDs: longer is invalid
	MaxTitleRunes    = 1024 // titles are cut to this
	MaxTextRunes     = 8192 // descriptions are cut to this
	MaxShortRunes    = 256  // domain, language, sourcecountry, each entity and domain tag
	MaxListItems     = 1000 // entities and domains per flashpoint
	minPlausibleYear = 1900
	maxPlausibleYear = 2200
)

// idSpace is the UUIDv5 namespace of derived IDs: the SHA-1 name-based UUID
// of this module's flashpoint URL in the URL namespace. It never changes, so
// a title or URL maps to the same ID in every run and on every machine.
var idSpace = uuid.NewSHA1(uuid.NameSpaceURL, []byte("https://github.com/masx-ai/masx/flashpoint"))

// FlashpointID derives the ID of a flashpoint that has none from its title:
// a UUIDv5 (SHA-1, fixed masx namespace) of the title lowercased with its
// whitespace collapsed, so "Red  Sea" and "red sea" name the same flashpoint.
func FlashpointID(title string) string {
	key := strings.ToLower(strings.Join(strings.Fields(title), " "))
	return uuid.NewSHA1(idSpace, []byte("flashpoint\x00"+key)).String()
}

// FeedID derives the ID of a feed that has none: a UUIDv5 of its
// flashpoint's ID and its normalised URL (see NormalizeURL), so the same
// article under the same flashpoint keeps its ID across runs.
func FeedID(flashpointID, normalizedURL string) string {
	return uuid.NewSHA1(idSpace, []byte("feed\x00"+flashpointID+"\x00"+normalizedURL)).String()
}

// NormalizeURL returns the key under which duplicate feed URLs are found:
// scheme and host lowercased, the default port and the fragment dropped, an
// empty path made "/", the query kept as it is. It fails, with the reason,
// for anything but an absolute http(s) URL with a host.
func NormalizeURL(raw string) (string, error) {
	u, reason := parseHTTPURL(strings.TrimSpace(raw))
	if reason != "" {
		return "", errors.New(reason)
	}
	return normalized(u), nil
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			return false
		}
	}
	return true
}

func normalized(u *url.URL) string {
	n := *u
	n.Scheme = strings.ToLower(n.Scheme)
	host := strings.ToLower(n.Hostname())
	if !isASCII(host) {
		// Unicode and Punycode spellings of a host are one host.
		if a, err := idna.Lookup.ToASCII(host); err == nil {
			host = a
		}
	}
	port := n.Port()
	if (n.Scheme == "http" && port == "80") || (n.Scheme == "https" && port == "443") {
		port = ""
	}
	if strings.Contains(host, ":") { // IPv6 literal
		host = "[" + host + "]"
	}
	if port != "" {
		host += ":" + port
	}
	n.Host = host
	n.Fragment, n.RawFragment = "", ""
	if n.Path == "" && n.RawPath == "" {
		n.Path = "/"
	}
	return n.String()
}

// parseHTTPURL parses raw and returns the reason it is not an acceptable
// feed URL, or "".
func parseHTTPURL(raw string) (*url.URL, string) {
	switch {
	case raw == "":
		return nil, "missing"
	case len(raw) > MaxURLBytes:
		return nil, "longer than " + strconv.Itoa(MaxURLBytes) + " bytes"
	}
	u, err := url.Parse(raw)
	if err != nil {
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err
		}
		return nil, "not a URL: " + err.Error()
	}
	if s := strings.ToLower(u.Scheme); s != "http" && s != "https" {
		return nil, "want an absolute http(s) URL"
	}
	if u.Opaque != "" || u.Hostname() == "" {
		return nil, "want an absolute http(s) URL with a host"
	}
	if reason := checkHost(u.Hostname()); reason != "" {
		return nil, reason
	}
	if u.User != nil {
		// Credentials in a URL would end in storage, logs and results.
		return nil, "want a URL without a user name or password"
	}
	if p := u.Port(); p != "" {
		if n, err := strconv.Atoi(p); err != nil || n < 1 || n > 65535 {
			return nil, "want a port between 1 and 65535"
		}
	}
	return u, ""
}

// checkHost returns why host is not a usable host name or IP address, or
// "". Labels are 1 to 63 bytes of letters, digits, '-', '_' or non-ASCII
// (IDN); one trailing dot is allowed.
func checkHost(host string) string {
	if _, err := netip.ParseAddr(host); err == nil {
		return ""
	}
	name := strings.TrimSuffix(host, ".")
	if name == "" || len(name) > 253 {
		return "want a host name of 1 to 253 bytes"
	}
	for label := range strings.SplitSeq(name, ".") {
		if label == "" || len(label) > 63 {
			return "want host name labels of 1 to 63 bytes"
		}
		for _, r := range label {
			if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '_' || r >= utf8.RuneSelf) || r == utf8.RuneError {
				return "want a host name of letters, digits, '-' and '_'"
			}
		}
	}
	return ""
}

// seenLayouts are the date forms accepted for seendate, tried in order:
// GDELT's DOC API form, GDELT's compact digits, RFC 3339, then SQL-style
// timestamps with and without a zone and a bare date. Values without a zone
// are UTC, as GDELT's are.
var seenLayouts = []string{
	"20060102T150405Z",
	"20060102150405",
	time.RFC3339,
	"2006-01-02T15:04:05",
	"2006-01-02 15:04:05Z07:00",
	"2006-01-02 15:04:05Z07",
	"2006-01-02 15:04:05",
	"2006-01-02",
}

// parseSeenDate returns s as RFC 3339 in UTC, or the reason it cannot.
func parseSeenDate(s string) (string, string) {
	for _, layout := range seenLayouts {
		t, err := time.Parse(layout, s)
		if err != nil {
			continue
		}
		if y := t.UTC().Year(); y < minPlausibleYear || y > maxPlausibleYear {
			return "", "implausible year " + strconv.Itoa(y) + "; dropped"
		}
		return formatTime(t), ""
	}
	return "", "want 20060102T150405Z, RFC 3339 or 2006-01-02 15:04:05; dropped"
}

func formatTime(t time.Time) string { return t.UTC().Format(time.RFC3339) }

// cleanLine makes s one trimmed line: invalid UTF-8 replaced, every run of
// spaces and control characters (NUL included, which PostgreSQL text cannot
// hold) turned into one space, BOMs removed, cut to max runes.
func cleanLine(s string, max int) (string, bool) {
	if isPlainLine(s) {
		s = strings.TrimSpace(s)
		if len(s) <= max { // bytes ≥ runes, so no cut is needed
			return s, false
		}
		return cutRunes(s, max)
	}
	s = strings.ToValidUTF8(s, "\uFFFD")
	var b strings.Builder
	b.Grow(len(s))
	space := false
	for _, r := range s {
		switch {
		case r == '\uFEFF':
			continue
		case unicode.IsSpace(r) || unicode.IsControl(r):
			space = true
			continue
		}
		if space && b.Len() > 0 {
			b.WriteByte(' ')
		}
		space = false
		b.WriteRune(r)
	}
	return cutRunes(b.String(), max)
}

// isPlainLine reports whether s is ASCII without control characters or
// inner runs of whitespace other than single spaces: the common case that
// needs no rebuilding.
func isPlainLine(s string) bool {
	prevSpace := false
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= utf8.RuneSelf || c < ' ' || c == 0x7f {
			return false
		}
		if c == ' ' {
			if prevSpace {
				return false
			}
			prevSpace = true
		} else {
			prevSpace = false
		}
	}
	return true
}

// cleanText is cleanLine for multi-line text: newlines and tabs stay (CRLF
// becomes LF), other control characters go, and it is cut to max runes.
func cleanText(s string, max int) (string, bool) {
	s = strings.ToValidUTF8(s, "\uFFFD")
	s = strings.ReplaceAll(s, "\r\n", "\n")
	s = strings.Map(func(r rune) rune {
		switch {
		case r == '\n' || r == '\t':
			return r
		case r == '\r':
			return '\n'
		case r == '\uFEFF' || unicode.IsControl(r):
			return -1
		}
		return r
	}, s)
	return cutRunes(strings.TrimSpace(s), max)
}

func cutRunes(s string, max int) (string, bool) {
	if utf8.RuneCountInString(s) <= max {
		return s, false
	}
	n := 0
	for i := range s {
		if n == max {
			return strings.TrimSpace(s[:i]), true
		}
		n++
	}
	return s, false
}

// cleanID trims an ID and returns the reason it is unusable, or "".
func cleanID(s string) (string, string) {
	s = strings.TrimSpace(s)
	switch {
	case s == "":
		return "", "missing"
	case len(s) > MaxIDBytes:
		return "", "longer than " + strconv.Itoa(MaxIDBytes) + " bytes"
	case !utf8.ValidString(s):
		return "", "not valid UTF-8"
	}
	for _, r := range s {
		if unicode.IsControl(r) {
			return "", "contains control characters"
		}
	}
	return s, ""
}

// issue is one thing wrong with a value, before it gets a location.
type issue struct {
	kind   ProblemKind
	field  string
	value  string
	reason string
}

// feedIn is one feed as read, every field a string, before validation.
type feedIn struct {
	id, flashpointID, flashpointTitle                     string
	url, title, seenDate, domain, language, sourceCountry string
	description, image                                    string
	// seenTime is a date the reader already parsed (feed items); it wins
	// over seenDate.
	seenTime *time.Time
	// baseURL resolves a relative image URL (feed items only).
	baseURL *url.URL
}

// cleanFeed validates in and returns the feed, its normalised URL (the
// duplicate key), warnings, and, when the feed is unusable, the issue that
// makes it so (the feed is then filled as far as it could be).
func cleanFeed(in *feedIn) (f news.Feed, key string, warns []issue, bad *issue) {
	warn := func(field, value, reason string) {
		warns = append(warns, issue{kind: ProblemWarning, field: field, value: value, reason: reason})
	}
	invalid := func(field, value, reason string) {
		if bad == nil {
			bad = &issue{kind: ProblemInvalid, field: field, value: value, reason: reason}
		}
	}

	f.URL = strings.TrimSpace(in.url)
	u, reason := parseHTTPURL(f.URL)
	if reason != "" {
		invalid("url", f.URL, reason)
		if len(f.URL) > MaxURLBytes {
			f.URL, _ = cutRunes(f.URL, MaxURLBytes)
		}
	} else {
		key = normalized(u)
	}

	var cut bool
	if f.Title, cut = cleanLine(in.title, MaxTitleRunes); f.Title == "" {
		invalid("title", "", "missing")
	} else if cut {
		warn("title", "", "longer than "+strconv.Itoa(MaxTitleRunes)+" characters; cut")
	}

	if in.id != "" {
		id, reason := cleanID(in.id)
		if reason != "" {
			invalid("id", in.id, reason)
		}
		f.ID = id
	}

	var value string
	if f.SeenDate, value, reason = cleanSeenDate(in); reason != "" {
		warn("seendate", value, reason)
	}

	f.Domain, cut = cleanLine(in.domain, MaxShortRunes)
	f.Domain = strings.ToLower(f.Domain)
	if cut {
		warn("domain", "", "longer than "+strconv.Itoa(MaxShortRunes)+" characters; cut")
	}
	if f.Domain == "" && u != nil {
		// news.DomainOf's rule, on the URL already parsed.
		host := strings.ToLower(u.Hostname())
		if f.Domain = strings.TrimPrefix(host, "www."); f.Domain == "" { // "www." alone
			f.Domain = strings.TrimSuffix(host, ".")
		}
	}
	if f.Language, cut = cleanLine(in.language, MaxShortRunes); cut {
		warn("language", "", "longer than "+strconv.Itoa(MaxShortRunes)+" characters; cut")
	}
	if f.SourceCountry, cut = cleanLine(in.sourceCountry, MaxShortRunes); cut {
		warn("sourcecountry", "", "longer than "+strconv.Itoa(MaxShortRunes)+" characters; cut")
	}
	if f.Description, cut = cleanText(in.description, MaxTextRunes); cut {
		warn("description", "", "longer than "+strconv.Itoa(MaxTextRunes)+" characters; cut")
	}

	if f.Image, value, reason = cleanImage(in); reason != "" {
		warn("image", value, reason)
	}
	return f, key, warns, bad
}

// cleanSeenDate returns the feed's seen date in the stored form, or the
// value and the reason it was dropped.
func cleanSeenDate(in *feedIn) (seen, value, reason string) {
	switch {
	case in.seenTime != nil:
		t := in.seenTime.UTC()
		if y := t.Year(); y < minPlausibleYear || y > maxPlausibleYear {
			return "", formatTime(t), "implausible year " + strconv.Itoa(y) + "; dropped"
		}
		return formatTime(t), "", ""
	case strings.TrimSpace(in.seenDate) != "":
		raw := strings.TrimSpace(in.seenDate)
		seen, reason := parseSeenDate(raw)
		return seen, raw, reason
	}
	return "", "", ""
}

// cleanImage returns the feed's image URL, resolved against the feed's
// base, or the value and the reason it was dropped.
func cleanImage(in *feedIn) (img, value, reason string) {
	img = strings.TrimSpace(in.image)
	if img == "" {
		return "", "", ""
	}
	if in.baseURL != nil {
		if ref, err := url.Parse(img); err == nil && !ref.IsAbs() {
			img = in.baseURL.ResolveReference(ref).String()
		}
	}
	if _, reason := parseHTTPURL(img); reason != "" {
		return "", img, reason + "; dropped"
	}
	return img, "", ""
}

// cleanList trims, deduplicates and caps a flashpoint's entities or domains.
func cleanList(field string, in []string) ([]string, []issue) {
	var out []string
	var warns []issue
	seen := make(map[string]bool, len(in))
	for _, s := range in {
		s, cut := cleanLine(s, MaxShortRunes)
		if s == "" || seen[s] {
			continue
		}
		if len(out) == MaxListItems {
			warns = append(warns, issue{kind: ProblemWarning, field: field,
				reason: "more than " + strconv.Itoa(MaxListItems) + " items; the rest dropped"})
			break
		}
		if cut {
			warns = append(warns, issue{kind: ProblemWarning, field: field, value: s,
				reason: "item longer than " + strconv.Itoa(MaxShortRunes) + " characters; cut"})
		}
		seen[s] = true
		out = append(out, s)
	}
	return out, warns
}
