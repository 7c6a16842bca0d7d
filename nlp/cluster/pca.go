package cluster

import (
	"context"
	"errors"
	"math"
	"math/rand/v2"

	"gonum.org/v1/gonum/blas/blas64"
	"gonum.org/v1/gonum/lapack/lapack64"
	"gonum.org/v1/gonum/mat"
)

// PCA parameters. Oversampling and power iterations are Halko, Martinsson
// and Tropp's recommendations (and scikit-learn's randomized PCA choices):
// ten extra directions and seven power iterations recover the top
// components of embedding matrices to working precision.
const (
	pcaOversample = 10
	pcaPowerIters = 7
)

// reduce projects the rows of m onto their top k principal axes and returns
// the n×k coordinates (centred). The axes come from [principalAxes], so
// this is deterministic, and each axis's sign is fixed so that its
// largest-magnitude coordinate is positive (scikit-learn's svd_flip rule).
//
// When k ≥ d or k ≥ n a projection would lose nothing, so m is returned
// unchanged (distances are the same either way).
func reduce(ctx context.Context, m matrix, k int, seed uint64) (matrix, error) {
	if k >= m.d || k >= m.n {
		return m, nil
	}
	pa, err := principalAxes(ctx, m, k, pcaPowerIters, seed)
	if err != nil {
		return matrix{}, err
	}
	out := pa.project(m)
	for c := range k {
		big, sign := 0.0, 1.0
		for i := range m.n {
			if v := out.data[i*k+c]; math.Abs(v) > big {
				big, sign = math.Abs(v), math.Copysign(1, v)
			}
		}
		if sign < 0 {
			for i := range m.n {
				out.data[i*k+c] = -out.data[i*k+c]
			}
		}
	}
	return out, nil
}

// axes is an orthonormal basis of k principal directions and the mean it
// was centred on.
type axes struct {
	mean []float64  // d
	v    *mat.Dense // d×k, orthonormal columns, strongest first
}

// project returns (x − mean)·v for every row: n×k coordinates. Because v
// has orthonormal columns, distances between projected rows never exceed
// the original distances (up to rounding), which the spanning tree uses as
// a lower bound.
func (a axes) project(m matrix) matrix {
	_, k := a.v.Dims()
	xc := make([]float64, m.n*m.d)
	for i := range m.n {
		row := xc[i*m.d : (i+1)*m.d]
		for j, v := range m.row(i) {
			row[j] = v - a.mean[j]
		}
	}
	out := matrix{data: make([]float64, m.n*k), n: m.n, d: k}
	mat.NewDense(m.n, k, out.data).Mul(mat.NewDense(m.n, m.d, xc), a.v)
	return out
}

// principalAxes finds the top k principal axes of m's rows with a
// randomized range finder and power iterations: O(n·d·(k+10)·(2·iters+3))
// time instead of the O(d³) of a full eigendecomposition (4 s for d = 768
// with gonum on this machine), with a fixed PCG seed, so it is
// deterministic. k is capped at min(n, d).
func principalAxes(ctx context.Context, m matrix, k, iters int, seed uint64) (axes, error) {
	n, d := m.n, m.d
	k = min(k, n, d)
	mean := make([]float64, d)
	for i := range n {
		for j, v := range m.row(i) {
			mean[j] += v
		}
	}
	for j := range mean {
		mean[j] /= float64(n)
	}
	xc := make([]float64, n*d)
	for i := range n {
		row := xc[i*d : (i+1)*d]
		for j, v := range m.row(i) {
			row[j] = v - mean[j]
		}
	}
	x := mat.NewDense(n, d, xc)
	l := min(k+pcaOversample, n, d)

	rng := rand.New(rand.NewPCG(seed, 0x6d6173787063612e)) // "masxpca."
	omega := make([]float64, d*l)
	for i := range omega {
		omega[i] = rng.NormFloat64()
	}
	var y, z mat.Dense
	y.Mul(x, mat.NewDense(d, l, omega))
	q := orthonormal(&y)
	for range iters {
		if err := ctx.Err(); err != nil {
			return axes{}, err
		}
		z.Mul(x.T(), q)
		y.Mul(x, orthonormal(&z))
		q = orthonormal(&y)
	}
	// x ≈ q·b with b = qᵀx small (l×d); b's right singular vectors are the
	// principal axes.
	var b mat.Dense
	b.Mul(q.T(), x)
	var svd mat.SVD
	if !svd.Factorize(&b, mat.SVDThin) {
		// Only fails on NaN, which validated input cannot produce.
		return axes{}, errSVD
	}
	var v mat.Dense
	svd.VTo(&v) // d×l
	vk := mat.DenseCopyOf(v.Slice(0, d, 0, k))
	return axes{mean: mean, v: vk}, nil
}

var errSVD = errors.New("factorizing the projected matrix: SVD did not converge")

// orthonormal returns an orthonormal basis (Householder QR) of a's
// columns, as a new rows×cols matrix. Rank-deficient input still gives
// orthonormal columns.
func orthonormal(a *mat.Dense) *mat.Dense {
	r, c := a.Dims()
	g := blas64.General{Rows: r, Cols: c, Stride: c, Data: make([]float64, r*c)}
	for i := range r {
		for j := range c {
			g.Data[i*c+j] = a.At(i, j)
		}
	}
	tau := make([]float64, c)
	work := make([]float64, 1)
	lapack64.Geqrf(g, tau, work, -1)
	work = make([]float64, max(int(work[0]), c))
	lapack64.Geqrf(g, tau, work, len(work))
	lapack64.Orgqr(g, tau, work, -1)
	if need := int(work[0]); need > len(work) {
		work = make([]float64, need)
	}
	lapack64.Orgqr(g, tau, work, len(work))
	return mat.NewDense(r, c, g.Data)
}
