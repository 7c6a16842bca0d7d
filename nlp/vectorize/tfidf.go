package vectorize

import (
	"context"
	"errors"
	"fmt"
	"math"
	"slices"

	"gonum.org/v1/gonum/blas/blas64"

	"github.com/masx-ai/masx/nlp/tokens"
)

// Defaults for [Options]; a zero field means its default.
const (
	DefaultDim        = 256        // output dimensions (MASX_VECTOR_DIM)
	DefaultBuckets    = 1 << 18    // hashed feature space
	DefaultMaxNGram   = 1          // unigrams only
	DefaultMaxTokens  = 10000      // tokens read per document
	DefaultPowerIters = 2          // subspace iterations of the randomized SVD
	DefaultSeed       = 0x6d617378 // "masx": fixed, so vectors are reproducible
)

// ErrInvalidOptions matches every error about a bad [Options] field.
var ErrInvalidOptions = errors.New("invalid vectorize options")

// Options configures [NewTFIDF]. The zero value gives the defaults above.
type Options struct {
	// Dim is the largest number of output dimensions. A batch of n texts
	// gets min(Dim, n) dimensions. Default 256.
	Dim int
	// Buckets is the size of the hashed feature space, a power of two
	// between 2^10 and 2^22. Default 2^18: with the vocabulary of a few
	// thousand news articles, collisions touch well under 5 % of terms.
	Buckets int
	// MaxNGram is 1 for unigram features or 2 to add bigrams of adjacent
	// content words. Default 1.
	MaxNGram int
	// MaxTokens caps the tokens read from one text, bounding the cost of
	// hostile or huge inputs; the topic of an article is clear long before.
	// Default 10,000.
	MaxTokens int
	// PowerIters is the number of subspace iterations of the randomized
	// SVD, used when a batch is too large for an exact eigendecomposition.
	// Default 2.
	PowerIters int
	// Seed seeds the random test matrix of the randomized SVD; the same seed
	// gives the same vectors in every process. Default 0x6d617378.
	Seed uint64
}

func (o Options) withDefaults() (Options, error) {
	if o.Dim == 0 {
		o.Dim = DefaultDim
	}
	if o.Buckets == 0 {
		o.Buckets = DefaultBuckets
	}
	if o.MaxNGram == 0 {
		o.MaxNGram = DefaultMaxNGram
	}
	if o.MaxTokens == 0 {
		o.MaxTokens = DefaultMaxTokens
	}
	if o.PowerIters == 0 {
		o.PowerIters = DefaultPowerIters
	}
	if o.Seed == 0 {
		o.Seed = DefaultSeed
	}
	switch {
	case o.Dim < 0:
		return o, fmt.Errorf("%w: Dim = %d, want 1 or more (0 for %d)", ErrInvalidOptions, o.Dim, DefaultDim)
	case o.Buckets < 1<<10 || o.Buckets > 1<<22 || o.Buckets&(o.Buckets-1) != 0:
		return o, fmt.Errorf("%w: Buckets = %d, want a power of two from 1024 to 4194304", ErrInvalidOptions, o.Buckets)
	case o.MaxNGram < 1 || o.MaxNGram > 2:
		return o, fmt.Errorf("%w: MaxNGram = %d, want 1 or 2", ErrInvalidOptions, o.MaxNGram)
	case o.MaxTokens < 0:
		return o, fmt.Errorf("%w: MaxTokens = %d, want 1 or more (0 for %d)", ErrInvalidOptions, o.MaxTokens, DefaultMaxTokens)
	case o.PowerIters < 0 || o.PowerIters > 20:
		return o, fmt.Errorf("%w: PowerIters = %d, want 1 to 20 (0 for %d)", ErrInvalidOptions, o.PowerIters, DefaultPowerIters)
	}
	return o, nil
}

// TFIDF turns a batch of texts into LSA vectors: hashed TF-IDF fitted on the
// batch, reduced by truncated SVD. It is safe for concurrent use; it keeps
// no state between calls.
type TFIDF struct {
	opts Options
}

var _ Vectorizer = (*TFIDF)(nil)

// NewTFIDF returns a TF-IDF/LSA vectorizer, or an error matching
// [ErrInvalidOptions] that names the bad field.
func NewTFIDF(opts Options) (*TFIDF, error) {
	o, err := opts.withDefaults()
	if err != nil {
		return nil, err
	}
	return &TFIDF{opts: o}, nil
}

// Name identifies the vectorizer and its shape, for logs and stored runs.
func (t *TFIDF) Name() string {
	return fmt.Sprintf("tfidf-lsa(dim=%d,buckets=%d,ngram=%d)", t.opts.Dim, t.opts.Buckets, t.opts.MaxNGram)
}

// Dim is the largest vector length Vectorize returns; a batch of n texts
// gets min(Dim, n).
func (t *TFIDF) Dim() int { return t.opts.Dim }

// Vectorize returns one unit vector per text, all of length min(Dim, n) for
// n texts. A text with no usable words (empty, only stopwords or symbols)
// gets the zero vector. Identical texts get identical vectors. Vectors from
// different calls live in different bases and must not be compared.
//
// The context is checked between stages and every few hundred documents;
// on cancellation Vectorize returns the context's error.
func (t *TFIDF) Vectorize(ctx context.Context, texts []string) ([][]float32, error) {
	n := len(texts)
	out := make([][]float32, n)
	if n == 0 {
		return out, nil
	}
	d := min(t.opts.Dim, n)
	backing := make([]float32, n*d)
	for i := range out {
		out[i] = backing[i*d : (i+1)*d : (i+1)*d]
	}

	rows, err := t.hashRows(ctx, texts)
	if err != nil {
		return nil, err
	}
	uniq, group := dedupe(rows)
	if len(uniq) == 0 {
		return out, nil
	}
	mult := make([]float64, len(uniq))
	for _, g := range group {
		if g >= 0 {
			mult[g]++
		}
	}
	weightRows(uniq, rows, n, t.opts.Buckets)

	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("vectorizing: %w", err)
	}
	coords, k, err := topEigen(ctx, newTermMatrix(uniq, mult, t.opts.Buckets), min(d, len(uniq)), t.opts)
	if err != nil {
		return nil, err
	}
	for i, g := range group {
		if g < 0 {
			continue
		}
		row := coords[g*k : (g+1)*k]
		var norm float64
		for _, v := range row {
			norm += v * v
		}
		if norm == 0 {
			continue
		}
		inv := 1 / math.Sqrt(norm)
		for j, v := range row {
			out[i][j] = float32(v * inv)
		}
	}
	return out, nil
}

// row is one document's hashed term counts, buckets ascending; after
// weightRows, w holds its L2-normalised TF-IDF weights.
type row struct {
	buckets []uint32
	counts  []uint32
	w       []float64
}

func (r *row) equal(o *row) bool {
	return slices.Equal(r.buckets, o.buckets) && slices.Equal(r.counts, o.counts)
}

// hashRows tokenises every text and counts hashed features.
func (t *TFIDF) hashRows(ctx context.Context, texts []string) ([]row, error) {
	rows := make([]row, len(texts))
	mask := uint64(t.opts.Buckets - 1)
	var ids []uint32
	for i, text := range texts {
		if i%256 == 255 {
			if err := ctx.Err(); err != nil {
				return nil, fmt.Errorf("vectorizing: %w", err)
			}
		}
		terms := tokens.Terms(text)
		if len(terms) > t.opts.MaxTokens {
			terms = terms[:t.opts.MaxTokens]
		}
		ids = ids[:0]
		var prev uint64
		for j, w := range terms {
			h := fnv1a(fnvOffset, w)
			ids = append(ids, uint32(mix(h)&mask))
			if t.opts.MaxNGram == 2 && j > 0 {
				ids = append(ids, uint32(mix(fnv1a(fnvAddByte(prev, ' '), w))&mask))
			}
			prev = h
		}
		slices.Sort(ids)
		r := &rows[i]
		for a := 0; a < len(ids); {
			b := a
			for b < len(ids) && ids[b] == ids[a] {
				b++
			}
			r.buckets = append(r.buckets, ids[a])
			r.counts = append(r.counts, uint32(b-a))
			a = b
		}
	}
	return rows, nil
}

// dedupe maps every row to a unique non-empty row: group[i] is the index in
// uniq of row i, or -1 for an empty row. Identical documents (syndicated
// wire copies, repeated boilerplate) are factored once, and the multiplicity
// is kept so the SVD is exactly that of the full batch.
func dedupe(rows []row) (uniq []*row, group []int) {
	group = make([]int, len(rows))
	byHash := map[uint64][]int{}
	for i := range rows {
		r := &rows[i]
		if len(r.buckets) == 0 {
			group[i] = -1
			continue
		}
		h := uint64(fnvOffset)
		for j, b := range r.buckets {
			h = fnvAdd32(fnvAdd32(h, b), r.counts[j])
		}
		found := -1
		for _, u := range byHash[h] {
			if uniq[u].equal(r) {
				found = u
				break
			}
		}
		if found < 0 {
			found = len(uniq)
			uniq = append(uniq, r)
			byHash[h] = append(byHash[h], found)
		}
		group[i] = found
	}
	return uniq, group
}

// weightRows sets sublinear TF × smoothed IDF weights, L2-normalised. IDF
// counts every document of the batch, duplicates included.
func weightRows(uniq []*row, all []row, n, buckets int) {
	df := make([]int32, buckets)
	for i := range all {
		for _, b := range all[i].buckets {
			df[b]++
		}
	}
	for _, r := range uniq {
		r.w = make([]float64, len(r.buckets))
		var norm float64
		for j, b := range r.buckets {
			idf := math.Log(float64(1+n)/float64(1+df[b])) + 1
			w := (1 + math.Log(float64(r.counts[j]))) * idf
			r.w[j] = w
			norm += w * w
		}
		inv := 1 / math.Sqrt(norm)
		for j := range r.w {
			r.w[j] *= inv
		}
	}
}

// termMatrix is W = D½·X, the unique TF-IDF rows scaled by the square root
// of their multiplicity, stored by column (term) for the products the SVD
// needs. W·Wᵀ has the eigenvectors that give the LSA coordinates of the
// whole batch. Terms found in one unique row add only to the diagonal of
// W·Wᵀ, and most terms are such (Zipf), so they are folded into diag and
// only shared terms are kept as columns.
type termMatrix struct {
	m      int
	colPtr []int32 // column t holds entries colPtr[t]:colPtr[t+1]
	rows   []int32
	vals   []float64
	diag   []float64 // (W·Wᵀ)_ii from terms of one unique row
}

func newTermMatrix(uniq []*row, mult []float64, buckets int) termMatrix {
	// Counting sort by bucket: rows are visited in order, so each column
	// lists its rows ascending.
	count := make([]int32, buckets)
	for _, r := range uniq {
		for _, b := range r.buckets {
			count[b]++
		}
	}
	tm := termMatrix{m: len(uniq), diag: make([]float64, len(uniq))}
	start := count // reused: start offset of each shared bucket's column
	total := int32(0)
	for b, c := range count {
		if c < 2 {
			start[b] = -1
			continue
		}
		start[b] = total
		tm.colPtr = append(tm.colPtr, total)
		total += c
	}
	tm.colPtr = append(tm.colPtr, total)
	tm.rows = make([]int32, total)
	tm.vals = make([]float64, total)
	for i, r := range uniq {
		s := math.Sqrt(mult[i])
		for j, b := range r.buckets {
			w := r.w[j] * s
			if start[b] < 0 {
				tm.diag[i] += w * w
				continue
			}
			tm.rows[start[b]] = int32(i)
			tm.vals[start[b]] = w
			start[b]++
		}
	}
	return tm
}

// gram returns W·Wᵀ as a dense m×m row-major matrix. The cost is Σ df² over
// shared terms rather than m² dot products.
func (tm termMatrix) gram(ctx context.Context) ([]float64, error) {
	m := tm.m
	g := make([]float64, m*m)
	for i, d := range tm.diag {
		g[i*m+i] = d
	}
	work := 0
	for t := 0; t+1 < len(tm.colPtr); t++ {
		lo, hi := tm.colPtr[t], tm.colPtr[t+1]
		for x := lo; x < hi; x++ {
			gi := g[int(tm.rows[x])*m:]
			wx := tm.vals[x]
			gi[tm.rows[x]] += wx * wx
			for y := x + 1; y < hi; y++ {
				gi[tm.rows[y]] += wx * tm.vals[y]
			}
		}
		work += int(hi-lo) * int(hi-lo)
		if work > 1<<24 {
			work = 0
			if err := ctx.Err(); err != nil {
				return nil, fmt.Errorf("vectorizing: %w", err)
			}
		}
	}
	// Rows within a column are ascending, so only the upper triangle was
	// written; mirror it.
	for i := range m {
		for j := i + 1; j < m; j++ {
			g[j*m+i] = g[i*m+j]
		}
	}
	return g, nil
}

// mulGram sets y = W·Wᵀ·q for m×l matrices, one column of W at a time:
// z = wᵀ·q, then y += w·z. The cost is 4·nnz·l flops with no m×m matrix,
// so large batches stay linear in their size.
func (tm termMatrix) mulGram(q, y blas64.General) {
	l := q.Cols
	for i, d := range tm.diag {
		yi, qi := y.Data[i*l:(i+1)*l], q.Data[i*l:(i+1)*l]
		for j := range yi {
			yi[j] = d * qi[j]
		}
	}
	z := make([]float64, l)
	for t := 0; t+1 < len(tm.colPtr); t++ {
		lo, hi := tm.colPtr[t], tm.colPtr[t+1]
		clear(z)
		for x := lo; x < hi; x++ {
			r := int(tm.rows[x])
			axpy(tm.vals[x], q.Data[r*l:(r+1)*l], z)
		}
		for x := lo; x < hi; x++ {
			r := int(tm.rows[x])
			axpy(tm.vals[x], z, y.Data[r*l:(r+1)*l])
		}
	}
}

func axpy(alpha float64, x, y []float64) {
	blas64.Axpy(alpha, blas64.Vector{N: len(x), Inc: 1, Data: x}, blas64.Vector{N: len(y), Inc: 1, Data: y})
}

// FNV-1a, 64 bit: a fixed, seedless hash, so bucket numbers are the same in
// every process and on every machine.
const (
	fnvOffset = 14695981039346656037
	fnvPrime  = 1099511628211
)

func fnv1a(h uint64, s string) uint64 {
	for i := 0; i < len(s); i++ {
		h ^= uint64(s[i])
		h *= fnvPrime
	}
	return h
}

func fnvAddByte(h uint64, b byte) uint64 {
	h ^= uint64(b)
	return h * fnvPrime
}

func fnvAdd32(h uint64, v uint32) uint64 {
	for range 4 {
		h = fnvAddByte(h, byte(v))
		v >>= 8
	}
	return h
}

// mix spreads FNV's weak low bits before masking (a murmur3 finaliser).
func mix(h uint64) uint64 {
	h ^= h >> 33
	h *= 0xff51afd7ed558ccd
	h ^= h >> 33
	h *= 0xc4ceb9fe1a85ec53
	h ^= h >> 33
	return h
}
