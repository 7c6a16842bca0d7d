package input

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"
)

// fuzzRead reads hostile data and asserts that it never panics, that every
// error is the input's fault, and that whatever is kept holds the
// invariants.
func fuzzRead(t *testing.T, data []byte, name string, format Format) {
	opts := Options{MaxBytes: 1 << 20, MaxLineBytes: 4 << 10, MaxGroupedFeeds: 10000}
	res, err := Read(context.Background(), bytes.NewReader(data), name, format, opts)
	require.NotNil(t, res, "Result")
	if err != nil {
		require.ErrorIs(t, err, ErrInput, "error not marked as the input's fault")
		return
	}
	checkInvariants(t, res)
}

func addSeeds(f *testing.F, files ...string) {
	for _, name := range files {
		data, err := os.ReadFile(filepath.Join("testdata", name))
		require.NoError(f, err)
		f.Add(data)
	}
}

func FuzzJSON(f *testing.F) {
	addSeeds(f, "flashpoints.json", "wrapped.json", "single.json", "flat.json")
	for _, s := range []string{
		`[]`, `{}`, `null`, `[null, 1, "x", [], {}]`, `{"flashpoints": null}`, `{"flashpoints": [{"title": "A"}]} {"x": 1}`,
		`[{"title":"A","feeds":[{"url":"https://a.example/","title":"t","entities":5}]}]`,
		`{"title":"A","entities":["a",1],"feeds":[{"url":"https://a.example/\u0000","title":"\ud800"}]}`,
		`[{"title":"A","feeds":[{"url":"https://a.example/","title":"t"}]}, {"title":`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) { fuzzRead(t, data, "fuzz.json", FormatJSON) })
}

func FuzzJSONL(f *testing.F) {
	addSeeds(f, "flashpoints.jsonl", "flat.jsonl")
	for _, s := range []string{
		mixedJSONL,
		"\ufeff{\"title\":\"A\",\"feeds\":[{\"url\":\"https://a.example/\",\"title\":\"t\"}]}\r\n",
		`{"flashpoint_id":1,"url":"https://a.example/","title":"t"}` + "\n" + `{"flashpoint_id":"1","url":"https://A.example","title":"t"}`,
		`{"id":"` + string(bytes.Repeat([]byte("x"), 300)) + `","title":"A"}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) { fuzzRead(t, data, "fuzz.jsonl", FormatJSONL) })
}

func FuzzCSV(f *testing.F) {
	addSeeds(f, "gdelt.csv", "bom-crlf-semicolon.csv")
	for _, s := range []string{
		"url,title\n", "url,title\nhttps://a.example/,\"t\"\"x\"\n", "url,title\n\"unterminated,x\n",
		"URL\tTitle\tflashpoint_title\nhttps://a.example/\tt\tF\n", "url;title;seendate\nhttps://a.example/;t;2025-01-02\n",
		"url,title,url\nhttps://a.example/,t,x\n,,\n",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) { fuzzRead(t, data, "fuzz.csv", FormatCSV) })
}

func FuzzFeed(f *testing.F) {
	addSeeds(f, "rss.xml", "atom.xml")
	for _, s := range []string{
		`<rss version="2.0"><channel><item><title>a</title><link>https://a.example/</link></item></channel></rss>`,
		`<feed xmlns="http://www.w3.org/2005/Atom"><entry><title>a</title><link href="/x"/></entry></feed>`,
		`<?xml version="1.0" encoding="ISO-8859-1"?><rss><channel><title>\xe9</title></channel></rss>`,
		`{"version":"https://jsonfeed.org/version/1.1","items":[{"url":"https://a.example/","title":"t"}]}`,
		`<rss><channel><item><description><![CDATA[<script>x</script><img src="/i.png">]]></description></item></channel></rss>`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) { fuzzRead(t, data, "fuzz.xml", FormatFeed) })
}

// FuzzDetect feeds anything to format detection and every reader.
func FuzzDetect(f *testing.F) {
	addSeeds(f, "flashpoints.jsonl", "flashpoints.json", "gdelt.csv", "rss.xml", "notes.txt")
	f.Fuzz(func(t *testing.T, data []byte) { fuzzRead(t, data, "stdin", FormatAuto) })
}
