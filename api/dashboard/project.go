package dashboard

import (
	"context"
	"math"
)

// Projection parameters. The axes are estimated on at most
// projectSample vectors (an even stride through them, so the result is
// deterministic), then every vector is projected: the estimate costs the
// same for 500 or 50,000 articles, and two axes of a few hundred
// thousand numbers are found as well as from all of them, for a picture.
//
// Block power iteration converges at the ratio of the third to the
// second eigenvalue, which for many similar-sized clusters is close to 1;
// projectIters bounds the work (about 1 ms an iteration here) since a
// map needs a stable, readable picture, not the exact axes.
const (
	projectSample = 500
	projectIters  = 30
	projectTol    = 1e-6
)

// project2D returns each vector's coordinates on the top two principal
// axes of vecs (the vectors the clustering used), found by block power
// iteration. Vectors whose length differs from the first's get NaN
// coordinates (they are not drawn). Each axis's sign is fixed so that its
// largest coordinate is positive, so the picture does not flip between
// renders. It checks ctx between iterations.
func project2D(ctx context.Context, vecs [][]float32) ([][2]float64, error) {
	out := make([][2]float64, len(vecs))
	if len(vecs) == 0 {
		return out, nil
	}
	d := len(vecs[0])
	var rows []int
	for i, v := range vecs {
		if len(v) == d && d > 0 {
			rows = append(rows, i)
		} else {
			out[i] = [2]float64{math.NaN(), math.NaN()}
		}
	}
	if len(rows) == 0 {
		return out, nil
	}
	mean := make([]float64, d)
	for _, i := range rows {
		for j, x := range vecs[i] {
			mean[j] += float64(x)
		}
	}
	for j := range mean {
		mean[j] /= float64(len(rows))
	}
	sample := rows
	if len(rows) > projectSample {
		sample = make([]int, projectSample)
		for k := range sample {
			sample[k] = rows[k*len(rows)/projectSample]
		}
	}
	axes, err := topAxes(ctx, vecs, sample, mean)
	if err != nil {
		return nil, err
	}
	for _, i := range rows {
		out[i] = [2]float64{centredDot(vecs[i], mean, axes[0]), centredDot(vecs[i], mean, axes[1])}
	}
	for c := range 2 {
		big, sign := 0.0, 1.0
		for _, i := range rows {
			if v := out[i][c]; math.Abs(v) > big {
				big, sign = math.Abs(v), math.Copysign(1, v)
			}
		}
		if sign < 0 {
			for _, i := range rows {
				out[i][c] = -out[i][c]
			}
		}
	}
	return out, nil
}

// topAxes finds two orthonormal directions of largest variance of the
// sample rows by orthogonal (block power) iteration: V ← orth(XᵀX V),
// over the sample centred once into one float64 block.
func topAxes(ctx context.Context, vecs [][]float32, sample []int, mean []float64) ([2][]float64, error) {
	d := len(mean)
	xc := make([]float64, len(sample)*d)
	for k, i := range sample {
		row := xc[k*d : (k+1)*d]
		for j, x := range vecs[i] {
			row[j] = float64(x) - mean[j]
		}
	}
	var v [2][]float64
	for c := range 2 {
		v[c] = make([]float64, d)
		for j := range d {
			// A fixed start that is not orthogonal to any axis in practice.
			v[c][j] = math.Sin(float64((c+1)*(j+1)) + 0.5)
		}
	}
	orthonormalize(&v)
	for range projectIters {
		if err := ctx.Err(); err != nil {
			return v, err
		}
		var w [2][]float64
		w[0], w[1] = make([]float64, d), make([]float64, d)
		for k := range sample {
			row := xc[k*d : (k+1)*d]
			p0, p1 := dot(row, v[0]), dot(row, v[1])
			w0, w1 := w[0][:len(row)], w[1][:len(row)]
			for j, x := range row {
				w0[j] += x * p0
				w1[j] += x * p1
			}
		}
		orthonormalize(&w)
		moved := 0.0
		for c := range 2 {
			moved = max(moved, 1-math.Abs(dot(w[c], v[c])))
		}
		v = w
		if moved < projectTol {
			break
		}
	}
	return v, nil
}

// orthonormalize makes v[0] unit length and v[1] a unit vector orthogonal
// to it (Gram–Schmidt). A zero vector stays zero: all vectors equal, say.
func orthonormalize(v *[2][]float64) {
	normalize(v[0])
	p := dot(v[0], v[1])
	for j := range v[1] {
		v[1][j] -= p * v[0][j]
	}
	normalize(v[1])
}

func normalize(x []float64) {
	n := math.Sqrt(dot(x, x))
	if n == 0 {
		return
	}
	for j := range x {
		x[j] /= n
	}
}

func dot(a, b []float64) float64 {
	b = b[:len(a)]
	var s0, s1 float64
	j := 0
	for ; j+1 < len(a); j += 2 {
		s0 += a[j] * b[j]
		s1 += a[j+1] * b[j+1]
	}
	if j < len(a) {
		s0 += a[j] * b[j]
	}
	return s0 + s1
}

func centredDot(x []float32, mean, axis []float64) float64 {
	s := 0.0
	for j, v := range x {
		s += (float64(v) - mean[j]) * axis[j]
	}
	return s
}
