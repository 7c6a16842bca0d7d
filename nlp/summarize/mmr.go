package summarize

import "container/heap"

// selector runs maximal marginal relevance: it repeatedly takes the
// candidate maximising λ·rel(i) − (1−λ)·max_{j taken} cos(i, j).
//
// Two things keep it near-linear on long texts. Similarities are
// accumulated through an inverted index, so taking a sentence costs the
// postings of its features rather than a pass over every candidate. And
// because a candidate's MMR score can only fall as more is taken, the heap
// holds upper bounds that are refreshed lazily: the top entry is exact when
// it was scored after the latest selection, and then nothing else can beat
// it. Ties go to the earlier candidate, so selection is deterministic.
type selector struct {
	vecs     []sparse
	rel      []float64
	lambda   float64
	postings [][]posting // by feature id
	maxSim   []float64   // highest cosine with anything taken so far
	acc      []float64
	touched  []int32
}

type posting struct {
	doc int32
	w   float32
}

func newSelector(vecs []sparse, rel []float64, nFeatures int, lambda float64) *selector {
	s := &selector{
		vecs:     vecs,
		rel:      rel,
		lambda:   lambda,
		postings: make([][]posting, nFeatures),
		maxSim:   make([]float64, len(vecs)),
		acc:      make([]float64, len(vecs)),
	}
	for i, v := range vecs {
		for k, f := range v.ids {
			s.postings[f] = append(s.postings[f], posting{int32(i), v.w[k]})
		}
	}
	return s
}

func (s *selector) score(i int) float64 {
	return s.lambda*s.rel[i] - (1-s.lambda)*s.maxSim[i]
}

// run takes up to k candidates in MMR order. accept is asked about each
// candidate when it is the best one left; a refused candidate is dropped for
// good, which is right for budgets (they only shrink) and duplicate checks
// (similarity to what is taken only grows).
func (s *selector) run(k int, accept func(i int) bool) []int {
	h := make(mmrHeap, len(s.vecs))
	for i := range s.vecs {
		h[i] = mmrEntry{score: s.score(i), idx: int32(i)}
	}
	heap.Init(&h)
	var taken []int
	stamp := int32(0)
	for len(taken) < k && h.Len() > 0 {
		top := h[0]
		if top.stamp != stamp {
			h[0].score = s.score(int(top.idx))
			h[0].stamp = stamp
			heap.Fix(&h, 0)
			continue
		}
		heap.Pop(&h)
		i := int(top.idx)
		if accept != nil && !accept(i) {
			continue
		}
		taken = append(taken, i)
		stamp++
		s.observe(i)
	}
	return taken
}

// observe raises maxSim of every candidate sharing a feature with i.
func (s *selector) observe(i int) {
	v := s.vecs[i]
	for k, f := range v.ids {
		wi := float64(v.w[k])
		for _, p := range s.postings[f] {
			if s.acc[p.doc] == 0 {
				s.touched = append(s.touched, p.doc)
			}
			s.acc[p.doc] += wi * float64(p.w)
		}
	}
	for _, d := range s.touched {
		s.maxSim[d] = max(s.maxSim[d], s.acc[d])
		s.acc[d] = 0
	}
	s.touched = s.touched[:0]
}

type mmrEntry struct {
	score float64
	idx   int32
	stamp int32 // number of selections when score was computed
}

type mmrHeap []mmrEntry

func (h mmrHeap) Len() int { return len(h) }
func (h mmrHeap) Less(a, b int) bool {
	if h[a].score != h[b].score {
		return h[a].score > h[b].score
	}
	return h[a].idx < h[b].idx
}
func (h mmrHeap) Swap(a, b int) { h[a], h[b] = h[b], h[a] }
func (h *mmrHeap) Push(x any)   { *h = append(*h, x.(mmrEntry)) }
func (h *mmrHeap) Pop() any {
	old := *h
	e := old[len(old)-1]
	*h = old[:len(old)-1]
	return e
}
