package demo

import "fmt"

// ClusterScore compares a run's clusters with the true story labels.
type ClusterScore struct {
	// Articles is how many ok articles were scored; Clusters how many
	// distinct (flashpoint, cluster) pairs they fell into, noise excluded;
	// Noise how many had cluster ID −1.
	Articles, Clusters, Noise int
	// Purity is the share of articles that carry their cluster's majority
	// label. Noise articles count as misses, so a run cannot score well
	// by leaving articles unclustered. 1 is perfect.
	Purity float64
	// ARI is the adjusted Rand index between clusters and labels: 1 for
	// identical partitions, about 0 for chance, negative for worse. Each
	// noise article counts as a cluster of its own.
	ARI float64
}

func (s ClusterScore) String() string {
	return fmt.Sprintf("%d articles in %d clusters (%d noise): purity %.3f, ARI %.3f", s.Articles, s.Clusters, s.Noise, s.Purity, s.ARI)
}

type labelled struct {
	flashpoint string
	cluster    int
	label      string
}

func score(items []labelled) ClusterScore {
	type key struct {
		fp string
		id int
	}
	s := ClusterScore{Articles: len(items)}
	if len(items) == 0 {
		return s
	}
	// Contingency table: cluster → label → count. Noise articles get a
	// cluster each (negative ids below −1 cannot collide with real ones).
	table := map[key]map[string]int{}
	labels := map[string]int{}
	next := -2
	for _, it := range items {
		k := key{it.flashpoint, it.cluster}
		if it.cluster == -1 {
			s.Noise++
			k.id = next
			next--
		}
		if table[k] == nil {
			table[k] = map[string]int{}
		}
		table[k][it.label]++
		labels[it.label]++
	}
	majority := 0
	var sumCells, sumRows, sumCols float64
	for k, row := range table {
		size, best := 0, 0
		for _, n := range row {
			size += n
			best = max(best, n)
			sumCells += pairs(n)
		}
		if k.id >= -1 {
			s.Clusters++
			majority += best
		}
		sumRows += pairs(size)
	}
	for _, n := range labels {
		sumCols += pairs(n)
	}
	s.Purity = float64(majority) / float64(len(items))
	if len(items) < 2 {
		s.ARI = 1 // one article: no pairs to disagree on
		return s
	}
	expected := sumRows * sumCols / pairs(len(items))
	maxIndex := (sumRows + sumCols) / 2
	if maxIndex == expected {
		// Both partitions are trivial (one group, or all singletons):
		// they agree exactly or there is nothing to compare.
		if sumCells == maxIndex {
			s.ARI = 1
		}
		return s
	}
	s.ARI = (sumCells - expected) / (maxIndex - expected)
	return s
}

func pairs(n int) float64 { return float64(n) * float64(n-1) / 2 }
