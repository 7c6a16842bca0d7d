package vectorize

import (
	"context"
	"math"
	"slices"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

func newT(t testing.TB, o Options) *TFIDF {
	t.Helper()
	v, err := NewTFIDF(o)
	require.NoError(t, err, "NewTFIDF(%+v)", o)
	return v
}

func vectorize(t testing.TB, v Vectorizer, texts []string) [][]float32 {
	t.Helper()
	out, err := v.Vectorize(context.Background(), texts)
	require.NoError(t, err, "Vectorize")
	require.Len(t, out, len(texts), "vectors, one per text")
	return out
}

func TestSimilarDocsAreCloser(t *testing.T) {
	t.Parallel()
	texts := []string{
		"Ceasefire talks between the two governments resumed in Geneva on Tuesday, the UN envoy said.",
		"Negotiators returned to Geneva for a new round of ceasefire talks under the UN envoy.",
		"The UN envoy in Geneva said ceasefire negotiators agreed to discuss a withdrawal of weapons.",
		"The football club won the league title after a late goal in the final match of the season.",
		"Striker scores late goal as the club clinches the league title on the last day of the season.",
		"Bake the bread for forty minutes until the crust is golden, then let it cool on a rack.",
	}
	vecs := vectorize(t, newT(t, Options{}), texts)
	same := []float64{Cosine(vecs[0], vecs[1]), Cosine(vecs[0], vecs[2]), Cosine(vecs[1], vecs[2]), Cosine(vecs[3], vecs[4])}
	other := []float64{Cosine(vecs[0], vecs[3]), Cosine(vecs[0], vecs[5]), Cosine(vecs[2], vecs[4]), Cosine(vecs[4], vecs[5])}
	require.Greater(t, slices.Min(same), slices.Max(other), "least similar same-topic pair against the most similar cross-topic pair (same %v, other %v)", same, other)
}

func TestTopicsSeparateOnSyntheticCorpus(t *testing.T) {
	t.Parallel()
	docs, labels := syntheticCorpus(400, 8, 200, 1)
	// 400 documents and 64 dimensions: the randomized SVD path.
	vecs := vectorize(t, newT(t, Options{Dim: 64}), docs)
	require.Len(t, vecs[0], 64, "dimension")
	var intra, inter float64
	var nIntra, nInter int
	hits := 0
	for i := range vecs {
		best, bestJ := -2.0, -1
		for j := range vecs {
			if i == j {
				continue
			}
			c := Cosine(vecs[i], vecs[j])
			if labels[i] == labels[j] {
				intra += c
				nIntra++
			} else {
				inter += c
				nInter++
			}
			if c > best {
				best, bestJ = c, j
			}
		}
		if labels[bestJ] == labels[i] {
			hits++
		}
	}
	intra /= float64(nIntra)
	inter /= float64(nInter)
	require.GreaterOrEqual(t, intra, inter+0.3, "mean same-topic cosine not clearly above cross-topic %.3f", inter)
	require.GreaterOrEqual(t, float64(hits)/float64(len(vecs)), 0.98, "share of documents whose nearest neighbour shares the topic")
}

func TestDeterministic(t *testing.T) {
	t.Parallel()
	docs, _ := syntheticCorpus(500, 5, 120, 2)
	v := newT(t, Options{Dim: 32})
	a := vectorize(t, v, docs)
	b := vectorize(t, newT(t, Options{Dim: 32}), docs)
	for i := range a {
		require.Equal(t, a[i], b[i], "vector %d differs between runs", i)
	}
}

func TestUnitLength(t *testing.T) {
	t.Parallel()
	docs, _ := syntheticCorpus(50, 3, 80, 3)
	for _, v := range vectorize(t, newT(t, Options{Dim: 16}), docs) {
		var n float64
		for _, x := range v {
			n += float64(x) * float64(x)
		}
		require.InDelta(t, 1, n, 1e-5, "squared norm")
	}
}

func TestDimensions(t *testing.T) {
	t.Parallel()
	docs, _ := syntheticCorpus(40, 4, 50, 4)
	tests := []struct {
		dim, n, want int
	}{
		{256, 40, 40}, // capped by the number of documents
		{16, 40, 16},
		{256, 1, 1},
		{8, 8, 8},
	}
	for _, tc := range tests {
		v := newT(t, Options{Dim: tc.dim})
		out := vectorize(t, v, docs[:tc.n])
		for i, vec := range out {
			require.Len(t, vec, tc.want, "Dim %d, %d docs: dims of vector %d", tc.dim, tc.n, i)
		}
		require.Equal(t, tc.dim, v.Dim(), "Dim()")
	}
}

func TestExactWhenDimCoversBatch(t *testing.T) {
	t.Parallel()
	// With d = n the LSA projection is a rotation of the TF-IDF rows, so
	// cosines must equal the cosines of the TF-IDF vectors themselves.
	docs, _ := syntheticCorpus(30, 3, 60, 5)
	v := newT(t, Options{})
	vecs := vectorize(t, v, docs)
	rows, err := v.hashRows(context.Background(), docs)
	require.NoError(t, err)
	ptrs := make([]*row, len(rows))
	for i := range rows {
		ptrs[i] = &rows[i]
	}
	weightRows(ptrs, rows, len(rows), v.opts.Buckets)
	for i := range rows {
		for j := i + 1; j < len(rows); j++ {
			require.InDelta(t, sparseDot(&rows[i], &rows[j]), Cosine(vecs[i], vecs[j]), 1e-5, "cos(%d,%d) against the TF-IDF cosine", i, j)
		}
	}
}

func sparseDot(a, b *row) float64 {
	var s float64
	i, j := 0, 0
	for i < len(a.buckets) && j < len(b.buckets) {
		switch {
		case a.buckets[i] < b.buckets[j]:
			i++
		case a.buckets[i] > b.buckets[j]:
			j++
		default:
			s += a.w[i] * b.w[j]
			i++
			j++
		}
	}
	return s
}

func TestDuplicatesFactoredExactly(t *testing.T) {
	t.Parallel()
	// Duplicates are factored out of the SVD with their multiplicity; the
	// result must match a batch in which the copies differ by a word that
	// occurs nowhere else... which is not exact, so compare against the
	// definition instead: identical texts get identical vectors, and the
	// vectors of the distinct texts keep the geometry of the full batch.
	docs, _ := syntheticCorpus(12, 3, 60, 6)
	batch := append(slices.Clone(docs), docs[0], docs[0], docs[5])
	vecs := vectorize(t, newT(t, Options{}), batch)
	require.Equal(t, vecs[0], vecs[12], "identical texts got different vectors")
	require.Equal(t, vecs[0], vecs[13], "identical texts got different vectors")
	require.Equal(t, vecs[5], vecs[14], "identical texts got different vectors")
}

func TestDegenerateInputs(t *testing.T) {
	t.Parallel()
	v := newT(t, Options{})
	t.Run("no texts", func(t *testing.T) {
		out := vectorize(t, v, nil)
		require.Empty(t, out, "vectors")
	})
	t.Run("one text", func(t *testing.T) {
		out := vectorize(t, v, []string{"Troops crossed the river at dawn."})
		require.Equal(t, []float32{1}, out[0])
	})
	t.Run("empty and stopword-only texts get zero vectors", func(t *testing.T) {
		out := vectorize(t, v, []string{"", "Troops crossed the river.", "the and of", "!!! ...", "Troops held the bridge."})
		for _, i := range []int{0, 2, 3} {
			for _, x := range out[i] {
				require.Zero(t, x, "text %d: got %v; want the zero vector", i, out[i])
			}
		}
		require.GreaterOrEqual(t, Cosine(out[1], out[1]), 0.999, "unexpected cosines: %v", out)
		require.Zero(t, Cosine(out[0], out[1]), "unexpected cosines: %v", out)
	})
	t.Run("all empty", func(t *testing.T) {
		out := vectorize(t, v, []string{"", " ", "\n"})
		for _, vec := range out {
			require.Equal(t, []float32{0, 0, 0}, vec, "got %v; want zero vectors of length 3", out)
		}
	})
	t.Run("all identical", func(t *testing.T) {
		texts := slices.Repeat([]string{"Shelling continued overnight in the eastern districts."}, 50)
		out := vectorize(t, v, texts)
		for i, vec := range out {
			require.Equal(t, out[0], vec, "vector %d differs from vector 0", i)
		}
		require.InDelta(t, 1, Cosine(out[0], out[1]), 1e-6, "cosine of identical texts")
	})
	t.Run("invalid utf8 and huge token", func(t *testing.T) {
		texts := []string{"\xff\xfe bad bytes here", string(make([]byte, 1<<16)), "word " + string(slices.Repeat([]byte("x"), 1<<16))}
		vectorize(t, v, texts)
	})
}

func TestCancelled(t *testing.T) {
	t.Parallel()
	docs, _ := syntheticCorpus(600, 4, 50, 7)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err := newT(t, Options{}).Vectorize(ctx, docs)
	require.ErrorIs(t, err, context.Canceled)
	ctx, cancel2 := context.WithDeadline(context.Background(), time.Now().Add(-time.Second))
	defer cancel2()
	_, err = newT(t, Options{}).Vectorize(ctx, docs)
	require.ErrorIs(t, err, context.DeadlineExceeded)
}

func TestOptionsValidation(t *testing.T) {
	t.Parallel()
	bad := []Options{
		{Dim: -1}, {Buckets: 1000}, {Buckets: 512}, {Buckets: 1 << 23}, {MaxNGram: 3}, {MaxNGram: -1},
		{MaxTokens: -5}, {PowerIters: -1}, {PowerIters: 21},
	}
	for _, o := range bad {
		_, err := NewTFIDF(o)
		require.ErrorIs(t, err, ErrInvalidOptions, "NewTFIDF(%+v)", o)
	}
	v := newT(t, Options{Dim: 300, MaxNGram: 2})
	require.Equal(t, 300, v.Dim(), "Dim()")
	require.Equal(t, "tfidf-lsa(dim=300,buckets=262144,ngram=2)", v.Name(), "Name()")
}

func TestBigrams(t *testing.T) {
	t.Parallel()
	// Same words, different pairs: only bigrams can tell these apart.
	texts := []string{"border talks resume city", "city talks resume border", "border talks resume city"}
	uni := vectorize(t, newT(t, Options{}), texts)
	bi := vectorize(t, newT(t, Options{MaxNGram: 2}), texts)
	require.GreaterOrEqual(t, Cosine(uni[0], uni[1]), 0.999, "unigram cosine of reordered texts; want 1")
	require.LessOrEqual(t, Cosine(bi[0], bi[1]), 0.9, "bigram cosine of reordered texts; want < 0.9")
}

func TestRandomizedMatchesExact(t *testing.T) {
	t.Parallel()
	// 320 texts: small enough for the exact solver under -race.
	docs, _ := syntheticCorpus(320, 8, 150, 8)
	v := newT(t, Options{})
	rows, err := v.hashRows(context.Background(), docs)
	require.NoError(t, err)
	uniq, _ := dedupe(rows)
	weightRows(uniq, rows, len(rows), v.opts.Buckets)
	tm := newTermMatrix(uniq, slices.Repeat([]float64{1}, len(uniq)), v.opts.Buckets)
	g, err := tm.gram(context.Background())
	require.NoError(t, err)
	// The corpus has 8 topics: 8 well-separated eigenvalues, then a flat
	// bulk of noise. The separated ones must be accurate; in the bulk any
	// basis is as good as another, so only the captured energy is checked
	// (Rayleigh–Ritz values never exceed the true ones).
	m, k := len(uniq), 16
	want, _ := exactEigen(g, m, k)
	got, _, err := randomizedEigen(context.Background(), tm.mulGram, m, k, k+oversample, v.opts)
	require.NoError(t, err)
	for j := range 8 {
		require.InEpsilon(t, want[j], got[j], 1e-4, "eigenvalue %d: randomized against exact", j)
	}
	var sg, sw float64
	for j := range k {
		require.LessOrEqual(t, got[j], want[j]*(1+1e-9), "eigenvalue %d: randomized above exact %.6f", j, want[j])
		sg += got[j]
		sw += want[j]
	}
	require.GreaterOrEqual(t, sg, 0.97*sw, "randomized top-%d energy: want ≥ 97%% of exact %.3f", k, sw)
}

func TestGramProductsAgree(t *testing.T) {
	t.Parallel()
	// The dense Gram matrix (exact path) and the streamed product
	// (randomized path) must be the same operator, multiplicities included.
	docs, _ := syntheticCorpus(60, 4, 80, 9)
	docs = append(docs, docs[3], docs[3], docs[7])
	v := newT(t, Options{})
	rows, err := v.hashRows(context.Background(), docs)
	require.NoError(t, err)
	uniq, group := dedupe(rows)
	require.Len(t, uniq, 60, "unique rows")
	mult := make([]float64, len(uniq))
	for _, g := range group {
		mult[g]++
	}
	weightRows(uniq, rows, len(rows), v.opts.Buckets)
	tm := newTermMatrix(uniq, mult, v.opts.Buckets)
	g, err := tm.gram(context.Background())
	require.NoError(t, err)
	m, l := tm.m, 7
	q := newGeneral(m, l)
	for i := range q.Data {
		q.Data[i] = float64(i%11) - 5
	}
	y := newGeneral(m, l)
	tm.mulGram(q, y)
	for i := range m {
		require.InDelta(t, mult[i], g[i*m+i], 1e-9, "G[%d,%d]: want the multiplicity (unit rows)", i, i)
		for j := range l {
			var want float64
			for c := range m {
				want += g[i*m+c] * q.Data[c*l+j]
			}
			require.InDelta(t, want, y.Data[i*l+j], 1e-9*(1+math.Abs(want)), "(G·q)[%d,%d] against the dense product", i, j)
		}
	}
}
