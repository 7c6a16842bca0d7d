package cluster

import (
	"errors"
	"fmt"
	"math"
)

// Float is the element type of the vectors this package clusters: the
// embedder produces float32, tests and tools often have float64.
type Float interface {
	~float32 | ~float64
}

// ErrInvalidInput marks vectors this package cannot cluster: NaN or
// infinite values, rows of different lengths, rows without values. The
// concrete error is an [*InputError] naming the row.
var ErrInvalidInput = errors.New("invalid input vectors")

// InputError says which row (0-based index into the input) is unusable and
// why. It matches [ErrInvalidInput] with errors.Is.
type InputError struct {
	Row    int    // index of the offending vector
	Col    int    // index of the offending value, or -1 when the whole row is wrong
	Reason string // what is wrong, e.g. "value is NaN" or "has 3 values; want 4 like row 0"
}

func (e *InputError) Error() string {
	if e.Col >= 0 {
		return fmt.Sprintf("row %d, value %d: %s", e.Row, e.Col, e.Reason)
	}
	return fmt.Sprintf("row %d: %s", e.Row, e.Reason)
}

// Is makes errors.Is(err, ErrInvalidInput) hold.
func (e *InputError) Is(target error) bool { return target == ErrInvalidInput }

// maxMagnitude bounds input values so that a sum of squared differences
// over millions of dimensions cannot overflow to +Inf. Embeddings live in
// [-1, 1]; this only rejects garbage.
const maxMagnitude = 1e150

// matrix is a dense row-major copy of the input in float64. One flat slice
// keeps rows contiguous, which is what the distance loops want, and float64
// matches the reference implementation's arithmetic.
type matrix struct {
	data []float64
	n, d int
}

func (m matrix) row(i int) []float64 { return m.data[i*m.d : (i+1)*m.d : (i+1)*m.d] }

// toMatrix validates vectors and copies them. All rows must have the same
// non-zero length and finite values.
func toMatrix[T Float](vectors [][]T) (matrix, error) {
	n := len(vectors)
	if n == 0 {
		return matrix{}, nil
	}
	d := len(vectors[0])
	if d == 0 {
		return matrix{}, &InputError{Row: 0, Col: -1, Reason: "has no values"}
	}
	data := make([]float64, n*d)
	for i, v := range vectors {
		if len(v) != d {
			if len(v) == 0 {
				return matrix{}, &InputError{Row: i, Col: -1, Reason: "has no values"}
			}
			return matrix{}, &InputError{Row: i, Col: -1, Reason: fmt.Sprintf("has %d values; want %d like row 0", len(v), d)}
		}
		dst := data[i*d : (i+1)*d]
		for j, x := range v {
			f := float64(x)
			if math.IsNaN(f) {
				return matrix{}, &InputError{Row: i, Col: j, Reason: "value is NaN; want a finite number"}
			}
			if math.IsInf(f, 0) {
				return matrix{}, &InputError{Row: i, Col: j, Reason: fmt.Sprintf("value is %v; want a finite number", f)}
			}
			if math.Abs(f) > maxMagnitude {
				return matrix{}, &InputError{Row: i, Col: j, Reason: fmt.Sprintf("value %g is too large; want |x| ≤ %g so squared distances stay finite", f, maxMagnitude)}
			}
			dst[j] = f
		}
	}
	return matrix{data: data, n: n, d: d}, nil
}

// normalizeRows scales every row to unit L2 length in place. A zero row has
// no direction and stays zero.
func normalizeRows(m matrix) {
	for i := 0; i < m.n; i++ {
		r := m.row(i)
		var s float64
		for _, x := range r {
			s += x * x
		}
		if s == 0 {
			continue
		}
		norm := math.Sqrt(s)
		for j := range r {
			r[j] /= norm
		}
	}
}
