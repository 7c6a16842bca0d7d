package langid_test

import (
	"errors"
	"math"
	"slices"
	"strings"
	"sync"
	"testing"
	"unicode/utf8"

	"github.com/masx-ai/masx/nlp/langid"
)

func mustDefault(t testing.TB) *langid.Detector {
	t.Helper()
	d, err := langid.Default()
	if err != nil {
		t.Fatal(err)
	}
	return d
}

func TestDefaultIsShared(t *testing.T) {
	a, b := mustDefault(t), mustDefault(t)
	if a != b {
		t.Fatal("Default returned two different detectors")
	}
}

func TestLanguages(t *testing.T) {
	got := langid.Languages()
	if !slices.IsSorted(got) {
		t.Errorf("Languages() not sorted: %v", got)
	}
	for _, l := range coreLanguages {
		if !slices.Contains(got, l) {
			t.Errorf("Languages() lacks core language %s", l)
		}
	}
	for _, l := range got {
		if len(l) != 2 || strings.ToLower(l) != l {
			t.Errorf("Languages() has %q, want two-letter lowercase ISO 639-1 codes", l)
		}
	}
	if slices.Contains(got, "ms") {
		t.Error("Languages() has ms; Malay is reported as id (see the package doc)")
	}
	got[0] = "xx"
	if langid.Languages()[0] == "xx" {
		t.Error("Languages() returns shared state")
	}
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
		if r.Lang != langid.Und || r.Confidence != 0 {
			t.Errorf("%s %q: got %+v, want und with confidence 0", name, text, r)
		}
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
		if r.Lang != tc.lang || r.Script != tc.script || r.Confidence < 0.6 {
			t.Errorf("%q: got %+v, want %s in %s with confidence ≥ 0.6", tc.text, r, tc.lang, tc.script)
		}
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
		if r := d.Detect(tc.text); r.Lang != tc.lang {
			t.Errorf("%q: got %+v, want %s", tc.text, r, tc.lang)
		}
	}
}

func TestMixedScripts(t *testing.T) {
	d := mustDefault(t)
	// A Russian sentence with Latin brand names: the majority script and
	// its language win, with confidence reduced by the foreign share.
	text := "Компания Apple и Microsoft представили новые продукты на выставке в Москве на этой неделе."
	r := d.Detect(text)
	if r.Lang != "ru" || r.Script != "Cyrl" {
		t.Fatalf("got %+v, want ru in Cyrl", r)
	}
	pure := d.Detect("Компания представила новые продукты на выставке в Москве на этой неделе.")
	if r.Confidence >= pure.Confidence {
		t.Errorf("mixed-script confidence %.3f not below pure %.3f", r.Confidence, pure.Confidence)
	}
	// Chinese with a few kana stays Chinese.
	if r := d.Detect("据报道，该公司将在东京发布新产品，名为「スマート」系列，预计明年上市销售。"); r.Lang != "zh" {
		t.Errorf("Chinese with a katakana name: got %+v, want zh", r)
	}
}

func TestTruncation(t *testing.T) {
	en := strings.Repeat("The government announced new measures to support the economy. ", 20)
	de := strings.Repeat("Die Regierung hat neue Maßnahmen zur Unterstützung der Wirtschaft angekündigt. ", 200)
	d := mustDefault(t)
	if r := d.Detect(en + de); r.Lang != "en" {
		t.Errorf("English start, German tail: got %+v, want en (only the first %d characters count)", r, langid.MaxCharsDefault)
	}
	short, err := langid.New(langid.Options{MaxChars: 30})
	if err != nil {
		t.Fatal(err)
	}
	if r := short.Detect(de[:40] + en); r.Lang != "de" {
		t.Errorf("MaxChars 30 on German then English: got %+v, want de", r)
	}
	// Truncation falls on a rune boundary: 2-byte runes cut at an odd
	// count still decode.
	if r := short.Detect(strings.Repeat("ä", 29) + "ö" + strings.Repeat("x", 10)); r.Lang != langid.Und && !utf8.ValidString(r.Lang) {
		t.Errorf("bad result %+v", r)
	}
}

func TestHugeInputIsCheap(t *testing.T) {
	d := mustDefault(t)
	huge := strings.Repeat("Der Bundestag hat das Gesetz beschlossen. ", 250_000) // ~10 MB
	allocs := testing.AllocsPerRun(5, func() { d.Detect(huge) })
	if allocs != 0 {
		t.Errorf("Detect allocated %.0f times per call, want 0", allocs)
	}
	if r := d.Detect(huge); r.Lang != "de" {
		t.Errorf("got %+v, want de", r)
	}
}

func TestRestrictedLanguages(t *testing.T) {
	d, err := langid.New(langid.Options{Languages: []string{"en", "de", "ja"}})
	if err != nil {
		t.Fatal(err)
	}
	if r := d.Detect("Правительство объявило о новых мерах поддержки экономики страны."); r.Lang != langid.Und {
		t.Errorf("Russian with only en/de/ja allowed: got %+v, want und", r)
	}
	if r := d.Detect("Die Regierung hat neue Maßnahmen zur Unterstützung der Wirtschaft angekündigt."); r.Lang != "de" {
		t.Errorf("German: got %+v, want de", r)
	}
	if r := d.Detect("政府は新たな経済対策を発表した。"); r.Lang != "ja" {
		t.Errorf("Japanese: got %+v, want ja", r)
	}
	// Chinese is not allowed: Han text without kana has no answer.
	if r := d.Detect("政府宣布了新的经济刺激措施，以支持中小企业。"); r.Lang != langid.Und {
		t.Errorf("Chinese with zh not allowed: got %+v, want und", r)
	}

	one, err := langid.New(langid.Options{Languages: []string{"en"}})
	if err != nil {
		t.Fatal(err)
	}
	if r := one.Detect("The government announced new measures to support the economy."); r.Lang != "en" || r.Confidence < 0.9 {
		t.Errorf("English with only en allowed: got %+v, want en ≥ 0.9", r)
	}
	// With nothing to compare against, the fit to the model still has to
	// hold: Finnish is no English.
	if r := one.Detect("Hallitus ilmoitti tiistaina leikkaavansa sosiaaliturvaa ja nostavansa arvonlisäveroa."); r.Lang != langid.Und {
		t.Errorf("Finnish with only en allowed: got %+v, want und", r)
	}
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
		if !errors.Is(err, langid.ErrInvalidOptions) {
			t.Errorf("New(%+v): error %v, want ErrInvalidOptions", tc.opts, err)
			continue
		}
		if !strings.Contains(err.Error(), tc.field) {
			t.Errorf("New(%+v): error %q does not name %s", tc.opts, err, tc.field)
		}
	}
}

func TestMinConfidence(t *testing.T) {
	text := "El Betis gana en el último minuto." // es, with pt close behind
	lax, err := langid.New(langid.Options{MinConfidence: 1e-9})
	if err != nil {
		t.Fatal(err)
	}
	r := lax.Detect(text)
	if r.Lang != "es" || r.Confidence >= 0.999 {
		t.Fatalf("got %+v, want es with some doubt", r)
	}
	strict, err := langid.New(langid.Options{MinConfidence: math.Nextafter(r.Confidence, 1)})
	if err != nil {
		t.Fatal(err)
	}
	if got := strict.Detect(text); got.Lang != langid.Und || got.Confidence != 0 || got.Script != "Latn" {
		t.Errorf("MinConfidence just above %.4f: got %+v, want und in Latn", r.Confidence, got)
	}
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
		t.Errorf("concurrent Detect of a %s article differed from the sequential result", lang)
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
		if !(r.Confidence >= 0 && r.Confidence <= 1) {
			t.Fatalf("confidence %v out of [0, 1]", r.Confidence)
		}
		if r.Lang == langid.Und {
			if r.Confidence != 0 {
				t.Fatalf("und with confidence %v", r.Confidence)
			}
			return
		}
		if _, ok := slices.BinarySearch(supported, r.Lang); !ok {
			t.Fatalf("unsupported language %q", r.Lang)
		}
		if r.Confidence < langid.MinConfidenceDefault || r.Script == "" {
			t.Fatalf("answer %+v below the default minimum or without a script", r)
		}
	})
}
