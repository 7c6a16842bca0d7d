package langid_test

import (
	"math"
	"slices"
	"strings"
	"sync"
	"testing"
	"unicode/utf8"

	"github.com/stretchr/testify/require"

	"github.com/masx-ai/masx/nlp/langid"
)

func mustDefault(t testing.TB) *langid.Detector {
	t.Helper()
	d, err := langid.Default()
	require.NoError(t, err)
	return d
}

func TestDefaultIsShared(t *testing.T) {
	a, b := mustDefault(t), mustDefault(t)
	require.Same(t, a, b, "Default returned two different detectors")
}

func TestLanguages(t *testing.T) {
	got := langid.Languages()
	require.True(t, slices.IsSorted(got), "Languages() not sorted: %v", got)
	for _, l := range coreLanguages {
		require.Contains(t, got, l, "Languages() lacks a core language")
	}
	for _, l := range got {
		require.True(t, len(l) == 2 && strings.ToLower(l) == l, "Languages() has %q, want two-letter lowercase ISO 639-1 codes", l)
	}
	require.NotContains(t, got, "ms", "Languages() has ms; Malay is reported as id (see the package doc)")
	got[0] = "xx"
	require.NotEqual(t, "xx", langid.Languages()[0], "Languages() returns shared state")
}

func TestUndetermined(t *testing.T) {
	d := mustDefault(t)
	for name, text := range map[string]string{
		"empty":           "",
		"spaces":          " \t\n\r ",
		"digits":          "2024-05-17 12:30:00 +02:00 1 234 567,89",
		"punctuation":     "!!! ??? ... --- *** ### @@@ «» „“ — …",
		"emoji":           "🚀🔥😀👍🏽🇩🇪",
		"too few letters": "Hi! OK.",
		"one short word":  "Straße",
		"invalid utf-8":   "\xff\xfe\xfd\x80\x81",
		"nul bytes":       "\x00\x00\x00\x00",
		"gibberish":       "qzxv kjwq pfzx vbnq xqzj wvkq zzxq jjqv",
		"three han":       "停火。",
	} {
		r := d.Detect(text)
		require.Equal(t, langid.Und, r.Lang, "%s %q: got %+v, want und", name, text, r)
		require.Zero(t, r.Confidence, "%s %q: got %+v, want confidence 0", name, text, r)
	}
}

func TestScriptDecides(t *testing.T) {
	d := mustDefault(t)
	for _, tc := range []struct{ text, lang, script string }{
		{"Η κυβέρνηση ανακοίνωσε νέα μέτρα για τη στήριξη των νοικοκυριών.", "el", "Grek"},
		{"รัฐบาลประกาศมาตรการใหม่เพื่อช่วยเหลือประชาชนที่ได้รับผลกระทบ", "th", "Thai"},
		{"הממשלה הודיעה על צעדים חדשים", "he", "Hebr"},
		{"정부는 새로운 경제 대책을 발표했다", "ko", "Hang"},
		{"政府宣布了新的经济刺激措施，以支持中小企业。", "zh", "Hani"},
		{"政府は新たな経済対策を発表した。", "ja", "Jpan"},
		{"ニュースのポイントをまとめました", "ja", "Jpan"},
		{"সরকার নতুন অর্থনৈতিক পদক্ষেপ ঘোষণা করেছে", "bn", "Beng"},
	} {
		r := d.Detect(tc.text)
		require.Equal(t, tc.lang, r.Lang, "%q: got %+v", tc.text, r)
		require.Equal(t, tc.script, r.Script, "%q: got %+v", tc.text, r)
		require.GreaterOrEqual(t, r.Confidence, 0.6, "%q: got %+v", tc.text, r)
	}
}

func TestCloseLanguages(t *testing.T) {
	d := mustDefault(t)
	for _, tc := range []struct{ text, lang string }{
		// Cyrillic: Russian and Ukrainian share most letters.
		{"Правительство объявило о новых мерах поддержки экономики.", "ru"},
		{"Уряд оголосив про нові заходи підтримки економіки.", "uk"},
		// Arabic script: Arabic, Persian and Urdu.
		{"أعلنت الحكومة عن إجراءات جديدة لدعم الاقتصاد الوطني.", "ar"},
		{"دولت از اقدامات جدیدی برای حمایت از اقتصاد خبر داد.", "fa"},
		{"حکومت نے معیشت کی مدد کے لیے نئے اقدامات کا اعلان کیا ہے۔", "ur"},
		// Devanagari: Hindi and Marathi.
		{"सरकार ने अर्थव्यवस्था को समर्थन देने के लिए नए उपायों की घोषणा की है।", "hi"},
		{"सरकारने अर्थव्यवस्थेला पाठिंबा देण्यासाठी नवीन उपाययोजना जाहीर केल्या आहेत.", "mr"},
		// Iberian and Romance neighbours.
		{"O governo anunciou novas medidas para apoiar a economia do país.", "pt"},
		{"El gobierno anunció nuevas medidas para apoyar la economía del país.", "es"},
		{"Il governo ha annunciato nuove misure per sostenere l'economia del paese.", "it"},
	} {
		r := d.Detect(tc.text)
		require.Equal(t, tc.lang, r.Lang, "%q: got %+v", tc.text, r)
	}
}

func TestMixedScripts(t *testing.T) {
	d := mustDefault(t)
	// A Russian sentence with Latin brand names: the majority script and
	// its language win, with confidence reduced by the foreign share.
	text := "Компания Apple и Microsoft представили новые продукты на выставке в Москве на этой неделе."
	r := d.Detect(text)
	require.Equal(t, "ru", r.Lang, "got %+v", r)
	require.Equal(t, "Cyrl", r.Script, "got %+v", r)
	pure := d.Detect("Компания представила новые продукты на выставке в Москве на этой неделе.")
	require.Less(t, r.Confidence, pure.Confidence, "mixed-script confidence not below pure")
	// Chinese with a few kana stays Chinese.
	r = d.Detect("据报道，该公司将在东京发布新产品，名为「スマート」系列，预计明年上市销售。")
	require.Equal(t, "zh", r.Lang, "Chinese with a katakana name: got %+v", r)
}

func TestTruncation(t *testing.T) {
	en := strings.Repeat("The government announced new measures to support the economy. ", 20)
	de := strings.Repeat("Die Regierung hat neue Maßnahmen zur Unterstützung der Wirtschaft angekündigt. ", 200)
	d := mustDefault(t)
	r := d.Detect(en + de)
	require.Equal(t, "en", r.Lang, "English start, German tail: got %+v (only the first %d characters count)", r, langid.MaxCharsDefault)
	short, err := langid.New(langid.Options{MaxChars: 30})
	require.NoError(t, err)
	r = short.Detect(de[:40] + en)
	require.Equal(t, "de", r.Lang, "MaxChars 30 on German then English: got %+v", r)
	// Truncation falls on a rune boundary: 2-byte runes cut at an odd
	// count still decode.
	r = short.Detect(strings.Repeat("ä", 29) + "ö" + strings.Repeat("x", 10))
	require.True(t, r.Lang == langid.Und || utf8.ValidString(r.Lang), "bad result %+v", r)
}

func TestHugeInputIsCheap(t *testing.T) {
	d := mustDefault(t)
	huge := strings.Repeat("Der Bundestag hat das Gesetz beschlossen. ", 250_000) // ~10 MB
	allocs := testing.AllocsPerRun(5, func() { d.Detect(huge) })
	require.Zero(t, allocs, "Detect allocations per call")
	r := d.Detect(huge)
	require.Equal(t, "de", r.Lang, "got %+v", r)
}

func TestRestrictedLanguages(t *testing.T) {
	d, err := langid.New(langid.Options{Languages: []string{"en", "de", "ja"}})
	require.NoError(t, err)
	r := d.Detect("Правительство объявило о новых мерах поддержки экономики страны.")
	require.Equal(t, langid.Und, r.Lang, "Russian with only en/de/ja allowed: got %+v", r)
	r = d.Detect("Die Regierung hat neue Maßnahmen zur Unterstützung der Wirtschaft angekündigt.")
	require.Equal(t, "de", r.Lang, "German: got %+v", r)
	r = d.Detect("政府は新たな経済対策を発表した。")
	require.Equal(t, "ja", r.Lang, "Japanese: got %+v", r)
	// Chinese is not allowed: Han text without kana has no answer.
	r = d.Detect("政府宣布了新的经济刺激措施，以支持中小企业。")
	require.Equal(t, langid.Und, r.Lang, "Chinese with zh not allowed: got %+v", r)

	one, err := langid.New(langid.Options{Languages: []string{"en"}})
	require.NoError(t, err)
	r = one.Detect("The government announced new measures to support the economy.")
	require.Equal(t, "en", r.Lang, "English with only en allowed: got %+v", r)
	require.GreaterOrEqual(t, r.Confidence, 0.9, "English with only en allowed: got %+v", r)
	// With nothing to compare against, the fit to the model still has to
	// hold: Finnish is no English.
	r = one.Detect("Hallitus ilmoitti tiistaina leikkaavansa sosiaaliturvaa ja nostavansa arvonlisäveroa.")
	require.Equal(t, langid.Und, r.Lang, "Finnish with only en allowed: got %+v", r)
}

func TestOptionsValidation(t *testing.T) {
	for _, tc := range []struct {
		opts  langid.Options
		field string
	}{
		{langid.Options{MaxChars: -1}, "MaxChars"},
		{langid.Options{MaxChars: 2 << 20}, "MaxChars"},
		{langid.Options{MinLetters: -3}, "MinLetters"},
		{langid.Options{MinConfidence: -0.1}, "MinConfidence"},
		{langid.Options{MinConfidence: 1.5}, "MinConfidence"},
		{langid.Options{MinConfidence: math.NaN()}, "MinConfidence"},
		{langid.Options{Languages: []string{"en", "xx"}}, `Languages[1] = "xx"`},
		{langid.Options{Languages: []string{"EN"}}, `Languages[0] = "EN"`},
		{langid.Options{Languages: []string{"ms"}}, `Languages[0] = "ms"`},
	} {
		_, err := langid.New(tc.opts)
		require.ErrorIs(t, err, langid.ErrInvalidOptions, "New(%+v)", tc.opts)
		require.ErrorContains(t, err, tc.field, "New(%+v): the error names the field", tc.opts)
	}
}

func TestMinConfidence(t *testing.T) {
	text := "El Betis gana en el último minuto." // es, with pt close behind
	lax, err := langid.New(langid.Options{MinConfidence: 1e-9})
	require.NoError(t, err)
	r := lax.Detect(text)
	require.Equal(t, "es", r.Lang, "got %+v", r)
	require.Less(t, r.Confidence, 0.999, "got %+v, want es with some doubt", r)
	strict, err := langid.New(langid.Options{MinConfidence: math.Nextafter(r.Confidence, 1)})
	require.NoError(t, err)
	got := strict.Detect(text)
	require.Equal(t, langid.Result{Lang: langid.Und, Script: "Latn"}, got, "MinConfidence just above %.4f: want und in Latn", r.Confidence)
}

func TestConcurrentDetect(t *testing.T) {
	d := mustDefault(t)
	texts := loadArticles(t)
	want := make([]langid.Result, len(texts))
	for i, s := range texts {
		want[i] = d.Detect(s.Text)
	}
	var wg sync.WaitGroup
	errs := make(chan string, 8)
	for g := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for k := range len(texts) {
				i := (k + g) % len(texts)
				if got := d.Detect(texts[i].Text); got != want[i] {
					select {
					case errs <- texts[i].Lang:
					default:
					}
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for lang := range errs {
		require.Fail(t, "concurrent Detect differed from the sequential result", "a %s article", lang)
	}
}

// FuzzDetect: any input, no panic, and a result within the contract.
func FuzzDetect(f *testing.F) {
	for _, s := range []string{"", " ", "a", "\xff", "\x00", "ـــــ", "ー", "日本", "İstanbul'da", "l'économie", "Ὀδυσσεύς",
		"\u200c\u200d\u0640", strings.Repeat("ab", 600), "é\u0301\u0301\u0301", "क्षत्रिय", "\U0010FFFF\U000E0001"} {
		f.Add(s)
	}
	for i, s := range loadParagraphs(f) {
		if i%7 == 0 {
			f.Add(s.Text)
		}
	}
	d := mustDefault(f)
	supported := langid.Languages()
	f.Fuzz(func(t *testing.T, text string) {
		r := d.Detect(text)
		require.True(t, r.Confidence >= 0 && r.Confidence <= 1, "confidence %v out of [0, 1]", r.Confidence)
		if r.Lang == langid.Und {
			require.Zero(t, r.Confidence, "und with a confidence")
			return
		}
		_, ok := slices.BinarySearch(supported, r.Lang)
		require.True(t, ok, "unsupported language %q", r.Lang)
		require.GreaterOrEqual(t, r.Confidence, langid.MinConfidenceDefault, "answer %+v below the default minimum", r)
		require.NotEmpty(t, r.Script, "answer %+v without a script", r)
	})
}
