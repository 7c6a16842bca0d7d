package seq2seq

import (
	"context"
	"errors"
	"fmt"
	"time"
)

// Request is one source sequence to generate from.
type Request struct {
	// IDs are the source token ids, as the tokenizer writes them (special
	// tokens included). Required; every id must be in the vocabulary and
	// the sequence must fit the encoder's positions.
	IDs []int64
	// Config overrides the model's generation defaults when non-nil.
	Config *GenerationConfig
	// Done, when non-nil, ends this request between two decoding steps
	// once it is closed (its caller gave up): the row leaves the batch and
	// the request fails with context.Canceled. The batch function sees only
	// requests, never their callers' contexts, so the request carries the
	// signal.
	Done <-chan struct{}
	// Deadline, when set, ends this request between steps once passed,
	// with context.DeadlineExceeded.
	Deadline time.Time
}

// Result is one generated sequence.
type Result struct {
	// IDs are the generated token ids after the decoder start token, the
	// EOS token included when one was generated (transformers' sequences
	// row without its first id and without padding).
	IDs []int64
	// Score is beam search's sequence score (sum of log-probabilities over
	// generated**length_penalty); 0 for greedy search.
	Score float64
}

// stepper runs the decoder for the live rows of one batch. The engine calls
// it from one goroutine.
type stepper interface {
	// step feeds each row's sequence (the whole of it when recomputing,
	// the last token when the cache holds the rest) and returns
	// next-token logits, rows × vocab.
	step(ctx context.Context, seqs [][]int64) ([]float32, error)
	// keep makes row i of the new state old row idx[i] (rows may repeat:
	// beams that fork).
	keep(idx []int) error
	// reorder is keep for an idx that maps every row to a row of the same
	// source (beams of one sentence trading places): only the
	// self-attention cache moves, since the encoder states and the
	// cross-attention cache are the same for all of a source's rows.
	reorder(idx []int) error
	close()
}

// backend encodes sources and opens a stepper over them.
type backend interface {
	start(ctx context.Context, srcs [][]int64, recompute bool) (stepper, error)
	vocab() int
}

// stats receives counts from a generation; Model implements it.
type stats interface {
	observeStep(rows int, d time.Duration)
	observeTokens(n int)
}

// rowErr reports why a request leaves early, or nil.
func rowErr(r *Request, now time.Time) error {
	if r.Done != nil {
		select {
		case <-r.Done:
			return context.Canceled
		default:
		}
	}
	if !r.Deadline.IsZero() && !now.Before(r.Deadline) {
		return context.DeadlineExceeded
	}
	return nil
}

// greedy decodes srcs with one config in lockstep: each step runs every
// live row once; rows that end (EOS, max length, cancelled) leave the
// batch, and the cache is gathered down to the rest.
func greedy(ctx context.Context, be backend, st stats, g GenerationConfig, reqs []*Request, recompute bool, hook func(int)) ([]Result, []error, error) {
	n := len(reqs)
	res, errs := make([]Result, n), make([]error, n)
	srcs := make([][]int64, n)
	for i, r := range reqs {
		srcs[i] = r.IDs
	}
	dec, err := be.start(ctx, srcs, recompute)
	if err != nil {
		return nil, nil, err
	}
	defer dec.close()
	maxLen := g.maxLength()
	live := make([]int, n) // request index of each row
	seqs := make([][]int64, n)
	for i := range live {
		live[i] = i
		seqs[i] = []int64{g.DecoderStartTokenID}
	}
	V := be.vocab()
	for steps := 0; len(live) > 0; steps++ {
		if hook != nil && steps > 0 {
			hook(steps)
		}
		if err := ctx.Err(); err != nil {
			return nil, nil, err
		}
		now := time.Now()
		var keep []int
		for row, i := range live {
			if e := rowErr(reqs[i], now); e != nil {
				errs[i] = e
				continue
			}
			keep = append(keep, row)
		}
		if len(keep) < len(live) {
			if err := regroup(dec, keep, &live, &seqs); err != nil {
				return nil, nil, err
			}
			if len(live) == 0 {
				break
			}
		}
		t0 := time.Now()
		logits, err := dec.step(ctx, seqs)
		if err != nil {
			return nil, nil, err
		}
		st.observeStep(len(live), time.Since(t0))
		st.observeTokens(len(live))
		keep = keep[:0]
		for row, i := range live {
			scores := logits[row*V : (row+1)*V]
			g.process(scores, seqs[row], maxLen)
			tok := int64(argmax(scores))
			seqs[row] = append(seqs[row], tok)
			if tok == g.EOSTokenID || len(seqs[row]) >= maxLen {
				res[i].IDs = seqs[row][1:]
				continue
			}
			keep = append(keep, row)
		}
		if len(keep) < len(live) {
			if err := regroup(dec, keep, &live, &seqs); err != nil {
				return nil, nil, err
			}
		}
	}
	return res, errs, nil
}

// regroup keeps rows keep (indices into live) of the batch.
func regroup(dec stepper, keep []int, live *[]int, seqs *[][]int64) error {
	nl, ns := make([]int, len(keep)), make([][]int64, len(keep))
	for j, row := range keep {
		nl[j], ns[j] = (*live)[row], (*seqs)[row]
	}
	*live, *seqs = nl, ns
	if len(keep) == 0 {
		return nil
	}
	return dec.keep(keep)
}

// generate runs reqs, which share config g, with greedy or beam search.
func generate(ctx context.Context, be backend, st stats, g GenerationConfig, reqs []*Request, recompute bool, hook func(int)) ([]Result, []error, error) {
	g.BadWordsIDs = badWords(g.BadWordsIDs, g.EOSTokenID)
	if g.RepetitionPenalty == 0 {
		g.RepetitionPenalty = 1
	}
	if g.NumBeams > 1 {
		return beamSearch(ctx, be, st, g, reqs, recompute, hook)
	}
	return greedy(ctx, be, st, g, reqs, recompute, hook)
}

// errNoRows is an internal invariant failure: a stepper asked to keep no
// rows.
var errNoRows = errors.New("seq2seq: keep with no rows")

func checkIdx(idx []int, rows int) error {
	if len(idx) == 0 {
		return errNoRows
	}
	for _, i := range idx {
		if i < 0 || i >= rows {
			return fmt.Errorf("seq2seq: keep row %d of %d", i, rows)
		}
	}
	return nil
}
