//go:build langid_compare

// Package candidates wraps the third-party detectors langid was measured
// against, restricted to masx's 20 core languages, behind one signature:
// text in, ISO 639-1 code (or "und") out. It builds only with the
// langid_compare tag so lingua-go's 124 MB of embedded models never enter
// a normal build.
package candidates

import (
	"strings"

	"github.com/abadojack/whatlanggo"
	"github.com/pemistahl/lingua-go"
)

// Core lists the 20 languages every candidate is restricted to.
var Core = []string{"ar", "de", "en", "es", "fa", "fr", "he", "hi", "id", "it", "ja", "ko", "nl", "pl", "pt", "ru", "tr", "uk", "ur", "zh"}

// Whatlanggo returns github.com/abadojack/whatlanggo with a whitelist of
// the core languages.
func Whatlanggo() func(string) string {
	code := map[whatlanggo.Lang]string{}
	wl := map[whatlanggo.Lang]bool{}
	for l := range whatlanggo.Langs {
		c := l.Iso6391()
		switch l {
		case whatlanggo.Pes: // Iranian Persian has no 639-1 code in whatlanggo
			c = "fa"
		case whatlanggo.Cmn:
			c = "zh"
		}
		for _, want := range Core {
			if c == want {
				wl[l], code[l] = true, c
			}
		}
	}
	opts := whatlanggo.Options{Whitelist: wl}
	return func(s string) string {
		info := whatlanggo.DetectWithOptions(s, opts)
		if c, ok := code[info.Lang]; ok {
			return c
		}
		return "und"
	}
}

// LinguaLow returns github.com/pemistahl/lingua-go in low-accuracy mode
// (trigrams only) for the core languages, models preloaded.
func LinguaLow() func(string) string {
	var isos []lingua.IsoCode639_1
	for _, c := range Core {
		isos = append(isos, lingua.GetIsoCode639_1FromValue(c))
	}
	d := lingua.NewLanguageDetectorBuilder().
		FromIsoCodes639_1(isos...).
		WithLowAccuracyMode().
		WithPreloadedLanguageModels().
		Build()
	return func(s string) string {
		l, ok := d.DetectLanguageOf(s)
		if !ok {
			return "und"
		}
		return strings.ToLower(l.IsoCode639_1().String())
	}
}
