package cli

import (
	"context"
	"fmt"
	"io"
	"sort"
	"strings"

	"github.com/masx-ai/masx/news"
	"github.com/masx-ai/masx/store"
)

// translationTags returns, for each stored article of the run (and
// flashpoint, when set) that is not English, a tag saying whether and by
// what it was translated: " [es→en, apertium]" or " [fr, not translated
// (apertium): unsupported language pair fr→en]". Articles are read without
// their texts. counts holds the articles by outcome and translator.
type translationTags struct {
	tags   map[string]string
	counts map[string]int
}

func readTranslationTags(ctx context.Context, st store.Store, runID, fpID string) (translationTags, error) {
	as, err := st.Articles(ctx, store.ArticleQuery{RunID: runID, FlashpointID: fpID, Statuses: []news.Status{news.StatusOK}, OmitText: true})
	if err != nil {
		return translationTags{}, err
	}
	tt := translationTags{tags: make(map[string]string, len(as)), counts: map[string]int{}}
	for _, a := range as {
		switch {
		case a.DetectedLang == "" || a.DetectedLang == "en":
		case a.Translated:
			tt.tags[a.URL] = fmt.Sprintf(" [%s→en, %s]", a.DetectedLang, a.Translator)
			tt.counts["translated by "+a.Translator]++
		default:
			why := a.TranslationError
			if why == "" {
				why = "no reason stored"
			}
			tt.tags[a.URL] = fmt.Sprintf(" [%s, not translated (%s): %s]", a.DetectedLang, a.Translator, why)
			tt.counts["not translated"]++
		}
	}
	return tt, nil
}

// printSummary writes one line counting the non-English articles by
// outcome and translator.
func (tt translationTags) printSummary(w io.Writer) {
	if len(tt.counts) == 0 {
		return
	}
	keys := make([]string, 0, len(tt.counts))
	for k := range tt.counts {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = fmt.Sprintf("%d %s", tt.counts[k], k)
	}
	fmt.Fprintf(w, "\nnon-English articles: %s\n", strings.Join(parts, ", "))
}

// printTranslations writes the run summary's translation line: the
// translator and the non-English articles by outcome.
func printTranslations(w io.Writer, s runSummary) {
	if len(s.Translations) == 0 {
		return
	}
	keys := make([]string, 0, len(s.Translations))
	for k := range s.Translations {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = fmt.Sprintf("%d %s", s.Translations[k], k)
	}
	fmt.Fprintf(w, "translation\t%s: %s\n", s.Translator, strings.Join(parts, ", "))
}
