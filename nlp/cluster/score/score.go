// Package score compares a clustering with gold story labels: B-cubed
// precision, recall and F1, pairwise precision, recall and F1, the adjusted
// Rand index, and NMI (arithmetic normalisation, which equals the
// V-measure) with its homogeneity and completeness.
//
// Articles a method left unclustered (label [Noise], −1) each count as a
// cluster of their own, the convention of the published short-text
// clustering results (Yin & Wang, KDD 2014): a method cannot score well by
// leaving the hard articles out. [Scores.Unclustered] says how many there
// were.
//
// Degenerate cases follow scikit-learn 1.9: with one article, or when
// both partitions put every article in one cluster or every article in
// its own, ARI and NMI are 1; a partition with zero entropy is perfectly
// homogeneous (or complete). Pairwise precision is 1 when no pair was
// predicted, recall 1 when the gold has no pair: nothing was got wrong.
package score

import (
	"errors"
	"fmt"
	"math"
)

// Noise is the label of an unclustered article (nlp/cluster.Noise).
const Noise = -1

// ErrLengthMismatch is returned when the labels and the gold differ in
// length.
var ErrLengthMismatch = errors.New("labels and gold labels differ in length")

// Scores is one comparison. JSON keys are those of `masx eval cluster
// --json`.
type Scores struct {
	B3Precision       float64 `json:"b3_precision"`
	B3Recall          float64 `json:"b3_recall"`
	B3F1              float64 `json:"b3_f1"`
	PairwisePrecision float64 `json:"pairwise_precision"`
	PairwiseRecall    float64 `json:"pairwise_recall"`
	PairwiseF1        float64 `json:"pairwise_f1"`
	ARI               float64 `json:"ari"`
	NMI               float64 `json:"nmi"` // arithmetic normalisation = V-measure
	Homogeneity       float64 `json:"homogeneity"`
	Completeness      float64 `json:"completeness"`
	// Clusters counts the distinct non-noise labels found; GoldClusters
	// the distinct gold labels.
	Clusters     int `json:"clusters"`
	GoldClusters int `json:"gold_clusters"`
	// Unclustered counts the articles labelled Noise (scored as
	// singletons).
	Unclustered int `json:"unclustered"`
	Articles    int `json:"articles"`
}

// Compare scores labels (one per article; Noise for unclustered) against
// gold (one per article, any comparable label). It errors when the lengths
// differ.
func Compare[G comparable](labels []int, gold []G) (Scores, error) {
	if len(labels) != len(gold) {
		return Scores{}, fmt.Errorf("%w: %d labels, %d gold labels", ErrLengthMismatch, len(labels), len(gold))
	}
	t := newTable(labels, gold)
	s := Scores{Articles: len(labels), Clusters: t.found, GoldClusters: len(t.goldSize), Unclustered: t.noise}
	if len(labels) == 0 {
		s.B3Precision, s.B3Recall, s.B3F1, s.PairwisePrecision, s.PairwiseRecall, s.PairwiseF1, s.ARI, s.NMI, s.Homogeneity, s.Completeness = 1, 1, 1, 1, 1, 1, 1, 1, 1, 1
		return s, nil
	}
	s.B3Precision, s.B3Recall, s.B3F1 = t.bcubed()
	s.PairwisePrecision, s.PairwiseRecall, s.PairwiseF1 = t.pairwise()
	s.ARI = t.ari()
	s.Homogeneity, s.Completeness, s.NMI = t.vmeasure()
	return s, nil
}

// table is the contingency table between predicted clusters (noise
// articles each in a cluster of their own) and gold classes.
type table struct {
	n        int
	cells    map[[2]int]int // (cluster, class) → articles
	predSize map[int]int
	goldSize map[int]int
	found    int // non-noise clusters
	noise    int
}

func newTable[G comparable](labels []int, gold []G) table {
	t := table{n: len(labels), cells: map[[2]int]int{}, predSize: map[int]int{}, goldSize: map[int]int{}}
	class := map[G]int{}
	// Noise articles get cluster ids above every real label, one each.
	next := 0
	for _, l := range labels {
		next = max(next, l+1)
	}
	for i, l := range labels {
		c, ok := class[gold[i]]
		if !ok {
			c = len(class)
			class[gold[i]] = c
		}
		if l < 0 {
			t.noise++
			l = next
			next++
		} else if t.predSize[l] == 0 {
			t.found++
		}
		t.cells[[2]int{l, c}]++
		t.predSize[l]++
		t.goldSize[c]++
	}
	return t
}

func f1(p, r float64) float64 {
	if p+r == 0 {
		return 0
	}
	return 2 * p * r / (p + r)
}

// bcubed: each article's precision is the share of its cluster that shares
// its class, its recall the share of its class in its cluster; both are
// averaged over articles. Summed per cell: n_kc articles, each with
// precision n_kc/|k| and recall n_kc/|c|.
func (t table) bcubed() (p, r, f float64) {
	for kc, m := range t.cells {
		x := float64(m) * float64(m)
		p += x / float64(t.predSize[kc[0]])
		r += x / float64(t.goldSize[kc[1]])
	}
	p /= float64(t.n)
	r /= float64(t.n)
	return p, r, f1(p, r)
}

func pairs(m int) float64 { return float64(m) * float64(m-1) / 2 }

func (t table) sums() (cells, pred, gold float64) {
	for _, m := range t.cells {
		cells += pairs(m)
	}
	for _, m := range t.predSize {
		pred += pairs(m)
	}
	for _, m := range t.goldSize {
		gold += pairs(m)
	}
	return cells, pred, gold
}

// pairwise: precision is the share of predicted same-cluster pairs that
// share a class, recall the share of same-class pairs predicted together.
func (t table) pairwise() (p, r, f float64) {
	tp, pred, gold := t.sums()
	p, r = 1, 1
	if pred > 0 {
		p = tp / pred
	}
	if gold > 0 {
		r = tp / gold
	}
	return p, r, f1(p, r)
}

// ari is Hubert and Arabie's adjusted Rand index.
func (t table) ari() float64 {
	cells, pred, gold := t.sums()
	total := pairs(t.n)
	if total == 0 {
		return 1
	}
	expected := pred * gold / total
	maxIndex := (pred + gold) / 2
	if maxIndex == expected {
		return 1 // both partitions trivial (one cluster, or all singletons)
	}
	return (cells - expected) / (maxIndex - expected)
}

// vmeasure returns homogeneity h = 1 − H(C|K)/H(C), completeness
// c = 1 − H(K|C)/H(K) and their harmonic mean, which equals
// MI / ((H(C)+H(K))/2), NMI with the arithmetic normalisation.
func (t table) vmeasure() (h, c, v float64) {
	n := float64(t.n)
	entropy := func(sizes map[int]int) float64 {
		var e float64
		for _, m := range sizes {
			p := float64(m) / n
			e -= p * math.Log(p)
		}
		return e
	}
	hk, hc := entropy(t.predSize), entropy(t.goldSize)
	var mi float64
	for kc, m := range t.cells {
		x := float64(m)
		mi += x / n * math.Log(x*n/(float64(t.predSize[kc[0]])*float64(t.goldSize[kc[1]])))
	}
	mi = max(mi, 0)
	h, c = 1, 1
	if hc > 0 {
		h = min(mi/hc, 1)
	}
	if hk > 0 {
		c = min(mi/hk, 1)
	}
	if h+c == 0 {
		return h, c, 0
	}
	return h, c, 2 * h * c / (h + c)
}
