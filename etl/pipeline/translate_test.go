package pipeline_test

import (
	"context"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/masx-ai/masx/etl/demo"
	"github.com/masx-ai/masx/etl/pipeline"
	"github.com/masx-ai/masx/news"
	"github.com/masx-ai/masx/nlp/translate/apertium"
	"github.com/masx-ai/masx/nlp/translate/apertium/apytest"
)

// TestTranslateStageWithApertium runs the bundled demo site through the
// pipeline with a real Apertium server that has only Spanish→English: the
// Spanish articles end translated, summarized and clustered in English;
// every other non-English article keeps its own text and says why; the
// English ones need no translator.
func TestTranslateStageWithApertium(t *testing.T) {
	apy := apytest.Start(t)
	b := setup(t, filepath.Join(t.TempDir(), "masx.db"))
	tr, err := apertium.New(apertium.Config{URL: apy.URL})
	require.NoError(t, err)
	progress := &pipeline.Progress{}
	p, err := pipeline.New(pipeline.Config{FetchWorkers: 6}, pipeline.Deps{
		Store: b.store, Getter: b.getter, Vectorizer: b.vec, Executors: b.ex, Progress: progress, Translator: tr,
	})
	require.NoError(t, err)
	rep, err := processRun(context.Background(), b.store, p, "run-tr", b.works)
	require.NoError(t, err)
	require.Equal(t, news.RunCompleted, rep.State)

	exp := demo.Expect(b.site.URL)
	var spanish, other int
	for _, a := range allArticles(t, b.store, "run-tr") {
		if a.Status != news.StatusOK {
			continue
		}
		switch a.DetectedLang {
		case "en":
			require.False(t, a.Translated, a.URL)
			require.Empty(t, a.Translator, "English needs no translator: %s", a.URL)
			require.Equal(t, news.TextOriginal, a.TextUsed, a.URL)
		case "es":
			spanish++
			require.True(t, a.Translated, "%s: %s", a.URL, a.TranslationError)
			require.Equal(t, "apertium", a.Translator)
			require.Equal(t, news.TextTranslation, a.TextUsed)
			require.Empty(t, a.TranslationError)
			require.Equal(t, a.RawTextEN, a.ProcessedText, "analysed in English")
			require.NotEqual(t, a.CompressedText, a.RawTextEN, "the original is kept beside the English")
			low := strings.ToLower(a.RawTextEN)
			require.True(t, strings.Contains(low, " the ") && strings.Contains(low, " of "), "English text: %.200s", a.RawTextEN)
			require.NotContains(t, a.Summary, " el ", "the summary is of the English text: %s", a.Summary)
		default:
			other++
			require.False(t, a.Translated, a.URL)
			require.Equal(t, "apertium", a.Translator)
			require.Equal(t, news.TextOriginal, a.TextUsed)
			require.Equal(t, "unsupported language pair "+a.DetectedLang+"→en", a.TranslationError, a.URL)
			require.Equal(t, a.CompressedText, a.ProcessedText, "kept in its own language")
		}
	}
	require.Equal(t, 3, spanish, "the demo site has three Spanish articles")
	require.Positive(t, other)
	snap := progress.Snapshot()
	require.Equal(t, int64(spanish), snap.Translations[pipeline.TranslationDone])
	require.Equal(t, int64(other), snap.Translations[pipeline.TranslationUnsupported])

	// The stories still separate: translation must not break clustering.
	score, err := exp.Score(allArticles(t, b.store, "run-tr"))
	require.NoError(t, err)
	require.InDelta(t, 1.0, score.Purity, 1e-9, "purity with Spanish analysed in English")
}
