package translate_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/masx-ai/masx/nlp/langid"
	"github.com/masx-ai/masx/nlp/translate"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

func TestKeepNeverPretends(t *testing.T) {
	tr, err := translate.ByName("")
	require.NoError(t, err)
	res, err := translate.One(context.Background(), tr, "Le cessez-le-feu tient.", "fr")
	require.NoError(t, err)
	require.False(t, res.Translated, "translated: want false")
	require.Equal(t, "Le cessez-le-feu tient.", res.Text, "want the text unchanged")
	require.ErrorIs(t, res.Err, translate.ErrNotConfigured)
	en, err := translate.One(context.Background(), tr, "The truce holds.", "en")
	require.NoError(t, err)
	require.NoError(t, en.Err, "English needs no translation, so no reason")
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err = tr.Translate(ctx, []translate.Request{{Text: "x", Source: "fr"}})
	require.ErrorIs(t, err, context.Canceled)
	_, err = translate.ByName("google")
	require.ErrorIs(t, err, translate.ErrUnknownBackend)
}

func TestUnsupportedNamesThePair(t *testing.T) {
	err := translate.Unsupported("fr")
	require.EqualError(t, err, "unsupported language pair fr→en")
	require.ErrorIs(t, err, translate.ErrUnsupported)
	require.EqualError(t, translate.Unsupported(""), "unsupported language pair und→en")
}

func TestChunkKeepsSentencesAndLimit(t *testing.T) {
	text := "El gobierno anunció un alto el fuego. La tregua empezó el lunes.\n\n" +
		"Los observadores llegaron ayer. " + strings.Repeat("palabra ", 30) + "final.\n" +
		strings.Repeat("x", 45) + " fin."
	ps := translate.Chunk(text, 40)
	require.NotEmpty(t, ps)
	require.Equal(t, "", ps[0].Sep)
	for _, p := range ps {
		require.LessOrEqual(t, utf8.RuneCountInString(p.Text), 40, "piece %q", p.Text)
		require.NotEmpty(t, strings.TrimSpace(p.Text))
	}
	require.Equal(t, "El gobierno anunció un alto el fuego.", ps[0].Text, "a sentence that fits is kept whole")
	require.Equal(t, "La tregua empezó el lunes.", ps[1].Text)
	require.Equal(t, "\n\n", ps[2].Sep, "a paragraph break survives")
	// Joined back, the words are all there, in order.
	require.Equal(t, strings.Fields(text), strings.Fields(translate.Join(ps)))

	// Sentences that fit together are packed into one piece.
	two := translate.Chunk("Uno. Dos. Tres.", 100)
	require.Equal(t, []translate.Piece{{Text: "Uno. Dos. Tres."}}, two)
	require.Nil(t, translate.Chunk(" \n\t ", 10))
	// Paragraphs that fit go in one piece, breaks kept inside: each piece
	// is a request, and servers charge per request.
	require.Equal(t, []translate.Piece{{Text: "Uno.\n\nDos.\nTres."}}, translate.Chunk("Uno.\n\nDos.\nTres.", 100))
	// A limit below 1 is taken as 1 and never loops.
	require.Len(t, translate.Chunk("abc", 0), 3)
}

func FuzzChunk(f *testing.F) {
	f.Add("Hola. Adiós.\n\nOtra vez... ¿Sí? 3.5 km.", 7)
	f.Add("世界。你好！", 2)
	f.Fuzz(func(t *testing.T, text string, limit int) {
		if !utf8.ValidString(text) || limit > 1000 {
			return
		}
		ps := translate.Chunk(text, limit)
		for _, p := range ps {
			require.LessOrEqual(t, utf8.RuneCountInString(p.Text), max(limit, 1))
		}
		require.Equal(t, strings.Join(strings.Fields(text), ""), strings.Join(strings.Fields(translate.Join(ps)), ""))
	})
}

// markEngine is an Engine written for these tests, standing for a server:
// it "translates" by wrapping each text in brackets, so order and
// reassembly are visible, and fails the way a test asks (a language it
// lacks, a number of failing calls, a rejected request).
type markEngine struct {
	mu       sync.Mutex
	calls    int
	batches  [][]string
	failNext int   // calls that fail before one succeeds
	failWith error // the failure; default a plain server error
	langs    []string
	blockOn  chan struct{} // when set, Batch waits on it or ctx
}

func (e *markEngine) Name() string { return "mark" }

func (e *markEngine) Pair(_ context.Context, src string) (string, error) {
	if !slices.Contains(e.langs, src) {
		return "", translate.Unsupported(src)
	}
	return src + "3", nil
}

func (e *markEngine) Batch(ctx context.Context, code string, texts []string) ([]string, error) {
	e.mu.Lock()
	e.calls++
	fail := e.failNext > 0
	if fail {
		e.failNext--
	}
	e.batches = append(e.batches, slices.Clone(texts))
	block := e.blockOn
	e.mu.Unlock()
	if block != nil {
		select {
		case <-block:
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
	if fail {
		if e.failWith != nil {
			return nil, e.failWith
		}
		return nil, errors.New("503 Service Unavailable")
	}
	out := make([]string, len(texts))
	for i, s := range texts {
		out[i] = "[" + code + ":" + s + "]"
	}
	return out, nil
}

func fastRetry(max int) translate.ChunkConfig {
	return translate.ChunkConfig{MaxChars: 20, BatchSize: 3, Retries: max, RetryInitial: time.Millisecond, RetryMax: 2 * time.Millisecond}
}

func TestChunkedTranslatesInOrderAcrossBatches(t *testing.T) {
	e := &markEngine{langs: []string{"es", "fr"}}
	tr, err := translate.NewChunked(e, fastRetry(0))
	require.NoError(t, err)
	reqs := []translate.Request{
		{Text: "Uno dos. Tres cuatro. Cinco seis siete ocho.", Source: "es"},
		{Text: "Already English.", Source: "en"},
		{Text: "Bonjour le monde.", Source: "fr"},
		{Text: "Ein Satz.", Source: "de"},
		{Text: "Texto sin idioma.", Source: "und"},
		{Text: "   ", Source: "es"},
	}
	res, err := tr.Translate(context.Background(), reqs)
	require.NoError(t, err)
	require.Len(t, res, len(reqs))
	require.True(t, res[0].Translated)
	require.Equal(t, "[es3:Uno dos.] [es3:Tres cuatro.] [es3:Cinco seis siete] [es3:ocho.]", res[0].Text)
	require.False(t, res[1].Translated)
	require.NoError(t, res[1].Err)
	require.Equal(t, "Already English.", res[1].Text)
	require.Equal(t, "[fr3:Bonjour le monde.]", res[2].Text)
	require.False(t, res[3].Translated)
	require.EqualError(t, res[3].Err, "unsupported language pair de→en")
	require.Equal(t, "Ein Satz.", res[3].Text, "an untranslated text is kept as it was")
	require.ErrorIs(t, res[4].Err, translate.ErrUnsupported)
	require.False(t, res[5].Translated)
	require.NoError(t, res[5].Err)
	for _, b := range e.batches {
		require.LessOrEqual(t, len(b), 3, "BatchSize bounds every call")
	}
}

func TestChunkedRetriesThenGivesTheReason(t *testing.T) {
	e := &markEngine{langs: []string{"es"}, failNext: 2}
	tr, err := translate.NewChunked(e, fastRetry(3))
	require.NoError(t, err)
	res, err := translate.One(context.Background(), tr, "Hola.", "es")
	require.NoError(t, err)
	require.True(t, res.Translated, "two failures, then success within 3 retries")
	require.Equal(t, 3, e.calls)

	e = &markEngine{langs: []string{"es"}, failNext: 100}
	tr, err = translate.NewChunked(e, fastRetry(2))
	require.NoError(t, err)
	res, err = translate.One(context.Background(), tr, "Hola.", "es")
	require.NoError(t, err)
	require.False(t, res.Translated)
	require.Equal(t, "Hola.", res.Text)
	require.ErrorContains(t, res.Err, "after 3 tries")
	require.ErrorContains(t, res.Err, "503 Service Unavailable")
	require.Equal(t, 3, e.calls, "1 try + 2 retries")

	// A rejected request is not retried.
	e = &markEngine{langs: []string{"es"}, failNext: 100, failWith: fmt.Errorf("%w: invalid API key", translate.ErrRejected)}
	tr, err = translate.NewChunked(e, fastRetry(5))
	require.NoError(t, err)
	res, err = translate.One(context.Background(), tr, "Hola.", "es")
	require.NoError(t, err)
	require.ErrorIs(t, res.Err, translate.ErrRejected)
	require.Equal(t, 1, e.calls)
}

func TestChunkedFailedBatchSparesTheOthers(t *testing.T) {
	// The first call fails for good (no retries): the texts in it keep
	// their reason, the texts after it are still translated.
	e := &markEngine{langs: []string{"es"}, failNext: 1}
	tr, err := translate.NewChunked(e, translate.ChunkConfig{MaxChars: 100, BatchSize: 1, Retries: -1})
	require.NoError(t, err)
	res, err := tr.Translate(context.Background(), []translate.Request{{Text: "Uno.", Source: "es"}, {Text: "Dos.", Source: "es"}})
	require.NoError(t, err)
	require.False(t, res[0].Translated)
	require.Error(t, res[0].Err)
	require.True(t, res[1].Translated)
	require.Equal(t, "[es3:Dos.]", res[1].Text)
}

func TestChunkedCancelled(t *testing.T) {
	e := &markEngine{langs: []string{"es"}, blockOn: make(chan struct{})}
	tr, err := translate.NewChunked(e, fastRetry(3))
	require.NoError(t, err)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		_, err := translate.One(ctx, tr, "Hola.", "es")
		done <- err
	}()
	for {
		e.mu.Lock()
		n := e.calls
		e.mu.Unlock()
		if n > 0 {
			break
		}
		time.Sleep(time.Millisecond)
	}
	cancel()
	require.ErrorIs(t, <-done, context.Canceled)
	_, err = translate.NewChunked(e, translate.ChunkConfig{MaxChars: -1})
	require.ErrorContains(t, err, "want MaxChars")
}

func TestLanguageMapsCoverLangid(t *testing.T) {
	nllb := readCodes(t, "testdata/nllb_codes.txt")
	m2m := readCodes(t, "testdata/m2m100_codes.txt")
	require.Len(t, nllb, 202)
	require.Len(t, m2m, 100)
	seen := map[string]string{}
	for _, code := range langid.Languages() {
		f, ok := translate.FLORES200(code)
		require.True(t, ok, "FLORES-200 code for %s", code)
		require.True(t, nllb[f], "%s → %s: not an NLLB-200 language token", code, f)
		require.Empty(t, seen[f], "%s and %s both map to %s", code, seen[f], f)
		seen[f] = code
		if m, ok := translate.M2M100(code); ok {
			require.True(t, m2m[m], "%s → %s: not an M2M100 code", code, m)
		} else {
			require.Contains(t, []string{"eu", "te"}, code, "M2M100 lacks only Basque and Telugu")
		}
		iso3, ok := translate.ISO6393(code)
		require.True(t, ok)
		require.Len(t, iso3, 3)
		back, ok := translate.ISO6391(iso3)
		require.True(t, ok)
		require.Equal(t, code, back)
	}
	for code, want := range map[string]string{"fr": "fra_Latn", "zh": "zho_Hans", "zh-Hant": "zho_Hant", "zh_TW": "zho_Hant",
		"ar": "arb_Arab", "fa": "pes_Arab", "es": "spa_Latn", "az-Arab": "azb_Arab"} {
		got, ok := translate.FLORES200(code)
		require.True(t, ok, code)
		require.Equal(t, want, got, code)
	}
	for _, bad := range []string{"", "xx", "fr-Cyrl", "und"} {
		_, ok := translate.FLORES200(bad)
		require.False(t, ok, "%q", bad)
	}
	tok, ok := translate.M2M100Token("nb")
	require.True(t, ok)
	require.Equal(t, "__no__", tok)
	_, ok = translate.M2M100Token("te")
	require.False(t, ok)
	sr, ok := translate.ISO6391("hbs")
	require.True(t, ok)
	require.Equal(t, "sr", sr)
}

func readCodes(t *testing.T, path string) map[string]bool {
	b, err := os.ReadFile(path)
	require.NoError(t, err)
	out := map[string]bool{}
	for _, c := range strings.Fields(string(b)) {
		out[c] = true
	}
	return out
}
