package translate

import "strings"

// lang is one language's codes in the systems translation backends use.
type lang struct {
	iso3   string // ISO 639-3 (the individual or macrolanguage code servers use)
	flores string // FLORES-200, as NLLB-200 names its language tokens; "" when NLLB lacks it
	m2m    string // M2M100's code (its token is "__code__"); "" when M2M100 lacks it
}

// langs covers every ISO 639-1 code nlp/langid can report (langid.Languages;
// TestLanguageMapsCoverLangid), plus English. Where FLORES-200 splits a
// macrolanguage it names the variety the news masx reads is written in:
// Modern Standard Arabic (arb), Western Persian (pes), North Azerbaijani
// (azj), Halh Mongolian (khk), Standard Latvian (lvs), Tosk Albanian (als),
// Swahili (swh) and Simplified Chinese (zho_Hans; langid reports zh for
// both scripts, and "zh-Hant" selects Traditional). M2M100 has no Basque
// (eu) or Telugu (te), and calls Norwegian Bokmål "no".
//
// A read-only table: nothing writes to it after initialisation.
var langs = map[string]lang{
	"af": {"afr", "afr_Latn", "af"}, "am": {"amh", "amh_Ethi", "am"}, "ar": {"ara", "arb_Arab", "ar"},
	"az": {"aze", "azj_Latn", "az"}, "be": {"bel", "bel_Cyrl", "be"}, "bg": {"bul", "bul_Cyrl", "bg"},
	"bn": {"ben", "ben_Beng", "bn"}, "ca": {"cat", "cat_Latn", "ca"}, "cs": {"ces", "ces_Latn", "cs"},
	"cy": {"cym", "cym_Latn", "cy"}, "da": {"dan", "dan_Latn", "da"}, "de": {"deu", "deu_Latn", "de"},
	"el": {"ell", "ell_Grek", "el"}, "en": {"eng", "eng_Latn", "en"}, "es": {"spa", "spa_Latn", "es"},
	"et": {"est", "est_Latn", "et"}, "eu": {"eus", "eus_Latn", ""}, "fa": {"fas", "pes_Arab", "fa"},
	"fi": {"fin", "fin_Latn", "fi"}, "fr": {"fra", "fra_Latn", "fr"}, "ga": {"gle", "gle_Latn", "ga"},
	"gu": {"guj", "guj_Gujr", "gu"}, "he": {"heb", "heb_Hebr", "he"}, "hi": {"hin", "hin_Deva", "hi"},
	"hr": {"hrv", "hrv_Latn", "hr"}, "hu": {"hun", "hun_Latn", "hu"}, "hy": {"hye", "hye_Armn", "hy"},
	"id": {"ind", "ind_Latn", "id"}, "is": {"isl", "isl_Latn", "is"}, "it": {"ita", "ita_Latn", "it"},
	"ja": {"jpn", "jpn_Jpan", "ja"}, "ka": {"kat", "kat_Geor", "ka"}, "kk": {"kaz", "kaz_Cyrl", "kk"},
	"km": {"khm", "khm_Khmr", "km"}, "kn": {"kan", "kan_Knda", "kn"}, "ko": {"kor", "kor_Hang", "ko"},
	"lo": {"lao", "lao_Laoo", "lo"}, "lt": {"lit", "lit_Latn", "lt"}, "lv": {"lav", "lvs_Latn", "lv"},
	"mk": {"mkd", "mkd_Cyrl", "mk"}, "ml": {"mal", "mal_Mlym", "ml"}, "mn": {"mon", "khk_Cyrl", "mn"},
	"mr": {"mar", "mar_Deva", "mr"}, "my": {"mya", "mya_Mymr", "my"}, "nb": {"nob", "nob_Latn", "no"},
	"nl": {"nld", "nld_Latn", "nl"}, "pa": {"pan", "pan_Guru", "pa"}, "pl": {"pol", "pol_Latn", "pl"},
	"pt": {"por", "por_Latn", "pt"}, "ro": {"ron", "ron_Latn", "ro"}, "ru": {"rus", "rus_Cyrl", "ru"},
	"si": {"sin", "sin_Sinh", "si"}, "sk": {"slk", "slk_Latn", "sk"}, "sl": {"slv", "slv_Latn", "sl"},
	"so": {"som", "som_Latn", "so"}, "sq": {"sqi", "als_Latn", "sq"}, "sr": {"srp", "srp_Cyrl", "sr"},
	"sv": {"swe", "swe_Latn", "sv"}, "sw": {"swa", "swh_Latn", "sw"}, "ta": {"tam", "tam_Taml", "ta"},
	"te": {"tel", "tel_Telu", ""}, "th": {"tha", "tha_Thai", "th"}, "tl": {"tgl", "tgl_Latn", "tl"},
	"tr": {"tur", "tur_Latn", "tr"}, "uk": {"ukr", "ukr_Cyrl", "uk"}, "ur": {"urd", "urd_Arab", "ur"},
	"vi": {"vie", "vie_Latn", "vi"}, "zh": {"zho", "zho_Hans", "zh"},
}

// scriptVariants are the FLORES-200 codes reached only with an explicit
// script: Traditional Chinese and South Azerbaijani (Arabic script).
var scriptVariants = map[string]string{"zh-Hant": "zho_Hant", "zh-Hans": "zho_Hans", "az-Arab": "azb_Arab"}

// splitCode parses "fr", "zh-Hant" or "zh_Hant" into base and script
// ("Hant", title case); region subtags ("zh-TW", "pt-BR") are dropped,
// except that zh-TW, zh-HK and zh-MO mean Traditional script.
func splitCode(code string) (base, script string) {
	parts := strings.FieldsFunc(code, func(r rune) bool { return r == '-' || r == '_' })
	if len(parts) == 0 {
		return "", ""
	}
	base = strings.ToLower(parts[0])
	for _, p := range parts[1:] {
		switch {
		case len(p) == 4:
			script = strings.ToUpper(p[:1]) + strings.ToLower(p[1:])
		case base == "zh" && (strings.EqualFold(p, "TW") || strings.EqualFold(p, "HK") || strings.EqualFold(p, "MO")):
			script = "Hant"
		}
	}
	return base, script
}

// FLORES200 returns the FLORES-200 code NLLB-200 uses for an ISO 639-1
// code with an optional script ("fr" → "fra_Latn", "zh" → "zho_Hans",
// "zh-Hant" → "zho_Hant"), or false when NLLB has none.
func FLORES200(code string) (string, bool) {
	base, script := splitCode(code)
	l, ok := langs[base]
	if !ok || l.flores == "" {
		return "", false
	}
	if script == "" || strings.HasSuffix(l.flores, "_"+script) {
		return l.flores, true
	}
	v, ok := scriptVariants[base+"-"+script]
	return v, ok
}

// M2M100 returns M2M100's language code for an ISO 639-1 code ("nb" →
// "no"); its token is M2M100Token's. False when M2M100 lacks the language.
func M2M100(code string) (string, bool) {
	base, _ := splitCode(code)
	l, ok := langs[base]
	if !ok || l.m2m == "" {
		return "", false
	}
	return l.m2m, true
}

// M2M100Token returns the language token M2M100 uses ("__fr__"), or false.
func M2M100Token(code string) (string, bool) {
	c, ok := M2M100(code)
	if !ok {
		return "", false
	}
	return "__" + c + "__", true
}

// ISO6393 returns the ISO 639-3 code for an ISO 639-1 code ("es" →
// "spa"), which Apertium names its pairs with, or false.
func ISO6393(code string) (string, bool) {
	base, _ := splitCode(code)
	l, ok := langs[base]
	return l.iso3, ok
}

// ISO6391 returns the ISO 639-1 code for an ISO 639-3 one ("spa" → "es"),
// or false. Apertium's "hbs" (Serbo-Croatian) gives "sr".
func ISO6391(code3 string) (string, bool) {
	base, _ := splitCode(code3)
	if base == "hbs" {
		return "sr", true
	}
	if len(base) == 2 {
		_, ok := langs[base]
		return base, ok
	}
	for k, l := range langs {
		if l.iso3 == base {
			return k, true
		}
	}
	return "", false
}

// Codes returns every ISO 639-1 code the maps know, English included.
func Codes() []string {
	out := make([]string, 0, len(langs))
	for k := range langs {
		out = append(out, k)
	}
	return out
}
