package summarize

import (
	"math"
	"strings"

	"github.com/masx-ai/masx/nlp/sentences"
)

// DefaultClusterSentences is the length of a cluster summary when the
// caller asks for n ≤ 0.
const DefaultClusterSentences = 5

// Weights of a candidate's relevance in a cluster summary: closeness to what
// the cluster as a whole says, and how highly its own article ranked it.
const (
	wCentrality = 0.6
	wDocRank    = 0.4
)

// ClusterSummary summarizes the articles of one cluster in n sentences
// (n ≤ 0 means [DefaultClusterSentences]). Each article contributes its own
// extractive summary of up to n sentences; the pooled sentences are scored
// by cosine similarity to the pool's TF-IDF centroid and by their rank in
// their article, and MMR (λ = 0.7) picks n of them, refusing
// near-duplicates (cosine ≥ 0.8 or content-word Jaccard ≥ 0.7 with a kept
// sentence), so syndicated copies of one wire story yield one sentence.
// Sentences come most central first. Empty articles are skipped; no
// content gives "". The result depends only on docs and n.
func ClusterSummary(docs []string, n int) string {
	s, _ := ClusterSummaryWith(docs, n, Options{})
	return s
}

// ClusterSummaryWith is [ClusterSummary] with options; it fails only on
// invalid options.
func ClusterSummaryWith(docs []string, n int, opts Options) (string, error) {
	o, err := opts.withDefaults()
	if err != nil {
		return "", err
	}
	if n <= 0 {
		n = DefaultClusterSentences
	}
	var texts []string
	var docRank []float64
	seen := map[string]int{}
	addCand := func(text string, rank float64) {
		key := strings.ToLower(text)
		if i, ok := seen[key]; ok {
			docRank[i] = max(docRank[i], rank)
			return
		}
		seen[key] = len(texts)
		texts = append(texts, text)
		docRank = append(docRank, rank)
	}
	for _, doc := range docs {
		sents := sentences.Split(doc)
		switch len(sents) {
		case 0:
		case 1:
			addCand(sents[0], 1)
		default:
			c := newCorpus(sents)
			c.score(o.TopEntities, o.EntityBonus)
			for _, i := range c.selectMMR(n, o, Budget{}) {
				addCand(c.sents[i].text, c.sents[i].rel)
			}
		}
	}
	if len(texts) == 0 {
		return "", nil
	}
	pool := newCorpus(texts)
	centroid := make([]float64, len(pool.vocab))
	for _, s := range pool.sents {
		for k, f := range s.vec.ids {
			centroid[f] += float64(s.vec.w[k])
		}
	}
	var norm float64
	for _, v := range centroid {
		norm += v * v
	}
	norm = math.Sqrt(norm)
	cent := make([]float64, len(pool.sents))
	maxCent := 0.0
	for i, s := range pool.sents {
		if norm == 0 {
			break
		}
		for k, f := range s.vec.ids {
			cent[i] += float64(s.vec.w[k]) * centroid[f] / norm
		}
		maxCent = max(maxCent, cent[i])
	}
	for i, s := range pool.sents {
		s.rel = wDocRank * docRank[i]
		if maxCent > 0 {
			s.rel += wCentrality * cent[i] / maxCent
		}
	}
	taken := pool.selectMMR(n, o, Budget{})
	parts := make([]string, len(taken))
	for i, idx := range taken {
		parts[i] = pool.sents[idx].text
	}
	return join(parts), nil
}
