// Package vectorize turns article texts into dense vectors for clustering.
// [Vectorizer] is the seam: [TFIDF] needs no model and is the default; the
// ONNX sentence embedder (nlp/embed) satisfies the same interface when
// MASX_EMBED_MODEL is set.
//
// # TF-IDF/LSA
//
// [TFIDF.Vectorize] fits everything on the batch it is given (in the
// pipeline, one flashpoint's articles):
//
//   - Words come from nlp/tokens (NFKC, lowercase, stopwords dropped, CJK as
//     character bigrams), at most MaxTokens per text.
//   - Features are hashed into 2^18 buckets with FNV-1a and a fixed
//     finaliser: no vocabulary to store, and the same bucket for the same
//     word in every process (unlike hash/maphash, whose seeds are random).
//   - Weights are sublinear TF (1 + ln tf) times smoothed IDF
//     (ln((1+n)/(1+df)) + 1), each row L2-normalised.
//   - Truncated SVD (latent semantic analysis) reduces the rows to
//     d = min(Dim, n) dimensions, and the results are L2-normalised again.
//
// The cap is n, not n−1: the n rows span at most n dimensions, so with
// d = n the projection is a rotation and keeps every cosine exactly (a test
// checks this); n−1 would lose information, and for two texts would fold
// every pair onto one axis with cosine ±1.
//
// The SVD works on the n×n side. Identical texts are factored out first,
// keeping their multiplicity, so the result is exactly that of the whole
// batch; terms found in a single text only add to a diagonal. For up to
// max(150, 1.5·(d+10)) distinct texts the Gram matrix is built from an
// inverted index and fully eigendecomposed (LAPACK dsyev via gonum). Above
// that, a randomized subspace iteration (Halko, Martinsson and Tropp) with
// d+10 directions and 2 iterations multiplies by the sparse term matrix
// column by column, which costs O(nnz·d) per pass and no n×n memory. Its
// random start comes from a PCG generator with a fixed seed, and each
// component's sign is fixed (largest entry positive), so vectors are
// identical from run to run.
//
// Degenerate batches: no texts give no vectors; one text gives [1] (or [0]);
// a text with no usable words (empty, only stopwords or symbols) gets the
// zero vector, which has cosine 0 with everything (see [Cosine]); identical
// texts get identical vectors. Vectors from different calls are in
// different bases and must not be compared.
//
// # Costs
//
// The truncated SVD is most of the CPU of a call, tokenising a small part.
// BenchmarkVectorize and BenchmarkEigen measure both, and the exact and
// randomized eigensolvers side by side (docs/performance.md).
package vectorize

import (
	"context"
	"math"
)

// Vectorizer turns a batch of texts into vectors, one per text, in order.
// Implementations: [TFIDF] (TF-IDF/LSA, the default, no model needed) and
// the ONNX sentence embedder in nlp/embed.
//
// Vectorize MUST return len(texts) vectors of one common length of at most
// Dim(), or an error; it MUST return promptly with the context's error once
// ctx is done. Vectors are unit length, except the zero vector for a text
// that holds nothing to embed. Name identifies the model for logs and runs.
type Vectorizer interface {
	Vectorize(ctx context.Context, texts []string) ([][]float32, error)
	Dim() int
	Name() string
}

// Cosine returns the cosine similarity of a and b, and 0 when either is the
// zero vector. Like other vector operations on mismatched shapes, it panics
// when their lengths differ: that is a programming error, not bad input.
func Cosine(a, b []float32) float64 {
	if len(a) != len(b) {
		panic("vectorize.Cosine: vectors of different lengths")
	}
	var dot, na, nb float64
	for i := range a {
		x, y := float64(a[i]), float64(b[i])
		dot += x * y
		na += x * x
		nb += y * y
	}
	if na == 0 || nb == 0 {
		return 0
	}
	return dot / math.Sqrt(na*nb)
}
