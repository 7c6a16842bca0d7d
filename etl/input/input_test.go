package input

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/masx-ai/masx/news"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// problemKeys renders problems as "kind line/record/feed field" for
// comparison in tables.
func problemKeys(ps []Problem) []string {
	out := make([]string, 0, len(ps))
	for _, p := range ps {
		out = append(out, fmt.Sprintf("%s %d/%d/%d %s", p.Kind, p.Line, p.Record, p.Feed, p.Field))
	}
	return out
}

// checkInvariants asserts what every Result must satisfy, whatever the
// input: kept feeds are valid and unique per flashpoint, counts add up.
func checkInvariants(t testing.TB, res *Result) {
	t.Helper()
	feeds := 0
	ids := map[string]bool{}
	for _, fp := range res.Flashpoints {
		if fp.ID == "" || fp.Title == "" {
			t.Fatalf("flashpoint without id or title: %+v", fp)
		}
		if ids[fp.ID] {
			t.Fatalf("flashpoint id %q twice", fp.ID)
		}
		ids[fp.ID] = true
		urls := map[string]bool{}
		feedIDs := map[string]bool{}
		for _, f := range fp.Feeds {
			feeds++
			key, err := NormalizeURL(f.URL)
			if err != nil {
				t.Fatalf("kept feed with bad url %q: %v", f.URL, err)
			}
			if urls[key] {
				t.Fatalf("flashpoint %q keeps %q twice", fp.ID, key)
			}
			urls[key] = true
			if f.ID == "" || feedIDs[f.ID] {
				t.Fatalf("feed id %q empty or repeated in %q", f.ID, fp.ID)
			}
			feedIDs[f.ID] = true
			if strings.TrimSpace(f.Title) == "" || f.Title != strings.TrimSpace(f.Title) || strings.ContainsAny(f.Title, "\x00\n\r") {
				t.Fatalf("kept feed with bad title %q", f.Title)
			}
			if f.FlashpointID != fp.ID {
				t.Fatalf("feed flashpoint_id %q in flashpoint %q", f.FlashpointID, fp.ID)
			}
			if f.SeenDate != "" {
				if _, err := time.Parse(time.RFC3339, f.SeenDate); err != nil {
					t.Fatalf("seendate %q is not RFC 3339", f.SeenDate)
				}
			}
			if f.Domain == "" {
				t.Fatalf("feed %q without domain", f.URL)
			}
			if f.Image != "" {
				if _, err := NormalizeURL(f.Image); err != nil {
					t.Fatalf("kept image %q: %v", f.Image, err)
				}
			}
			for _, s := range []string{f.Description, f.Language, f.SourceCountry, f.Domain} {
				if strings.ContainsRune(s, 0) {
					t.Fatalf("NUL kept in %q", s)
				}
			}
		}
	}
	for _, d := range res.Duplicates {
		if d.Problem.Kind != ProblemDuplicate || d.FlashpointID == "" || d.ID == "" {
			t.Fatalf("bad duplicate entry %+v", d)
		}
	}
	for _, d := range res.Invalid {
		if d.Problem.Kind != ProblemInvalid || d.FlashpointID == "" || d.ID == "" {
			t.Fatalf("bad invalid entry %+v", d)
		}
	}
	// Every feed, kept or dropped, is stored under (flashpoint, URL): the
	// keys must be storable (non-empty valid UTF-8 without control
	// characters) and distinct, or a row would fail the flashpoint's write
	// or overwrite another row.
	keys := map[[2]string]bool{}
	key := func(fp, u string) {
		if u == "" || !utf8.ValidString(u) || strings.ContainsFunc(u, func(r rune) bool { return r < 0x20 || r == 0x7f }) || len(u) > 32<<10 {
			t.Fatalf("flashpoint %q: feed stored under the unstorable URL %q", fp, u)
		}
		if keys[[2]string{fp, u}] {
			t.Fatalf("flashpoint %q: two feeds stored under the URL %q", fp, u)
		}
		keys[[2]string{fp, u}] = true
	}
	for _, fp := range res.Flashpoints {
		for _, f := range fp.Feeds {
			key(fp.ID, f.URL)
		}
	}
	for _, d := range append(slices.Clone(res.Duplicates), res.Invalid...) {
		key(d.FlashpointID, d.URL)
	}
	s := res.Summary
	if s.NumFlashpoints != len(res.Flashpoints) || s.NumFeeds != feeds ||
		s.NumDuplicates != len(res.Duplicates) || s.NumInvalid != len(res.Invalid) {
		t.Fatalf("counts %+v do not match %d flashpoints, %d feeds, %d duplicates, %d invalid",
			s, len(res.Flashpoints), feeds, len(res.Duplicates), len(res.Invalid))
	}
	if got, want := len(s.Problems)+s.ProblemsOmitted, s.NumInvalidRecords+s.NumInvalid+s.NumDuplicates+s.NumWarnings; got != want {
		t.Fatalf("%d problems, want %d from the counts %+v", got, want, s)
	}
	for _, p := range s.Problems {
		if p.Reason == "" || p.Error() == "" {
			t.Fatalf("problem without reason: %+v", p)
		}
	}
}

func TestLoadFixtures(t *testing.T) {
	t.Parallel()
	type fpWant struct {
		id, title string
		urls      []string
	}
	tests := []struct {
		file     string
		format   Format
		want     []fpWant
		problems []string
		check    func(t *testing.T, res *Result)
	}{
		{
			file: "flashpoints.jsonl", format: FormatJSONL,
			want: []fpWant{
				{"6f1c2b1e-5d1a-4c55-9a3e-1f2d3c4b5a60", "Red Sea shipping attacks", []string{
					"https://www.reuters.com/world/middle-east/ship-attacked-red-sea-2025-01-02/",
					"https://www.aljazeera.com/news/2025/1/2/red-sea-shipping",
					"https://www.lemonde.fr/international/article/2025/01/02/mer-rouge.html"}},
				{"b7e0c3a2-1111-4e8b-8f00-2a9c4d5e6f70", "Sahel coups", []string{
					"https://www.bbc.co.uk/news/world-africa-12345678",
					"https://www.france24.com/fr/afrique/20250103-niger"}},
			},
			check: func(t *testing.T, res *Result) {
				fp := res.Flashpoints[0]
				require.Equal(t, []string{"Houthis", "Red Sea", "Bab el-Mandeb"}, fp.Entities)
				require.Equal(t, []string{"maritime", "security"}, fp.Domains)
				require.Equal(t, "Attacks on merchant vessels in the Red Sea and the Gulf of Aden.", fp.Description)
				// GDELT, RFC 3339 with an offset and SQL forms all become RFC 3339 UTC.
				require.Equal(t, "2025-01-02T15:04:05Z", fp.Feeds[0].SeenDate)
				require.Equal(t, "2025-01-02T14:00:00Z", fp.Feeds[1].SeenDate)
				require.Equal(t, "2025-01-02T17:30:00Z", fp.Feeds[2].SeenDate)
				require.Equal(t, news.Feed{
					ID:            FeedID(fp.ID, fp.Feeds[0].URL),
					FlashpointID:  fp.ID,
					URL:           "https://www.reuters.com/world/middle-east/ship-attacked-red-sea-2025-01-02/",
					Title:         "Ship attacked in Red Sea, UKMTO says",
					SeenDate:      "2025-01-02T15:04:05Z",
					Domain:        "reuters.com",
					Language:      "English",
					SourceCountry: "United Kingdom",
					Description:   "A merchant vessel reported an explosion near it.",
					Image:         "https://www.reuters.com/resizer/ship.jpg",
				}, fp.Feeds[0])
				require.Equal(t, "aljazeera.com", fp.Feeds[1].Domain, "domain derived from the URL")
			},
		},
		{
			file: "flashpoints.json", format: FormatJSON,
			want: []fpWant{
				{"6f1c2b1e-5d1a-4c55-9a3e-1f2d3c4b5a60", "Red Sea shipping attacks", []string{
					"https://www.reuters.com/world/middle-east/ship-attacked-red-sea-2025-01-02/",
					"https://www.aljazeera.com/news/2025/1/2/red-sea-shipping"}},
				{"42", "Sahel coups", []string{"https://www.bbc.co.uk/news/world-africa-12345678"}},
			},
		},
		{
			file: "wrapped.json", format: FormatJSON,
			want: []fpWant{
				{"fp-1", "Red Sea shipping attacks", []string{"https://www.reuters.com/world/middle-east/ship-attacked-red-sea-2025-01-02/"}},
				{FlashpointID("Sahel coups"), "Sahel coups", []string{"https://www.bbc.co.uk/news/world-africa-12345678"}},
			},
		},
		{
			file: "single.json", format: FormatJSON,
			want: []fpWant{{"fp-1", "Red Sea shipping attacks", []string{
				"https://www.reuters.com/world/middle-east/ship-attacked-red-sea-2025-01-02/"}}},
			problems: []string{"duplicate 0/1/2 url"},
			check: func(t *testing.T, res *Result) {
				require.Len(t, res.Duplicates, 1)
				d := res.Duplicates[0]
				require.Equal(t, "HTTPS://WWW.Reuters.com:443/world/middle-east/ship-attacked-red-sea-2025-01-02/#top", d.URL)
				require.Equal(t, "fp-1", d.FlashpointID)
				require.NotEqual(t, res.Flashpoints[0].Feeds[0].ID, d.ID, "a duplicate gets its own ID")
				require.Equal(t, "single.json: record 1: feed 2: url \"HTTPS://WWW.Reuters.com:443/world/middle-east/ship-attacked-red-sea-2025-01-02/#top\": duplicate of feed 1",
					strings.TrimPrefix(d.Problem.Error(), "testdata/"))
			},
		},
		{
			file: "flat.json", format: FormatJSON,
			want: []fpWant{
				{"fp-red-sea", "Red Sea shipping attacks", []string{"https://www.reuters.com/world/a", "https://www.aljazeera.com/news/c"}},
				{"fp-sahel", "Sahel coups", []string{"https://www.bbc.co.uk/news/b", "https://www.france24.com/fr/d"}},
			},
		},
		{
			file: "flat.jsonl", format: FormatJSONL,
			want: []fpWant{
				{"fp-red-sea", "Red Sea shipping attacks", []string{"https://www.reuters.com/world/a", "https://www.aljazeera.com/news/c"}},
				{"fp-sahel", "Sahel coups", []string{"https://www.bbc.co.uk/news/b", "https://www.france24.com/fr/d"}},
			},
		},
		{
			file: "gdelt.csv", format: FormatCSV,
			want: []fpWant{
				{"fp-red-sea", "Red Sea shipping attacks", []string{"https://www.reuters.com/world/a", "https://www.aljazeera.com/news/c"}},
				{"fp-sahel", "Sahel coups", []string{"https://www.bbc.co.uk/news/b"}},
			},
			check: func(t *testing.T, res *Result) {
				a := res.Flashpoints[0].Feeds[0]
				require.Equal(t, "Ship attacked in Red Sea, UKMTO says", a.Title)
				require.Equal(t, `A merchant vessel reported an "explosion" nearby.`, a.Description)
				require.Equal(t, "https://www.reuters.com/a.jpg", a.Image)
				require.Equal(t, "Two lines\nof description", res.Flashpoints[1].Feeds[0].Description)
				require.Equal(t, "2025-01-02T16:00:00Z", res.Flashpoints[0].Feeds[1].SeenDate)
			},
		},
		{
			file: "bom-crlf-semicolon.csv", format: FormatCSV,
			want: []fpWant{{FlashpointID("bom-crlf-semicolon"), "bom-crlf-semicolon", []string{
				"https://www.reuters.com/world/a", "https://www.aljazeera.com/news/c"}}},
			check: func(t *testing.T, res *Result) {
				f := res.Flashpoints[0].Feeds[1]
				require.Equal(t, "Qatar", f.SourceCountry, "BOM stripped from the first column name")
				require.Equal(t, "2025-01-02T16:00:00Z", f.SeenDate, "CR stripped from the last field")
			},
		},
		{
			file: "rss.xml", format: FormatFeed,
			want: []fpWant{{FlashpointID("World news: Red Sea"), "World news: Red Sea", []string{
				"https://news.example.org/red-sea/ship-attacked",
				"https://news.example.org/red-sea/reroute",
				"https://news.example.org/podcast/red-sea"}}},
			problems: []string{"warning 0/3/0 seendate", "duplicate 0/4/0 url", "invalid 0/5/0 url"},
			check: func(t *testing.T, res *Result) {
				fs := res.Flashpoints[0].Feeds
				require.Equal(t, "A merchant vessel reported an explosion nearby.", fs[0].Description, "HTML and script stripped")
				require.Equal(t, "https://news.example.org/img/ship.jpg", fs[0].Image, "image enclosure")
				require.Equal(t, "2025-01-02T15:04:05Z", fs[0].SeenDate)
				require.Equal(t, "https://news.example.org/img/map.png", fs[1].Image, "media:content")
				require.Equal(t, "2025-01-02T14:00:00Z", fs[1].SeenDate)
				require.Equal(t, "https://news.example.org/img/podcast.jpg", fs[2].Image, "itunes:image")
				require.Equal(t, "", fs[2].SeenDate, "unparseable date dropped")
				require.Equal(t, "en-gb", fs[0].Language)
				require.Equal(t, "news.example.org", fs[0].Domain)
				require.Len(t, res.Invalid, 1)
				require.Equal(t, "javascript:alert(1)", res.Invalid[0].URL)
			},
		},
		{
			file: "atom.xml", format: FormatFeed,
			want: []fpWant{{FlashpointID("Sahel : le fil"), "Sahel : le fil", []string{
				"https://actu.example.fr/sahel/niger-plan", "https://actu.example.fr/sahel/mali-sanctions"}}},
			check: func(t *testing.T, res *Result) {
				fs := res.Flashpoints[0].Feeds
				require.Equal(t, "2025-01-03T07:00:00Z", fs[0].SeenDate, "published wins over updated")
				require.Equal(t, "2025-01-03T07:00:00Z", fs[1].SeenDate, "updated when unpublished")
				require.Equal(t, "La junte nigérienne a présenté son plan.", fs[0].Description)
				require.Equal(t, "Les sanctions visent les dirigeants.", fs[1].Description, "content when no summary")
				require.Equal(t, "https://actu.example.fr/img/niger.jpg", fs[0].Image, "rel=enclosure link")
				require.Equal(t, "https://actu.example.fr/img/mali.jpg", fs[1].Image, "media:thumbnail")
				require.Equal(t, "fr", fs[0].Language)
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			t.Parallel()
			res, err := Load(t.Context(), filepath.Join("testdata", tt.file), Options{})
			require.NoError(t, err)
			checkInvariants(t, res)
			require.Equal(t, tt.format, res.Format)
			var got []fpWant
			for _, fp := range res.Flashpoints {
				w := fpWant{id: fp.ID, title: fp.Title}
				for _, f := range fp.Feeds {
					w.urls = append(w.urls, f.URL)
				}
				got = append(got, w)
			}
			require.Equal(t, tt.want, got)
			if tt.problems == nil {
				tt.problems = []string{}
			}
			require.Equal(t, tt.problems, problemKeys(res.Problems))
			if tt.check != nil {
				tt.check(t, res)
			}
		})
	}
}

// mixedJSONL has one problem of each kind on known lines; blank lines
// count.
const mixedJSONL = `{"id":"a","title":"A","feeds":[{"url":"https://x.example/1","title":"one"},{"url":"ftp://x","title":"bad"},{"url":"HTTPS://X.example:443/1#f","title":"dup"}]}

{not json
{"id":"b","feeds":[{"url":"https://x.example/2","title":"two"}]}
{"id":"c","title":"C","entities":"x","feeds":[]}
{"id":"d","title":"D","feeds":[{"url":"https://y.example/1","title":"ok","seendate":"yesterday"},{"url":"https://y.example/2","title":5},"str"]}
{"id":"a","title":"A again","feeds":[]}
{"url":"https://z.example/1","title":"flat"}
`

func TestReadMixedJSONLLines(t *testing.T) {
	t.Parallel()
	res, err := Read(t.Context(), strings.NewReader(mixedJSONL), "mixed.jsonl", FormatAuto, Options{})
	require.NoError(t, err)
	checkInvariants(t, res)
	require.Equal(t, FormatJSONL, res.Format)
	var msgs []string
	for _, p := range res.Problems {
		msgs = append(msgs, p.Error())
	}
	require.Equal(t, []string{
		`mixed.jsonl:1: feed 2: url "ftp://x": want an absolute http(s) URL`,
		`mixed.jsonl:1: feed 3: url "HTTPS://X.example:443/1#f": duplicate of feed 1`,
		`mixed.jsonl:3: not valid JSON: invalid character 'n' looking for beginning of object key string`,
		`mixed.jsonl:4: title: missing`,
		`mixed.jsonl:5: entities "\"x\"": want an array of strings, got a string`,
		`mixed.jsonl:6: feed 1: seendate "yesterday": want 20060102T150405Z, RFC 3339 or 2006-01-02 15:04:05; dropped`,
		`mixed.jsonl:6: feed 2: title "5": want a string, got a number`,
		`mixed.jsonl:6: feed 3: want a JSON object, got a string`,
		`mixed.jsonl:7: id "a": flashpoint already read at line 1; merge the two records`,
		`mixed.jsonl:8: a flat feed record, but the input holds flashpoint records (first at line 1)`,
	}, msgs)
	var records []int
	for _, p := range res.Problems {
		records = append(records, p.Record)
	}
	require.Equal(t, []int{1, 1, 2, 3, 4, 5, 5, 5, 6, 7}, records, "records are ordinals of non-blank lines")
	require.Equal(t, 7, res.NumRecords)
	require.Equal(t, 5, res.NumInvalidRecords)
	require.Equal(t, 2, res.NumFlashpoints)
	require.Equal(t, 2, res.NumFeeds)
	require.Equal(t, 1, res.NumDuplicates)
	require.Equal(t, 3, res.NumInvalid)
	require.Equal(t, 1, res.NumWarnings)
	require.Equal(t, "ftp://x", res.Invalid[0].URL)
	require.Equal(t, "a", res.Invalid[0].FlashpointID)
	require.Equal(t, "bad", res.Invalid[0].Title)
}

func TestReadBadInput(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		file    string // name given to Read; sets the extension
		format  Format
		opts    Options
		in      string
		err     string // substring of an ErrInput error; "" = no error
		feeds   int
		records int
		// problems as "kind line/record/feed field"
		problems []string
		reason   string // substring of the first problem's reason
	}{
		{name: "empty", file: "x.jsonl", in: "", err: "no records"},
		{name: "only whitespace", file: "x", in: " \n\t\r\n", err: "no records"},
		{name: "empty csv", file: "x.csv", in: "\n\n", err: "no records"},
		{name: "unknown format", file: "x.dat", in: "hello world\n", err: "cannot tell the format"},
		{name: "unknown format without newline", file: "", in: "garbage", err: "cannot tell the format"},
		{name: "utf16", file: "x.json", in: "\xff\xfe[\x00]\x00", err: "UTF-16"},
		{
			name: "all invalid jsonl", file: "x.jsonl",
			in:      "{\"id\":\"a\",\"title\":\"A\",\"feeds\":[{\"url\":\"javascript:alert(1)\",\"title\":\"t\"}]}\nnope\n",
			err:     `no valid feeds in 2 records; first problem: x.jsonl:1: feed 1: url "javascript:alert(1)": want an absolute http(s) URL`,
			records: 2,
		},
		{
			name: "crlf and bom jsonl", file: "x.jsonl",
			in:       "\ufeff{\"title\":\"A\",\"feeds\":[{\"url\":\"https://a.example/\",\"title\":\"t\"}]}\r\n\r\n{\"title\":\"B\",\"feeds\":[{\"url\":\"data:text/html,x\",\"title\":\"t\"}]}\r\n",
			feeds:    1,
			records:  2,
			problems: []string{"invalid 3/2/1 url", "warning 3/2/0 "},
			reason:   "want an absolute http(s) URL",
		},
		{
			name: "leading blank lines keep line numbers", file: "x.jsonl",
			in:       "\n\n{\"title\":\"A\",\"feeds\":[{\"url\":\"file:///etc/passwd\",\"title\":\"t\"},{\"url\":\"https://a.example/\",\"title\":\"t\"}]}\n",
			feeds:    1,
			records:  1,
			problems: []string{"invalid 3/1/1 url"},
		},
		{
			name: "huge line skipped", file: "x.jsonl", opts: Options{MaxLineBytes: 100},
			in:       `{"title":"A","feeds":[{"url":"https://a.example/` + strings.Repeat("x", 200) + `","title":"t"}]}` + "\n" + `{"title":"B","feeds":[{"url":"https://b.example/","title":"t"}]}` + "\n",
			feeds:    1,
			records:  2,
			problems: []string{"invalid 1/1/0 "},
			reason:   "line longer than 100 bytes",
		},
		{
			name: "huge last line without newline", file: "x.jsonl", opts: Options{MaxLineBytes: 100},
			in:       `{"title":"B","feeds":[{"url":"https://b.example/","title":"t"}]}` + "\n" + strings.Repeat("y", 300),
			feeds:    1,
			records:  2,
			problems: []string{"invalid 2/2/0 "},
		},
		{
			name: "wrong types", file: "x.jsonl",
			in: `{"title":"A","feeds":"x"}` + "\n" +
				`{"title":["A"],"feeds":[]}` + "\n" +
				`{"id":true,"title":"A","feeds":[]}` + "\n" +
				`{"title":"D","domains":[1],"feeds":[]}` + "\n" +
				`{"title":"E","feeds":[{"url":5,"title":"t"},{"url":"https://e.example/","title":"t","language":{"x":1}},{"url":"https://e.example/2","title":"t"}]}` + "\n" +
				`[1,2]` + "\n" + `5` + "\n" + `null` + "\n",
			feeds:   1,
			records: 8,
			problems: []string{"invalid 1/1/0 feeds", "invalid 2/2/0 title", "invalid 3/3/0 id", "invalid 4/4/0 domains[0]",
				"invalid 5/5/1 url", "invalid 5/5/2 language", "invalid 6/6/0 ", "invalid 7/7/0 ", "invalid 8/8/0 "},
			reason: "want an array of feed objects, got a string",
		},
		{
			name: "number ids accepted", file: "x.jsonl",
			in:    `{"id":17,"title":"A","feeds":[{"id":99,"url":"https://a.example/","title":"t"}]}` + "\n",
			feeds: 1, records: 1, problems: []string{},
		},
		{
			name: "duplicate urls within a flashpoint only", file: "x.jsonl",
			in: `{"title":"A","feeds":[{"url":"http://a.example:80","title":"t"},{"url":"HTTP://A.EXAMPLE/","title":"t"},{"url":"http://a.example/?q=1","title":"t"}]}` + "\n" +
				`{"title":"B","feeds":[{"url":"http://a.example/","title":"t"}]}` + "\n",
			feeds: 3, records: 2,
			problems: []string{"duplicate 1/1/2 url"},
			reason:   "duplicate of feed 1",
		},
		{
			name: "explicit feed ids must be unique", file: "x.jsonl",
			in:    `{"title":"A","feeds":[{"id":"f1","url":"https://a.example/1","title":"t"},{"id":"f1","url":"https://a.example/2","title":"t"}]}` + "\n",
			feeds: 1, records: 1,
			problems: []string{"invalid 1/1/2 id"},
		},
		{
			name: "nested flashpoint_id differs", file: "x.jsonl",
			in:    `{"id":"A","title":"A","feeds":[{"flashpoint_id":"B","url":"https://a.example/1","title":"t"}]}` + "\n",
			feeds: 1, records: 1,
			problems: []string{"warning 1/1/1 flashpoint_id"},
		},
		{
			name: "feed values cleaned and checked", file: "x.jsonl",
			in: `{"title":"  A\u0000 B  ","feeds":[` +
				`{"url":" https://a.example/1 ","title":"t","image":"javascript:x","seendate":"99990101T000000Z"},` +
				`{"url":"https://user:pw@a.example/","title":"t"},` +
				`{"url":"https://a.example:0/","title":"t"},` +
				`{"url":"/relative","title":"t"},` +
				`{"url":"https://a.example/` + strings.Repeat("p", 2100) + `","title":"t"},` +
				`{"url":"https://a.example/2","title":"   "}]}` + "\n",
			feeds: 1, records: 1,
			problems: []string{"warning 1/1/1 seendate", "warning 1/1/1 image", "invalid 1/1/2 url", "invalid 1/1/3 url",
				"invalid 1/1/4 url", "invalid 1/1/5 url", "invalid 1/1/6 title"},
			reason: "implausible year 9999",
		},
		{
			name: "json array records numbered", file: "x.json",
			in:    `[{"title":"A","feeds":[{"url":"https://a.example/","title":"t"}]}, "x", {"feeds":[]}, {"title":"D","feeds":[{"url":"mailto:a@b","title":"t"}]}]`,
			feeds: 1, records: 4,
			problems: []string{"invalid 0/2/0 ", "invalid 0/3/0 title", "invalid 0/4/1 url", "warning 0/4/0 "},
		},
		{
			name: "json truncated", file: "x.json",
			in:  `[{"title":"A","feeds":[{"url":"https://a.example/","title":"t"}]}, {"title":"B",`,
			err: "not valid JSON: unexpected end of input at byte",
		},
		{name: "json top-level number", file: "x.json", in: `5`, err: "want a JSON object or array at the top level, got a number"},
		{name: "json wrapper not an array", file: "x.json", in: `{"flashpoints": {"a": 1}}`, err: `"flashpoints": want an array, got an object`},
		{name: "json syntax error", file: "x.json", in: `{"title": "A",, }`, err: "not valid JSON"},
		{
			name: "json stream of values in a .json file", file: "x.json",
			in:    `{"title":"A","feeds":[{"url":"https://a.example/","title":"t"}]} [{"title":"B","feeds":[{"url":"https://b.example/","title":"t"}]}]`,
			feeds: 2, records: 2, problems: []string{},
		},
		{
			name: "jsonl in a .json file", file: "x.json",
			in:    `{"title":"A","feeds":[{"url":"https://a.example/","title":"t"}]}` + "\n" + `{"title":"B","feeds":[{"url":"https://b.example/","title":"t"}]}`,
			feeds: 2, records: 2, problems: []string{},
		},
		{
			name: "flat records without flashpoint use the file name", file: "red-sea.jsonl",
			in:    `{"url":"https://a.example/","title":"t"}` + "\n" + `{"url":"https://b.example/","title":"t","flashpoint_title":"Other"}` + "\n",
			feeds: 2, records: 2, problems: []string{},
		},
		{
			name: "flat record with bad flashpoint id", file: "x.jsonl",
			in:    `{"flashpoint_id":"a\u0001b","url":"https://a.example/","title":"t"}` + "\n" + `{"flashpoint_id":"ok","url":"https://a.example/","title":"t"}` + "\n",
			feeds: 1, records: 2, problems: []string{"invalid 1/1/0 flashpoint_id"},
		},
		{
			name: "flat grouping cap", file: "x.jsonl", opts: Options{MaxGroupedFeeds: 2},
			in:  strings.Repeat(`{"flashpoint_id":"a","url":"https://a.example/","title":"t"}`+"\n", 3),
			err: "more than 2 flat feed records",
		},
		{name: "over MaxBytes", file: "x.jsonl", opts: Options{MaxBytes: 64}, in: strings.Repeat(" ", 10) + `{"title":"A","feeds":[{"url":"https://a.example/","title":"t"}]}`, err: "larger than 64 bytes"},
		{name: "bad format", file: "x.jsonl", format: "yaml", in: "{}", err: `format "yaml"`},
		{name: "negative option", file: "x.jsonl", opts: Options{MaxLineBytes: -1}, in: "{}", err: "Options.MaxLineBytes: want ≥ 0"},
		{name: "not a feed", file: "x.xml", in: "<html><body>hi</body></html>", err: "not an RSS, Atom or JSON feed"},
		{name: "broken feed", file: "x.rss", in: `<rss version="2.0"><channel><item><title>a</tit`, err: "parsing the feed"},
		{name: "forced jsonl on a pretty document", file: "x.txt", format: FormatJSONL, in: "{\n \"title\": \"A\"\n}\n", err: "no valid feeds in 3 records"},
		{
			name: "sniffed jsonl without extension", file: "stdin",
			in:    `{"title":"A","feeds":[{"url":"https://a.example/","title":"t"}]}` + "\n",
			feeds: 1, records: 1, problems: []string{},
		},
		{
			name: "sniffed pretty json without extension", file: "stdin",
			in:    "{\n \"title\": \"A\",\n \"feeds\": [{\"url\": \"https://a.example/\", \"title\": \"t\"}]\n}\n",
			feeds: 1, records: 1, problems: []string{},
		},
		{
			name: "sniffed csv without extension", file: "stdin",
			in:    "title,url\nt,https://a.example/\n",
			feeds: 1, records: 1, problems: []string{},
		},
		{
			name: "sniffed rss without extension", file: "stdin",
			in:    `<rss version="2.0"><channel><title>F</title><item><title>a</title><link>https://a.example/</link></item></channel></rss>`,
			feeds: 1, records: 1, problems: []string{},
		},
		{name: "csv without url column", file: "x.csv", in: "title,link\nt,https://a.example/\n", err: `CSV header at line 1 has no "url" column; have "title,link"`},
		{name: "csv without title column", file: "x.csv", in: "\nurl,name\nhttps://a.example/,t\n", err: `CSV header at line 2 has no "title" column`},
		{name: "csv huge header", file: "x.csv", opts: Options{MaxLineBytes: 10}, in: "url,title,description\n", err: "header line 1 longer than 10 bytes"},
		{
			name: "csv rows with problems", file: "x.csv",
			in: "url,title,seendate,extra,Extra2\n" +
				"https://a.example/1,one,20250102T150405Z,x,y\n" + // 2 ok
				"https://a.example/2,two\n" + // 3 field count
				"\n" + // 4 blank
				"https://a.example/3,\"three\nspans\",2025-01-02,x,y\n" + // 5-6 ok, multi-line
				"https://a.example/4,\"bad\"quote,,x,y\n" + // 7 malformed
				"ftp://a.example/5,five,,x,y\n" + // 8 bad url
				",,,,\n" + // 9 blank row
				"https://A.example/1#x,dup,,x,y\n" + // 10 duplicate
				"https://a.example/6,\"never closed,,x,y\n" + // 11.. unterminated
				"https://a.example/7,seven,,x,y\n",
			feeds: 2, records: 7,
			problems: []string{"warning 1/0/0 ", "invalid 3/2/0 ", "invalid 7/4/0 ", "invalid 8/5/0 url", "duplicate 10/6/0 url", "invalid 11/7/0 "},
			reason:   "columns ignored: extra, extra2",
		},
		{
			name: "csv huge record", file: "x.csv", opts: Options{MaxLineBytes: 60},
			in: "url,title\n" +
				"https://a.example/1,\"" + strings.Repeat("x", 40) + "\n" + strings.Repeat("y", 40) + "\"\n" + // 2-3 too long in total
				"https://a.example/2," + strings.Repeat("z", 100) + "\n" + // 4 too long a line
				"https://a.example/3,ok\n",
			feeds: 1, records: 3,
			problems: []string{"invalid 2/1/0 ", "invalid 4/2/0 "},
			reason:   "record longer than 60 bytes",
		},
		{
			name: "csv repeated column", file: "x.csv",
			in:    "url,title,URL\nhttps://a.example/,t,https://b.example/\n",
			feeds: 1, records: 1, problems: []string{"warning 1/0/0 url"},
		},
		{
			name: "tsv", file: "x.csv",
			in:    "url\ttitle\thttps\nhttps://a.example/\tt, with comma\tx\n",
			feeds: 1, records: 1, problems: []string{"warning 1/0/0 "},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			res, err := Read(t.Context(), strings.NewReader(tt.in), tt.file, tt.format, tt.opts)
			require.NotNil(t, res)
			if tt.err != "" {
				require.ErrorIs(t, err, ErrInput)
				require.ErrorContains(t, err, tt.err)
				require.True(t, strings.HasPrefix(err.Error(), "reading "+tt.file+": "), "error names the input: %v", err)
				if tt.records > 0 {
					require.Equal(t, tt.records, res.NumRecords)
				}
				return
			}
			require.NoError(t, err)
			checkInvariants(t, res)
			require.Equal(t, tt.feeds, res.NumFeeds, "feeds")
			require.Equal(t, tt.records, res.NumRecords, "records")
			require.Equal(t, tt.problems, problemKeys(res.Problems))
			if tt.reason != "" {
				require.Contains(t, res.Problems[0].Reason, tt.reason)
			}
		})
	}
}

func TestLoadFileErrors(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	missing := filepath.Join(dir, "nope.jsonl")
	_, err := Load(t.Context(), missing, Options{})
	require.ErrorIs(t, err, ErrInput)
	require.ErrorIs(t, err, fs.ErrNotExist)
	require.EqualError(t, err, "opening "+missing+": bad input: no such file or directory")

	_, err = Load(t.Context(), dir, Options{})
	require.ErrorIs(t, err, ErrInput)
	require.ErrorContains(t, err, dir+": bad input: is a directory")

	big := filepath.Join(dir, "big.jsonl")
	require.NoError(t, os.WriteFile(big, []byte(strings.Repeat(" ", 100)), 0o644))
	_, err = Load(t.Context(), big, Options{MaxBytes: 99})
	require.ErrorIs(t, err, ErrInput)
	require.ErrorContains(t, err, "100 bytes, over the 99-byte limit")

	if runtime.GOOS == "linux" {
		// A file that opens but cannot be read: the kernel refuses reads at
		// address 0 of a process's memory.
		_, err = Load(t.Context(), "/proc/self/mem", Options{Format: FormatJSONL})
		require.ErrorIs(t, err, ErrInput)
		require.ErrorContains(t, err, "reading /proc/self/mem: bad input: ")
	}

	if os.Geteuid() != 0 { // root reads whatever the mode says
		locked := filepath.Join(dir, "locked.jsonl")
		require.NoError(t, os.WriteFile(locked, []byte("{}\n"), 0o000))
		_, err = Load(t.Context(), locked, Options{})
		require.ErrorIs(t, err, ErrInput)
		require.ErrorIs(t, err, fs.ErrPermission)
	}
}

// failingReader fails after its content: a read error mid-file, which a
// real file cannot be made to produce on demand.
type failingReader struct {
	r   io.Reader
	err error
}

func (f *failingReader) Read(p []byte) (int, error) {
	n, err := f.r.Read(p)
	if errors.Is(err, io.EOF) {
		return n, f.err
	}
	return n, err
}

func TestReadErrorMidway(t *testing.T) {
	t.Parallel()
	boom := errors.New("disk on fire")
	for _, format := range []Format{FormatJSONL, FormatJSON, FormatCSV, FormatFeed} {
		in := `{"title":"A","feeds":[{"url":"https://a.example/","title":"t"}]}` + "\n"
		if format == FormatCSV {
			in = "url,title\nhttps://a.example/,t\n"
		}
		if format == FormatFeed {
			in = `<rss version="2.0"><channel><item><title>a</title>`
		}
		_, err := Read(t.Context(), &failingReader{r: strings.NewReader(in), err: boom}, "x", format, Options{})
		require.ErrorIs(t, err, boom, format)
		require.ErrorIs(t, err, ErrInput, format)
	}
}

func TestStreamCallbackAndCancel(t *testing.T) {
	t.Parallel()
	in := strings.Repeat(`{"title":"A","feeds":[{"url":"https://a.example/","title":"t"}]}`+"\n", 1) +
		`{"title":"B","feeds":[{"url":"https://b.example/","title":"t"}]}` + "\n" +
		`{"title":"C","feeds":[{"url":"https://c.example/","title":"t"}]}` + "\n"
	path := filepath.Join(t.TempDir(), "fp.jsonl")
	require.NoError(t, os.WriteFile(path, []byte(in), 0o644))

	stop := errors.New("stop here")
	var seen []string
	sum, err := Stream(t.Context(), path, Options{}, func(fp news.Flashpoint) error {
		seen = append(seen, fp.Title)
		if fp.Title == "B" {
			return stop
		}
		return nil
	})
	require.ErrorIs(t, err, stop)
	require.NotErrorIs(t, err, ErrInput)
	require.Equal(t, []string{"A", "B"}, seen)
	require.Equal(t, 2, sum.NumFlashpoints)

	ctx, cancel := context.WithCancel(t.Context())
	seen = nil
	_, err = Stream(ctx, path, Options{}, func(fp news.Flashpoint) error {
		seen = append(seen, fp.Title)
		cancel()
		return nil
	})
	require.ErrorIs(t, err, context.Canceled)
	require.NotErrorIs(t, err, ErrInput)
	require.Equal(t, []string{"A"}, seen, "no flashpoint after cancellation")

	// Flat formats are emitted at the end; cancellation stops that too.
	ctx, cancel = context.WithCancel(t.Context())
	seen = nil
	flat := "flashpoint_id,url,title\na,https://a.example/,t\nb,https://b.example/,t\n"
	_, err = StreamReader(ctx, strings.NewReader(flat), "x.csv", FormatAuto, Options{}, func(it Item) error {
		seen = append(seen, it.Flashpoint.ID)
		cancel()
		return nil
	})
	require.ErrorIs(t, err, context.Canceled)
	require.Equal(t, []string{"a"}, seen)

	ctx, cancel = context.WithCancel(t.Context())
	cancel()
	for _, f := range []Format{FormatJSON, FormatJSONL, FormatCSV, FormatFeed} {
		_, err = StreamReader(ctx, strings.NewReader(in), "x", f, Options{}, func(Item) error { return nil })
		require.ErrorIs(t, err, context.Canceled, f)
		require.NotErrorIs(t, err, ErrInput, f)
	}
}

func TestMaxProblems(t *testing.T) {
	t.Parallel()
	in := `{"title":"ok","feeds":[{"url":"https://a.example/","title":"t"}]}` + "\n" + strings.Repeat("bad\n", 10)
	res, err := Read(t.Context(), strings.NewReader(in), "x.jsonl", FormatAuto, Options{MaxProblems: 3})
	require.NoError(t, err)
	checkInvariants(t, res)
	require.Len(t, res.Problems, 3)
	require.Equal(t, 7, res.ProblemsOmitted)
	require.Equal(t, 10, res.NumInvalidRecords)
	require.Equal(t, 4, res.Problems[2].Line)
}

func TestProblemValueCapped(t *testing.T) {
	t.Parallel()
	long := "ftp://" + strings.Repeat("é", 5000)
	in := `{"title":"A","feeds":[{"url":"https://a.example/","title":"t"},{"url":"` + long + `","title":"t"}]}`
	res, err := Read(t.Context(), strings.NewReader(in), "x.jsonl", FormatAuto, Options{})
	require.NoError(t, err)
	p := res.Problems[0]
	require.LessOrEqual(t, len([]rune(p.Value)), 256)
	require.Less(t, len([]rune(p.Error())), 250, "messages quote at most 160 runes: %s", p.Error())
	require.Contains(t, p.Error(), "…")
}

func TestParseFormat(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]Format{"": FormatAuto, "AUTO": FormatAuto, "json": FormatJSON, "ndjson": FormatJSONL,
		"jsonl": FormatJSONL, "csv": FormatCSV, "rss": FormatFeed, "atom": FormatFeed, "xml": FormatFeed, " feed ": FormatFeed} {
		got, err := ParseFormat(in)
		require.NoError(t, err, in)
		require.Equal(t, want, got, in)
	}
	_, err := ParseFormat("yaml")
	require.ErrorIs(t, err, ErrInput)
	require.ErrorContains(t, err, `format "yaml": want auto, json, jsonl, csv or feed`)
}

// One NUL byte in one feed URL used to fail the whole flashpoint: the
// invalid feed was stored under its raw URL, which the store refuses. An
// exact duplicate overwrote the row of the feed it duplicated, and two
// feeds without a URL shared one row.
func TestDroppedFeedsGetStorableDistinctKeys(t *testing.T) {
	data := `{"id":"fp1","title":"T","feeds":[` +
		`{"url":"https://a.example/x\u0000y","title":"nul"},` +
		`{"url":"https://a.example/ok","title":"kept"},` +
		`{"url":"https://a.example/ok","title":"exact duplicate"},` +
		`{"url":"","title":"no url"},{"url":"","title":"no url again"},` +
		`{"url":"https://a.example/\u0007bell\u001f","title":"controls"},` +
		`{"url":"https://a.example/t","title":""},{"url":"https://a.example/t","title":"kept after an invalid twin"}]}`
	res, err := Read(context.Background(), strings.NewReader(data), "in.jsonl", FormatJSONL, Options{})
	require.NoError(t, err)
	checkInvariants(t, res)
	var dropped []string
	for _, d := range append(res.Duplicates, res.Invalid...) {
		dropped = append(dropped, d.URL)
	}
	require.Equal(t, []string{
		"https://a.example/ok (line 1 feed 3)",
		"https://a.example/x%00y",
		"(no url)", "(no url) (line 1 feed 5)",
		"https://a.example/%07bell%1F",
		"https://a.example/t (line 1 feed 7)",
	}, dropped)
	require.Equal(t, "https://a.example/x\x00y", res.Invalid[0].Problem.Value, "the problem still reports the raw value")
}
