package charset

import (
	"bytes"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"
	"golang.org/x/text/encoding"
	"golang.org/x/text/encoding/charmap"
	"golang.org/x/text/encoding/japanese"
	"golang.org/x/text/encoding/simplifiedchinese"
	"golang.org/x/text/encoding/unicode"
)

// chardet runs its recognizers on goroutines; they must all finish.
func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

const (
	ruText = "Министерство иностранных дел России заявило в понедельник, что переговоры о прекращении огня продолжатся на следующей неделе в Стамбуле."
	jpText = "東京電力は月曜日、福島第一原子力発電所の処理水の海洋放出を予定通り進めると発表した。地元の漁業関係者は懸念を示している。"
	zhText = "外交部发言人在周一的例行记者会上表示，中方愿同各方一道，推动政治解决危机，维护地区和平稳定。双方就共同关心的国际和地区问题深入交换了意见。"
)

func encode(t *testing.T, enc encoding.Encoding, s string) []byte {
	t.Helper()
	b, err := enc.NewEncoder().Bytes([]byte(s))
	require.NoError(t, err)
	return b
}

func page(head, body string) string {
	return "<!DOCTYPE html><html><head>" + head + "<title>Новости</title></head><body><article><p>" +
		body + "</p><p>" + body + "</p></article></body></html>"
}

func TestToUTF8(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name        string
		body        []byte
		contentType string
		wantName    string
		wantSource  Source
		wantText    string
	}{
		{
			name:        "windows-1251 from the header",
			body:        encode(t, charmap.Windows1251, "<html><head><title>t</title></head><body><p>"+ruText+"</p></body></html>"),
			contentType: "text/html; charset=windows-1251",
			wantName:    "windows-1251", wantSource: SourceHeader, wantText: ruText,
		},
		{
			name:        "shift_jis from a meta tag only",
			body:        encode(t, japanese.ShiftJIS, `<html><head><meta charset="Shift_JIS"><title>t</title></head><body><p>`+jpText+`</p></body></html>`),
			contentType: "text/html",
			wantName:    "shift_jis", wantSource: SourceMeta, wantText: jpText,
		},
		{
			name:     "gbk from an http-equiv meta, gb2312 label",
			body:     encode(t, simplifiedchinese.GBK, `<html><head><meta http-equiv="Content-Type" content="text/html; charset=gb2312"></head><body><p>`+zhText+`</p></body></html>`),
			wantName: "gbk", wantSource: SourceMeta, wantText: zhText,
		},
		{
			name:     "gbk sniffed without any declaration",
			body:     encode(t, simplifiedchinese.GBK, "<html><head><title>新闻</title></head><body><p>"+zhText+"</p><p>"+zhText+"</p></body></html>"),
			wantName: "gb18030", wantSource: SourceSniff, wantText: zhText,
		},
		{
			name:     "windows-1251 sniffed without any declaration",
			body:     encode(t, charmap.Windows1251, page("", ruText)),
			wantName: "windows-1251", wantSource: SourceSniff, wantText: ruText,
		},
		{
			name:     "meta declaration after 1024 bytes of script",
			body:     encode(t, charmap.Windows1251, page("<script>"+strings.Repeat("var a = 1;\n", 200)+"</script><meta charset=windows-1251>", ruText)),
			wantName: "windows-1251", wantSource: SourceMeta, wantText: ruText,
		},
		{
			name:        "the header wins over the meta",
			body:        encode(t, charmap.Windows1251, page(`<meta charset="utf-8">`, ruText)),
			contentType: `text/html; charset="WINDOWS-1251"`,
			wantName:    "windows-1251", wantSource: SourceHeader, wantText: ruText,
		},
		{
			name:        "an unknown header label falls through to the meta",
			body:        encode(t, japanese.ShiftJIS, `<meta charset=shift_jis><p>`+jpText),
			contentType: "text/html; charset=no-such-charset",
			wantName:    "shift_jis", wantSource: SourceMeta, wantText: jpText,
		},
		{
			name:     "xml declaration",
			body:     encode(t, charmap.Windows1251, `<?xml version="1.0" encoding="windows-1251"?><rss><item><title>`+ruText+`</title></item></rss>`),
			wantName: "windows-1251", wantSource: SourceMeta, wantText: ruText,
		},
		{
			name:     "undeclared utf-8",
			body:     []byte(page("", ruText)),
			wantName: "utf-8", wantSource: SourceUTF8, wantText: ruText,
		},
		{
			name:        "utf-8 byte order mark beats a wrong header",
			body:        append([]byte("\xEF\xBB\xBF"), page("", zhText)...),
			contentType: "text/html; charset=iso-8859-1",
			wantName:    "utf-8", wantSource: SourceBOM, wantText: zhText,
		},
		{
			name:     "utf-16le byte order mark",
			body:     append([]byte("\xFF\xFE"), encode(t, unicode.UTF16(unicode.LittleEndian, unicode.IgnoreBOM), page("", ruText))...),
			wantName: "utf-16le", wantSource: SourceBOM, wantText: ruText,
		},
		{
			name:     "meta claiming utf-16 is read as utf-8",
			body:     []byte(`<meta charset="utf-16"><p>` + ruText),
			wantName: "utf-8", wantSource: SourceMeta, wantText: ruText,
		},
		{
			name:        "iso-8859-1 label means windows-1252",
			body:        encode(t, charmap.Windows1252, "<p>Caf\u00e9 \u201cquoted\u201d</p>"),
			contentType: "text/html; charset=ISO-8859-1",
			wantName:    "windows-1252", wantSource: SourceHeader, wantText: "Caf\u00e9 \u201cquoted\u201d",
		},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			out, res, err := ToUTF8(c.body, c.contentType)
			require.NoError(t, err)
			require.Equal(t, c.wantName, res.Name)
			require.Equal(t, c.wantSource, res.Source)
			require.True(t, utf8.Valid(out))
			require.Contains(t, string(out), c.wantText)
			require.False(t, bytes.HasPrefix(out, []byte("\xEF\xBB\xBF")), "the BOM is dropped")
		})
	}
}

func TestInvalidBytesBecomeReplacementCharacters(t *testing.T) {
	t.Parallel()
	// Declared UTF-8 but broken: the output must still be valid UTF-8.
	out, res, err := ToUTF8([]byte("<p>ok \xff\xfe broken</p>"), "text/html; charset=utf-8")
	require.NoError(t, err)
	require.Equal(t, "utf-8", res.Name)
	require.True(t, utf8.Valid(out))
	require.Contains(t, string(out), "ok \uFFFD")
}

func TestDefaultIsWindows1252(t *testing.T) {
	t.Parallel()
	// Too little text for any detector to be sure of: a lone high byte.
	res := Detect([]byte("<p>a\xe9</p>"), "")
	require.Equal(t, "windows-1252", res.Name)
	require.Contains(t, []Source{SourceDefault, SourceSniff}, res.Source)
	out, err := res.Decode([]byte("<p>a\xe9</p>"))
	require.NoError(t, err)
	require.Equal(t, "<p>a\u00e9</p>", string(out))
}

func TestAttrValue(t *testing.T) {
	t.Parallel()
	cases := map[string]string{
		`text/html; charset=koi8-r`:       "koi8-r",
		`text/html;charset="euc-jp"`:      "euc-jp",
		`text/html; CHARSET = 'big5' ; x`: "big5",
		`text/html; charset`:              "",
		`text/html; charset=`:             "",
		`text/html; charset="unclosed`:    "",
		`no declaration`:                  "",
		`xcharsetx; charset=gbk`:          "gbk",
	}
	for in, want := range cases {
		require.Equal(t, want, attrValue(in, "charset"), in)
	}
}

func FuzzDetect(f *testing.F) {
	f.Add([]byte(`<meta charset="shift_jis"><p>x`), "text/html")
	f.Add([]byte("\xFF\xFE<\x00p\x00"), "")
	f.Add([]byte(`<?xml version="1.0" encoding="koi8-r"?><a/>`), "text/xml; charset=")
	f.Add([]byte("<p>\x81\x40\x82\xa0</p>"), "text/html; charset=\"")
	f.Fuzz(func(t *testing.T, body []byte, ct string) {
		out, _, err := ToUTF8(body, ct)
		if err == nil && !utf8.Valid(out) {
			t.Fatalf("output is not valid UTF-8: %q", out)
		}
	})
}

func BenchmarkToUTF8(b *testing.B) {
	raw := []byte(strings.Repeat(page("", ruText), 80)) // about 100 KB of UTF-8
	cp1251, _ := charmap.Windows1251.NewEncoder().Bytes(raw)
	for _, c := range []struct {
		name, contentType string
		body              []byte
	}{
		{"utf8-undeclared", "", raw},
		{"cp1251-header", "text/html; charset=windows-1251", cp1251},
		{"cp1251-sniffed", "", cp1251},
	} {
		b.Run(c.name, func(b *testing.B) {
			b.SetBytes(int64(len(c.body)))
			b.ReportAllocs()
			for b.Loop() {
				if _, _, err := ToUTF8(c.body, c.contentType); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
