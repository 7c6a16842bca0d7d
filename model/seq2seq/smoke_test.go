package seq2seq

import (
	"testing"

	"github.com/stretchr/testify/require"
)

func TestSmokeReferences(t *testing.T) {
	for _, fam := range families {
		dir := familyDir(t, fam)
		for _, layout := range []string{LayoutMerged, LayoutPair} {
			m := load(t, dir, Options{Layout: layout})
			refs := readReferences(t, dir)
			for _, c := range readCases(t, dir) {
				g := c.config(t, m)
				out := generateAll(t, m, c.requests(g))
				for i, r := range out {
					want := refs[c.Name].Results[i]
					require.Equal(t, want.IDs, r.IDs, "%s %s %s row %d", fam, layout, c.Name, i)
					require.InDelta(t, want.Score, r.Score, 1e-4, "%s %s %s row %d score", fam, layout, c.Name, i)
				}
			}
		}
	}
}
