package cluster

import (
	"encoding/binary"
	"math"
	"testing"

	"github.com/stretchr/testify/require"
)

// FuzzClusterNeverPanics feeds arbitrary small matrices (duplicates,
// zeros, extreme magnitudes, NaN) through every entry point: each must
// return labels in range or an error, never panic.
// Run: go test -run '^$' -fuzz FuzzClusterNeverPanics -fuzztime 30s ./nlp/cluster/
func FuzzClusterNeverPanics(f *testing.F) {
	f.Add([]byte{3, 2, 0, 0, 1, 1, 2, 2}, uint8(5), uint8(0), false)
	f.Add(make([]byte, 400), uint8(2), uint8(1), true)
	f.Add([]byte{60, 1, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 9, 9, 9, 9, 200, 1, 2, 3}, uint8(3), uint8(2), true)
	f.Fuzz(func(t *testing.T, data []byte, mcs, ms uint8, leaf bool) {
		if len(data) < 2 {
			return
		}
		n, d := int(data[0])%90, 1+int(data[1])%6
		vals := data[2:]
		x := make([][]float64, n)
		for i := range x {
			x[i] = make([]float64, d)
			for j := range x[i] {
				k := (i*d + j) * 2
				if len(vals) == 0 {
					break
				}
				v := binary.LittleEndian.Uint16([]byte{vals[k%len(vals)], vals[(k+1)%len(vals)]})
				switch v % 16 {
				case 0:
					x[i][j] = 0
				case 1:
					x[i][j] = 1e140 * float64(v%7)
				case 2:
					x[i][j] = -1e-300
				default:
					x[i][j] = float64(int16(v)) / 64
				}
			}
		}
		cfg := Config{MinClusterSize: 2 + int(mcs)%8, MinSamples: int(ms) % 10}
		if leaf {
			cfg.Selection, cfg.Epsilon = SelectionLeaf, 0.5
		}
		check := func(name string, res Result, err error) {
			require.NoError(t, err, name)
			require.Len(t, res.Labels, n, "%s: labels for %d points", name, n)
			for _, l := range res.Labels {
				require.True(t, l >= Noise && l < res.NClusters, "%s: label %d outside −1…%d", name, l, res.NClusters-1)
			}
		}
		res, err := HDBSCAN(t.Context(), x, cfg)
		check("HDBSCAN", res, err)
		cfg.Metric = MetricCosine
		res, err = HDBSCAN(t.Context(), x, cfg)
		check("HDBSCAN cosine", res, err)
		res, err = Auto(t.Context(), x, AutoConfig{KMeansBelow: 1 + int(mcs)%60, Dims: 1 + int(ms)%4})
		check("Auto", res, err)
		km, err := KMeans(t.Context(), x, KMeansConfig{K: 1 + int(ms)%12, Restarts: 2})
		check("KMeans", km.Result, err)
		if n > 0 {
			x[n-1][0] = math.NaN()
			_, err := Auto(t.Context(), x, AutoConfig{})
			require.Error(t, err, "NaN accepted")
		}
	})
}
