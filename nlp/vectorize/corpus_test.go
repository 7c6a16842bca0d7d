package vectorize

import (
	"fmt"
	"math/rand/v2"
	"strings"
)

// syntheticCorpus returns n documents about `topics` topics, with the topic
// of each. Every document mixes words of its topic (Zipf-like, so a few
// words dominate each topic) with general words shared by all topics, the
// way a batch of articles about several stories looks. Deterministic.
func syntheticCorpus(n, topics, words int, seed uint64) ([]string, []int) {
	rng := rand.New(rand.NewPCG(seed, 7))
	syll := []string{"ka", "lo", "mi", "ne", "ru", "ta", "vo", "zi", "pe", "sa", "do", "gu", "ha", "bri", "tor", "ven"}
	word := func() string {
		var b strings.Builder
		for range 2 + rng.IntN(3) {
			b.WriteString(syll[rng.IntN(len(syll))])
		}
		return b.String()
	}
	general := make([]string, 3000)
	for i := range general {
		general[i] = word()
	}
	vocab := make([][]string, topics)
	for t := range vocab {
		vocab[t] = make([]string, 400)
		for i := range vocab[t] {
			vocab[t][i] = fmt.Sprintf("%s%d", word(), t)
		}
	}
	zipf := func(size int) int {
		// Rank r drawn with probability ~ 1/r.
		return min(size-1, int(float64(size)*rng.Float64()*rng.Float64()*rng.Float64()))
	}
	docs := make([]string, n)
	labels := make([]int, n)
	for d := range docs {
		t := d % topics
		labels[d] = t
		var b strings.Builder
		for w := range words {
			if w > 0 {
				b.WriteByte(' ')
			}
			if rng.Float64() < 0.35 {
				b.WriteString(vocab[t][zipf(len(vocab[t]))])
			} else {
				b.WriteString(general[zipf(len(general))])
			}
			if w%15 == 14 {
				b.WriteByte('.')
			}
		}
		docs[d] = b.String()
	}
	return docs, labels
}
