package pipeline_test

import (
	"context"
	"fmt"
	"net/http"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
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
	reg := prometheus.NewRegistry()
	p, err := pipeline.New(pipeline.Config{FetchWorkers: 6}, pipeline.Deps{
		Store: b.store, Getter: b.getter, Vectorizer: b.vec, Executors: b.ex, Progress: progress, Translator: tr, Registerer: reg,
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
	want := fmt.Sprintf(`
# HELP masx_pipeline_translations_total Non-English articles through the translate stage, by backend and outcome (translated, unsupported, not_configured, failed).
# TYPE masx_pipeline_translations_total counter
masx_pipeline_translations_total{backend="apertium",outcome="translated"} %d
masx_pipeline_translations_total{backend="apertium",outcome="unsupported"} %d
`, spanish, other)
	require.NoError(t, testutil.GatherAndCompare(reg, strings.NewReader(want), "masx_pipeline_translations_total"))

	// The stories still separate: translation must not break clustering.
	score, err := exp.Score(allArticles(t, b.store, "run-tr"))
	require.NoError(t, err)
	require.InDelta(t, 1.0, score.Purity, 1e-9, "purity with Spanish analysed in English")
}

// TestTranslateStageServerKilledMidRun kills the real Apertium server
// after its second translation request (of three), in the middle of a demo run: the
// run still completes, every article is stored with a status, and each
// Spanish article is either translated or kept in Spanish with the reason.
func TestTranslateStageServerKilledMidRun(t *testing.T) {
	apy := apytest.Start(t)
	b := setup(t, filepath.Join(t.TempDir(), "masx.db"))
	var n atomic.Int32
	client := &http.Client{Timeout: 10 * time.Second, Transport: roundTripFunc(func(r *http.Request) (*http.Response, error) {
		resp, err := http.DefaultTransport.RoundTrip(r)
		if r.URL.Path == "/translate" && n.Add(1) == 2 {
			apy.Kill() // a real crash, at a chosen moment
		}
		return resp, err
	})}
	tr, err := apertium.New(apertium.Config{URL: apy.URL, Client: client, Retries: 1, RetryInitial: time.Millisecond, RetryMax: time.Millisecond})
	require.NoError(t, err)
	p, err := pipeline.New(pipeline.Config{FetchWorkers: 6}, pipeline.Deps{
		Store: b.store, Getter: b.getter, Vectorizer: b.vec, Executors: b.ex, Translator: tr,
	})
	require.NoError(t, err)
	rep, err := processRun(context.Background(), b.store, p, "run-kill", b.works)
	require.NoError(t, err)
	require.Equal(t, news.RunCompleted, rep.State)
	exp := demo.Expect(b.site.URL)
	arts := allArticles(t, b.store, "run-kill")
	require.Len(t, arts, len(exp), "nothing lost")
	var translated, failed int
	for _, a := range arts {
		require.True(t, a.Status.Terminal(), "%s: %s", a.URL, a.Status)
		if a.Status != news.StatusOK || a.DetectedLang != "es" {
			continue
		}
		if a.Translated {
			translated++
			continue
		}
		failed++
		require.Contains(t, a.TranslationError, "apertium: translating from spa|eng: after 2 tries", a.URL)
		require.Equal(t, a.CompressedText, a.ProcessedText, "kept in Spanish")
		require.NotEmpty(t, a.Summary)
	}
	require.Equal(t, 3, translated+failed)
	require.Positive(t, failed, "the server died before every Spanish article was translated")
}

type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }
