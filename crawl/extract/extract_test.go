package extract

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

func readFixture(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	require.NoError(t, err)
	return b
}

func TestFixtures(t *testing.T) {
	t.Parallel()
	cases := []struct {
		file, url                       string
		title, author, date, site, lang string
		image, canonical, method        string
		body                            []string // paragraphs that must be in Text
		boilerplate                     []string // strings that must not be
	}{
		{
			file: "wire-story.html", url: "https://harbourdaily.example/world/2024/03/11/port-strike-grain-exports?utm_source=feed",
			title: "Port strike halts grain exports as talks stall", author: "Maria Okafor", date: "2024-03-11",
			site: "Harbour Daily", lang: "en", image: "https://harbourdaily.example/img/2024/03/port-strike.jpg",
			canonical: "https://harbourdaily.example/world/2024/03/11/port-strike-grain-exports", method: MethodTrafilatura,
			body: []string{
				"Dock workers at the country's three largest ports walked out on Monday",
				"\"Our members have been working without a contract for two months",
				"The port authority said in a statement that it remained open to dialogue",
				"Previous strikes at the ports, in 2019 and 2021, each lasted more than a week before a settlement was reached.",
			},
			boilerplate: []string{"We use cookies", "Accept all", "Subscribe for unlimited access", "Grain prices jump on supply fears",
				"Get the morning briefing", "completely predictable", "Central bank holds rates steady", "All rights reserved", "Share on X"},
		},
		{
			file: "div-soup.html", url: "https://northerncourier.example/news/floods",
			title: "Flood defences breached in three towns after record rainfall", author: "Tom Hartley", date: "2023-11-02",
			site: "Northern Courier", lang: "en", image: "https://cdn.northerncourier.example/images/floods-1200.jpg",
			canonical: "https://northerncourier.example/news/floods", method: MethodTrafilatura,
			body: []string{
				"Flood defences were overwhelmed in three towns on Thursday",
				"\"We have never seen water come up this quickly,\" said a councillor",
				"The government said it would activate its emergency funding scheme",
			},
			boilerplate: []string{"Advertisement", "Sign in", "Sign up to our daily newsletter", "belly fat", "Trending",
				"Man charged after crash", "Registered in England and Wales", "WhatsApp", "Leeds 9°C"},
		},
		{
			file: "opinion.html", url: "https://review.example/opinion/water-treaty",
			title: "The water treaty deserves a second chance", author: "Leila Haddad", date: "2022-07-19",
			site: "The Continental Review", lang: "en", canonical: "https://review.example/opinion/water-treaty", method: MethodTrafilatura,
			body: []string{
				"When the two governments abandoned the river basin treaty three years ago",
				"There is a way around that. A technical commission with independent members",
				"is the quickest way to have rules in place before the rivers fall any further.",
			},
			boilerplate: []string{"free articles left", "Why the central bank should ignore the critics", "Shade is the cheapest",
				"Editorial standards", "Podcasts", "Continental Media SA"},
		},
		{
			file: "russian-cp1251.html", url: "https://vecher.example/society/roads",
			title: "Правительство утвердило план ремонта дорог на 2024 год", author: "Анна Смирнова", date: "2024-02-06",
			site: "Вечерние новости", lang: "ru", canonical: "https://vecher.example/society/roads", method: MethodTrafilatura,
			body: []string{
				"Правительство во вторник утвердило план ремонта региональных дорог на 2024 год",
				"«Мы начнём работы сразу после схода снега и рассчитываем завершить основную часть к октябрю»",
				"уже направили обращения с просьбой включить их участки в план следующего года.",
			},
			boilerplate: []string{"файлы cookie", "Читайте также", "Цены на бензин", "Нашу дорогу обещают", "Все права защищены", "Главная"},
		},
		{
			// The story column is marked up as an <aside>, which trafilatura
			// discards: its rescue pass finds only navigation, so the
			// readability fallback supplies the article.
			file: "legacy-aside.html", url: "https://estuaire.example/economie/raffinerie",
			title: "Le tribunal suspend la fermeture de la raffinerie", lang: "fr",
			canonical: "https://estuaire.example/economie/raffinerie", method: MethodReadability,
			body: []string{
				"Le tribunal administratif a suspendu jeudi la fermeture de la raffinerie de l'estuaire",
				"« C'est une première victoire, mais le combat continue »",
				"qui permettrait de conserver une partie des emplois et des installations portuaires.",
			},
			boilerplate: []string{"Mentions légales", "Agenda", "Imprimer"},
		},
	}
	for _, c := range cases {
		t.Run(c.file, func(t *testing.T) {
			t.Parallel()
			a, err := Extract(readFixture(t, c.file), c.url, Options{})
			require.NoError(t, err)
			require.Equal(t, c.title, a.Title)
			require.Equal(t, c.author, a.Author)
			if c.date == "" {
				require.True(t, a.Date.IsZero(), "date %v", a.Date)
			} else {
				require.Equal(t, c.date, a.Date.Format("2006-01-02"))
			}
			if c.site != "" {
				require.Equal(t, c.site, a.Site)
			}
			require.Equal(t, c.lang, a.Language)
			require.Equal(t, c.image, a.Image)
			require.Equal(t, c.canonical, a.URL)
			require.Equal(t, c.method, a.Method)
			for _, p := range c.body {
				require.Contains(t, a.Text, p)
			}
			for _, b := range c.boilerplate {
				require.NotContains(t, a.Text, b)
			}
			require.NotContains(t, a.Text, "\n\n", "one paragraph per line, no blank lines")
			require.GreaterOrEqual(t, strings.Count(a.Text, "\n"), len(c.body)-1, "paragraphs stay on separate lines")
		})
	}
}

func TestFallbackChoice(t *testing.T) {
	t.Parallel()
	aside := readFixture(t, "legacy-aside.html")

	// Without the fallback, trafilatura's rescue text is all there is.
	a, err := Extract(aside, "", Options{NoFallback: true})
	require.NoError(t, err)
	require.Equal(t, MethodTrafilatura, a.Method)
	require.NotContains(t, a.Text, "Les juges ont estimé")

	// A low MinChars accepts that short text without asking readability.
	a, err = Extract(aside, "", Options{MinChars: 100})
	require.NoError(t, err)
	require.Equal(t, MethodTrafilatura, a.Method)

	// Readability runs on short texts but only wins when it finds more.
	wire := readFixture(t, "wire-story.html")
	a, err = Extract(wire, "", Options{MinChars: 1_000_000})
	require.NoError(t, err)
	require.Equal(t, MethodTrafilatura, a.Method)
	require.Contains(t, a.Text, "Dock workers")
}

func TestNoContent(t *testing.T) {
	t.Parallel()
	for name, page := range map[string][]byte{
		"javascript shell": readFixture(t, "spa-shell.html"),
		"empty":            nil,
		"whitespace":       []byte(" \n\t "),
		"bare markup":      []byte("<html><head></head><body><div><span></span></div></body></html>"),
		"title only":       []byte("<title>Just a title</title>"),
	} {
		_, err := Extract(page, "", Options{})
		require.ErrorIs(t, err, ErrNoContent, name)
		require.NotErrorIs(t, err, ErrPanic, name)
	}
}

func TestBadInput(t *testing.T) {
	t.Parallel()
	page := readFixture(t, "wire-story.html")

	_, err := Extract(page, "", Options{MaxBytes: 1000})
	require.ErrorIs(t, err, ErrTooLarge)
	require.Contains(t, err.Error(), "6681 bytes, limit 1000")

	_, err = Extract(page, "", Options{MaxElements: 50})
	require.ErrorIs(t, err, ErrTooLarge)
	require.Contains(t, err.Error(), "more than 50 elements")

	deep := strings.Repeat("<div>", 600) + "text" + strings.Repeat("</div>", 600)
	_, err = Extract([]byte(deep), "", Options{})
	require.ErrorIs(t, err, ErrMalformed)

	for _, raw := range []string{"not a url", "/relative", "ftp://example.com/a", "http://", "%zz"} {
		_, err = Extract(page, raw, Options{})
		require.ErrorIs(t, err, ErrBadURL, raw)
		require.Contains(t, err.Error(), raw)
	}
}

func TestNonUTF8Input(t *testing.T) {
	t.Parallel()
	raw := readFixture(t, "russian-cp1251.html")
	require.False(t, utf8.Valid(raw), "the fixture is stored as windows-1251")
	a, err := Extract(raw, "", Options{})
	require.NoError(t, err)
	require.True(t, utf8.ValidString(a.Text))
	require.Contains(t, a.Text, "Правительство во вторник утвердило")
}

func TestPanicsBecomeErrors(t *testing.T) {
	t.Parallel()
	// A real library panic cannot be provoked on purpose; this drives the
	// recovery wrapper Extract puts around both libraries.
	err := safely(MethodReadability, func() error {
		var m map[string]int
		//lint:ignore SA5000 the test panics on purpose
		m["x"]++ // assignment to a nil map
		return nil
	})
	require.ErrorIs(t, err, ErrPanic)
	var pe *PanicError
	require.ErrorAs(t, err, &pe)
	require.Contains(t, string(pe.Stack), "TestPanicsBecomeErrors")
	require.True(t, strings.HasPrefix(err.Error(), MethodReadability+" panicked: assignment to entry in nil map\n"),
		"the message names the method and the value: %q", err)
	require.Contains(t, err.Error(), "TestPanicsBecomeErrors", "the message carries the stack")

	// When neither extractor succeeds, the panic stays matchable.
	joined := noContent(err, nil)
	require.ErrorIs(t, joined, ErrNoContent)
	require.ErrorIs(t, joined, ErrPanic)
	require.NoError(t, safely("x", func() error { return nil }))
	require.EqualError(t, safely("x", func() error { return errors.New("plain") }), "plain")
}

func TestCleanText(t *testing.T) {
	t.Parallel()
	in := "  First\u00a0 paragraph \t here.\n\n\n \u200b\nSecond\r\nline  \n"
	require.Equal(t, "First paragraph here.\nSecond\nline", cleanText(in))
	require.Equal(t, "en", languageHint(" en-GB "))
	require.Equal(t, "pt", languageHint("PT_br"))
	require.Equal(t, "", languageHint(""))
}

func FuzzExtract(f *testing.F) {
	for _, name := range []string{"wire-story.html", "div-soup.html", "legacy-aside.html", "spa-shell.html"} {
		f.Add(readFixture(f, name))
	}
	for _, s := range []string{
		"<table><tr><td><table><tr><td><p>x",
		"<svg><foreignObject><math><mi><p>text</p>",
		`<script type="application/ld+json">{"articleBody":"<p>` + strings.Repeat("a", 300) + `"}</script>`,
		`<script type="application/ld+json">[[[[[[[[{"@graph":[{"articleBody":1}]}]]]]]]]]</script>`,
		`<meta property="article:published_time" content="99999-99-99T99:99:99">`,
		"<p>\x00\xff\xfe</p><template><p>hidden</p></template>",
		"<frameset><frame src=x></frameset>",
		strings.Repeat("<p><a href=x>link</a></p>", 200),
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, page []byte) {
		a, err := Extract(page, "https://example.com/a", Options{MaxElements: 20_000})
		if err != nil {
			if errors.Is(err, ErrPanic) {
				t.Fatalf("an extraction library panicked: %v", err)
			}
			for _, want := range []error{ErrNoContent, ErrTooLarge, ErrMalformed} {
				if errors.Is(err, want) {
					return
				}
			}
			t.Fatalf("unexpected error kind: %v", err)
		}
		if a.Text == "" || !utf8.ValidString(a.Text) {
			t.Fatalf("bad text %q", a.Text)
		}
		if a.Method != MethodTrafilatura && a.Method != MethodReadability {
			t.Fatalf("bad method %q", a.Method)
		}
	})
}
