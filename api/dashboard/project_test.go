package dashboard

import (
	"context"
	"math"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/masx-ai/masx/news"
)

// Two clusters far apart in 64 dimensions land apart on the map: every
// point is nearer its own cluster's centre than the other's.
func TestProjectionSeparatesClusters(t *testing.T) {
	arts, _ := seedArticles(seed{runID: "r", fpID: "f", articles: 400, clusters: 2, dim: 64})
	var vecs [][]float32
	var labels []int
	for _, a := range arts {
		if a.ClusterID >= 0 {
			vecs, labels = append(vecs, a.Embedding), append(labels, a.ClusterID)
		}
	}
	xy, err := project2D(context.Background(), vecs)
	require.NoError(t, err)
	var c [2][2]float64
	var n [2]float64
	for i, p := range xy {
		c[labels[i]][0] += p[0]
		c[labels[i]][1] += p[1]
		n[labels[i]]++
	}
	for k := range 2 {
		c[k][0], c[k][1] = c[k][0]/n[k], c[k][1]/n[k]
	}
	d := func(p [2]float64, q [2]float64) float64 { return math.Hypot(p[0]-q[0], p[1]-q[1]) }
	for i, p := range xy {
		require.Less(t, d(p, c[labels[i]]), d(p, c[1-labels[i]]), "point %d", i)
	}
	again, err := project2D(context.Background(), vecs)
	require.NoError(t, err)
	require.Equal(t, xy, again, "deterministic")
}

func TestProjectionOddInput(t *testing.T) {
	ctx := context.Background()
	xy, err := project2D(ctx, nil)
	require.NoError(t, err)
	require.Empty(t, xy)
	// A vector of another length is not placed; equal vectors sit together.
	xy, err = project2D(ctx, [][]float32{{1, 2, 3}, {1, 2}, {1, 2, 3}})
	require.NoError(t, err)
	require.True(t, math.IsNaN(xy[1][0]))
	require.Equal(t, xy[0], xy[2])
	require.False(t, math.IsNaN(xy[0][0]))
	// A cancelled context stops the iteration.
	cctx, cancel := context.WithCancel(ctx)
	cancel()
	_, err = project2D(cctx, [][]float32{{1, 0}, {0, 1}, {1, 1}})
	require.ErrorIs(t, err, context.Canceled)

	// The map draws one point per ok article with a vector; the rest are
	// not drawn.
	arts := []news.Article{{Status: news.StatusOK, Embedding: []float32{1, 0}, ClusterID: -1}, {Status: news.StatusFailed, Embedding: []float32{0, 1}}, {Status: news.StatusOK}}
	mv, err := buildMap(ctx, arts, nil)
	require.NoError(t, err)
	require.Len(t, mv.Points, 1)
	require.Equal(t, 1, mv.Unclustered)

	// A huge flashpoint draws an even sample, and counts every article.
	many := make([]news.Article, mapMaxPoints+5)
	for i := range many {
		many[i] = news.Article{Status: news.StatusOK, Embedding: []float32{float32(i), float32(i % 7)}, ClusterID: -1}
	}
	mv, err = buildMap(ctx, many, nil)
	require.NoError(t, err)
	require.LessOrEqual(t, len(mv.Points), mapMaxPoints)
	require.Equal(t, len(mv.Points), mv.Drawn)
	require.Equal(t, mapMaxPoints+5, mv.Unclustered)
}
