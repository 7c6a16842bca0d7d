package seq2seq

import (
	"context"
	"math"
	"runtime"
	"slices"
	"sync"
	"time"
)

// Beam search follows Hugging Face transformers' vectorised _beam_search
// (generation/utils.py, transformers ≥ 4.56, which replaced
// BeamSearchScorer/BeamHypotheses with the same rules), one source row at a
// time (rows never interact, so a row's result does not depend on its batch):
//
//   - Each step, every running beam's scores are log_softmax(logits), then
//     the logits processors (process), plus the beam's running sum. At the
//     first step only beam 0 runs; the others hold -1e9.
//   - The 2·num_beams best (beam, token) pairs over all beams are the
//     candidates, ordered by sum (ties: lower flat index first, as topk).
//   - A candidate "finishes" when its token is EOS or the sequence reaches
//     max_length. Among the first num_beams candidates, each finished one
//     is offered to the row's finished set with score
//
//     score = sum / generated^length_penalty
//
//     where generated counts the new token (cur_len + 1 − 1, the decoder
//     start token being the prompt). The set keeps the num_beams best.
//     Nothing is offered once the row is settled (below).
//   - The num_beams best candidates that did not finish run on.
//   - The row is settled when early_stopping is true and num_beams
//     hypotheses are finished, or when the heuristic says no running beam
//     can beat the worst finished one: all num_beams finished and
//     best running sum / L^length_penalty ≤ worst finished score, with L the
//     generated length so far (cur_len − 1), or max_length − 1 when
//     early_stopping is "never" and length_penalty > 0.
//   - The result is the best finished hypothesis.
//
// A settled row leaves the batch at once (its result can no longer change;
// transformers keeps decoding it until every row is settled). Impossible
// candidates (score −inf, as after a forced token) are never offered. The
// processors see float32 log-probabilities, as in transformers; the
// running sums are float64.
//
// Older transformers (BeamHypotheses.add, ≤ 4.35) divided by the sequence
// length with the start token instead; for sequences that end in EOS the
// two agree, for those cut at max_length the new rule's length is one less.

type hyp struct {
	score float64
	ids   []int64
}

type beamRow struct {
	req    int
	seqs   [][]int64 // running beams, decoder start included
	sums   []float64
	fin    []hyp // best first, at most num_beams
	open   bool  // the early-stop heuristic still allows improvement
	done   bool
	failed bool
}

type cand struct {
	sum  float64
	beam int
	tok  int64
	flat int
}

// better orders candidates as torch.topk does: larger sum first, then the
// lower flat index.
func better(a, b cand) bool {
	if a.sum != b.sum {
		return a.sum > b.sum
	}
	return a.flat < b.flat
}

// topCands returns the k best (beam, token) pairs of total (beams × V).
func topCands(total []float64, V, k int) []cand {
	out := make([]cand, 0, k+1)
	for i, s := range total {
		if len(out) == k && !better(cand{sum: s, flat: i}, out[k-1]) {
			continue
		}
		c := cand{sum: s, beam: i / V, tok: int64(i % V), flat: i}
		at, _ := slices.BinarySearchFunc(out, c, func(x, y cand) int {
			if better(x, y) {
				return -1
			}
			return 1
		})
		out = slices.Insert(out, at, c)
		if len(out) > k {
			out = out[:k]
		}
	}
	return out
}

func beamSearch(ctx context.Context, be backend, st stats, g GenerationConfig, reqs []*Request, recompute bool, hook func(int)) ([]Result, []error, error) {
	nb, n := g.NumBeams, len(reqs)
	res, errs := make([]Result, n), make([]error, n)
	// Every source row is repeated num_beams times before the encoder, so
	// each beam row carries its own cross-attention cache.
	srcs := make([][]int64, 0, n*nb)
	rows := make([]*beamRow, n)
	for i, r := range reqs {
		br := &beamRow{req: i, open: true, seqs: make([][]int64, nb), sums: make([]float64, nb)}
		for b := range nb {
			srcs = append(srcs, r.IDs)
			br.seqs[b] = []int64{g.DecoderStartTokenID}
			if b > 0 {
				br.sums[b] = -1e9
			}
		}
		rows[i] = br
	}
	dec, err := be.start(ctx, srcs, recompute)
	if err != nil {
		return nil, nil, err
	}
	defer dec.close()
	live := rows
	maxLen, V := g.maxLength(), be.vocab()
	for steps := 0; len(live) > 0; steps++ {
		if hook != nil && steps > 0 {
			hook(steps)
		}
		if err := ctx.Err(); err != nil {
			return nil, nil, err
		}
		now := time.Now()
		for _, br := range live {
			if e := rowErr(reqs[br.req], now); e != nil {
				errs[br.req], br.failed = e, true
			}
		}
		if live, err = regroupBeams(dec, live, nb, nil); err != nil {
			return nil, nil, err
		}
		if len(live) == 0 {
			break
		}
		var seqs [][]int64
		for _, br := range live {
			seqs = append(seqs, br.seqs...)
		}
		t0 := time.Now()
		logits, err := dec.step(ctx, seqs)
		if err != nil {
			return nil, nil, err
		}
		st.observeStep(len(seqs), time.Since(t0))
		st.observeTokens(len(live))
		origin := scoreStep(g, live, logits, V, maxLen)
		if live, err = regroupBeams(dec, live, nb, origin); err != nil {
			return nil, nil, err
		}
	}
	for i, br := range rows {
		if errs[i] != nil {
			continue
		}
		best := hyp{ids: br.seqs[0], score: br.sums[0]}
		if len(br.fin) > 0 {
			best = br.fin[0]
		}
		res[i] = Result{IDs: best.ids[1:], Score: best.score}
	}
	return res, errs, nil
}

// scoreStep turns one step's logits into each live row's next beams and
// returns, per row, the beam each new one continues. Rows are independent,
// so they are scored on up to GOMAXPROCS goroutines (ONNX Runtime is idle
// meanwhile): over a 58k vocabulary, scoring 128 beams is a large part of
// a step on the CPU.
func scoreStep(g GenerationConfig, live []*beamRow, logits []float32, V, maxLen int) [][]int {
	nb := g.NumBeams
	origin := make([][]int, len(live))
	workers := min(runtime.GOMAXPROCS(0), len(live))
	var wg sync.WaitGroup
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			lp, total := make([]float32, V), make([]float64, nb*V)
			for a := w; a < len(live); a += workers {
				br := live[a]
				for b := range nb {
					row := a*nb + b
					logSoftmax(lp, logits[row*V:(row+1)*V])
					g.process(lp, br.seqs[b], maxLen)
					for t, v := range lp {
						total[b*V+t] = float64(v) + br.sums[b]
					}
				}
				origin[a] = br.advance(g, topCands(total, V, 2*nb), maxLen)
			}
		}()
	}
	wg.Wait()
	return origin
}

// advance applies one step's candidates to the row (see the formula above)
// and returns, for each new running beam, the beam it continues.
func (br *beamRow) advance(g GenerationConfig, cands []cand, maxLen int) []int {
	nb := g.NumBeams
	cur := len(br.seqs[0])
	full := len(br.fin) == nb && g.EarlyStopping == EarlyStopOn
	allHit := true
	hits := make([]bool, len(cands))
	for i, c := range cands {
		hits[i] = c.tok == g.EOSTokenID || cur+1 >= maxLen
		allHit = allHit && hits[i]
	}
	if br.open && !full {
		for rank, c := range cands {
			if hits[rank] && rank < nb && !math.IsInf(c.sum, -1) {
				ids := append(slices.Clip(br.seqs[c.beam]), c.tok)
				br.fin = append(br.fin, hyp{score: c.sum / math.Pow(float64(cur), g.LengthPenalty), ids: ids})
			}
		}
		slices.SortStableFunc(br.fin, func(a, b hyp) int {
			switch {
			case a.score > b.score:
				return -1
			case a.score < b.score:
				return 1
			}
			return 0
		})
		if len(br.fin) > nb {
			br.fin = br.fin[:nb]
		}
	}
	seqs, sums, from := make([][]int64, 0, nb), make([]float64, 0, nb), make([]int, 0, nb)
	for i, c := range cands {
		if hits[i] || len(seqs) == nb {
			continue
		}
		seqs = append(seqs, append(slices.Clip(br.seqs[c.beam]), c.tok))
		sums = append(sums, c.sum)
		from = append(from, c.beam)
	}
	for len(seqs) < nb { // every candidate finished: placeholders that never win
		seqs = append(seqs, append(slices.Clip(br.seqs[0]), g.PadTokenID))
		sums = append(sums, -1e9)
		from = append(from, 0)
	}
	br.seqs, br.sums = seqs, sums
	cur++
	if len(br.fin) == nb {
		L := float64(cur - 1)
		if g.EarlyStopping == EarlyStopNever && g.LengthPenalty > 0 {
			L = float64(maxLen - 1)
		}
		if !(br.sums[0]/math.Pow(L, g.LengthPenalty) > br.fin[nb-1].score) {
			br.open = false
		}
	}
	br.done = !br.open || (len(br.fin) == nb && g.EarlyStopping == EarlyStopOn) || allHit || cur >= maxLen
	return from
}

// regroupBeams drops failed and done rows and reorders the cache so that
// each live row's beams follow origin (indexed like live; nil: keep them
// as they are).
func regroupBeams(dec stepper, live []*beamRow, nb int, origin [][]int) ([]*beamRow, error) {
	var idx []int
	var next []*beamRow
	identity, sameRows := true, true
	for a, br := range live {
		if br.failed || br.done {
			identity, sameRows = false, false
			continue
		}
		for b := range nb {
			src := b
			if origin != nil {
				src = origin[a][b]
			}
			if src != b || a != len(next) {
				identity = false
			}
			idx = append(idx, a*nb+src)
		}
		next = append(next, br)
	}
	switch {
	case identity || len(next) == 0:
		return next, nil
	case sameRows:
		return next, dec.reorder(idx)
	}
	return next, dec.keep(idx)
}
