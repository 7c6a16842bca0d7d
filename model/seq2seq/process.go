package seq2seq

import (
	"math"
	"slices"
)

var negInf = float32(math.Inf(-1))

// process applies Hugging Face transformers' logits processors to one row's
// scores (the vocabulary's logits for greedy search, its log-probabilities
// for beam search), in transformers' order (_get_logits_processor):
// repetition penalty, no-repeat n-gram, bad words, min length, min new
// tokens, forced BOS, forced EOS. seq is the row's decoder sequence so far,
// decoder start token included; maxLen is the effective max_length.
func (g *GenerationConfig) process(scores []float32, seq []int64, maxLen int) {
	cur := len(seq)
	if g.RepetitionPenalty != 1 {
		// Each distinct token once: a negative score grows more negative,
		// a positive one shrinks.
		seen := make(map[int64]bool, cur)
		for _, t := range seq {
			if seen[t] {
				continue
			}
			seen[t] = true
			if v := scores[t]; v < 0 {
				scores[t] = v * float32(g.RepetitionPenalty)
			} else {
				scores[t] = v / float32(g.RepetitionPenalty)
			}
		}
	}
	if n := g.NoRepeatNgramSize; n > 0 && cur+1 >= n {
		// Ban every token that would complete an n-gram already in seq.
		prefix := seq[cur-n+1:]
		for i := 0; i+n <= cur; i++ {
			if slices.Equal(seq[i:i+n-1], prefix) {
				scores[seq[i+n-1]] = negInf
			}
		}
	}
	for _, bad := range g.BadWordsIDs {
		k := len(bad) - 1
		if k == 0 || (k <= cur && slices.Equal(seq[cur-k:], bad[:k])) {
			scores[bad[k]] = negInf
		}
	}
	if cur < g.MinLength || cur-1 < g.MinNewTokens {
		scores[g.EOSTokenID] = negInf
	}
	if g.ForcedBOSTokenID >= 0 && cur == 1 {
		force(scores, g.ForcedBOSTokenID)
	}
	if g.ForcedEOSTokenID >= 0 && cur == maxLen-1 {
		force(scores, g.ForcedEOSTokenID)
	}
}

// force leaves one token possible, with score 0 (as transformers' forced
// BOS/EOS processors do: in beam search the forced step adds nothing to a
// beam's sum).
func force(scores []float32, id int64) {
	for i := range scores {
		scores[i] = negInf
	}
	scores[id] = 0
}

// badWords drops bad-word sequences that are the EOS token alone, as
// transformers' NoBadWordsLogitsProcessor does (banning EOS that way would
// make generation endless).
func badWords(words [][]int64, eos int64) [][]int64 {
	return slices.DeleteFunc(slices.Clone(words), func(w []int64) bool { return len(w) == 1 && w[0] == eos })
}

// argmax is the first index of the largest score (torch.argmax's choice).
func argmax(s []float32) int {
	best := 0
	for i, v := range s {
		if v > s[best] {
			best = i
		}
	}
	return best
}

// logSoftmax writes log(softmax(x)) into dst; the normaliser is summed in
// float64.
func logSoftmax(dst, x []float32) {
	m := float32(math.Inf(-1))
	for _, v := range x {
		if v > m {
			m = v
		}
	}
	sum := 0.0
	for _, v := range x {
		sum += math.Exp(float64(v - m))
	}
	lse := float64(m) + math.Log(sum)
	for i, v := range x {
		dst[i] = float32(float64(v) - lse)
	}
}
