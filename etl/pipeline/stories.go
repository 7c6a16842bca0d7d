package pipeline

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/masx-ai/masx/concurrency/executor"
	"github.com/masx-ai/masx/news"
	"github.com/masx-ai/masx/nlp/cluster"
	"github.com/masx-ai/masx/nlp/vectorize"
)

// Which text an article's vector was made from (VectorText).
const (
	// TextOriginal: the article's own text (English, or the compressed
	// text of an article that was not translated).
	TextOriginal = "original"
	// TextTranslated: the English translation of the article.
	TextTranslated = "translated"
)

// VectorText is the one place that picks the text an article's vector is
// made from, and says which it picked: the title, then the body, where
// the body is the English translation when the article was translated
// (ProcessedText holds it then) and the article's own processed text
// otherwise. The title is part of it because on GoogleNews-TS the title
// alone added 0.05 NMI (0.896 without, 0.945 with; docs/clustering.md):
// it names the event in the fewest words.
func VectorText(a *news.Article) (text, source string) {
	body, source := a.ProcessedText, TextOriginal
	if a.Translated {
		source = TextTranslated
	}
	title := strings.TrimSpace(a.Title)
	if title == "" {
		return body, source
	}
	if body == "" {
		return title, source
	}
	return title + "\n\n" + body, source
}

// StoriesInput is one article as the clustering step sees it.
type StoriesInput struct {
	// Text is what the vector is made from (VectorText).
	Text string
	// Embedding is the article's vector when a per-text model made it
	// while the article streamed; nil otherwise.
	Embedding []float32
}

// StoriesResult is a flashpoint's clustering.
type StoriesResult struct {
	Vectors [][]float32
	// Result labels each article with its story, or cluster.Noise when it
	// fits none. A story of one article is no story: it is Noise too.
	cluster.Result
	// Vectorized is how long the vectorizer ran (0 when every article
	// came embedded).
	Vectorized time.Duration
}

// Stories vectorizes and clusters one flashpoint's articles: the step the
// pipeline runs at its barrier, and the one `masx eval cluster` scores, so
// a score measures exactly what the pipeline does. A corpus vectorizer
// (TF-IDF/LSA) and the clustering run on the CPU pool (one slot, one
// core); a per-text model is called holding no slot and reused when every
// article came embedded (mixed input is re-embedded so all vectors share
// one space).
func Stories(ctx context.Context, ex *executor.Executors, v vectorize.Vectorizer, policy cluster.PolicyConfig, in []StoriesInput) (StoriesResult, error) {
	var out StoriesResult
	vecs := make([][]float32, len(in))
	all := true
	for i, a := range in {
		vecs[i] = a.Embedding
		all = all && a.Embedding != nil
	}
	if !all && len(in) > 0 {
		texts := make([]string, len(in))
		for i, a := range in {
			texts[i] = a.Text
		}
		t0 := time.Now()
		var err error
		if pt, ok := v.(PerTextVectorizer); ok && pt.PerText() {
			vecs, err = v.Vectorize(ctx, texts)
		} else {
			vecs, err = executor.Run(ctx, ex.CPU, func(ctx context.Context) ([][]float32, error) {
				return v.Vectorize(ctx, texts)
			})
		}
		if err != nil {
			return out, fmt.Errorf("vectorizing %d articles: %w", len(in), err)
		}
		if len(vecs) != len(texts) {
			return out, fmt.Errorf("%s returned %d vectors for %d texts", v.Name(), len(vecs), len(texts))
		}
		out.Vectorized = time.Since(t0)
	}
	out.Vectors = vecs
	policy.Workers = 1 // one CPU-pool slot, one core
	res, err := executor.Run(ctx, ex.CPU, func(ctx context.Context) (cluster.Result, error) {
		return cluster.Cluster(ctx, vecs, policy)
	})
	if err != nil {
		return out, fmt.Errorf("clustering %d articles: %w", len(in), err)
	}
	out.Result = singletonsAreNoise(res)
	return out, nil
}

// singletonsAreNoise labels the members of one-article clusters Noise and
// renumbers the rest in order of first appearance: cluster summaries need
// two articles, and an article alone is unclustered, which the results
// list as such.
func singletonsAreNoise(r cluster.Result) cluster.Result {
	size := map[int]int{}
	for _, l := range r.Labels {
		size[l]++
	}
	remap := map[int]int{}
	labels := make([]int, len(r.Labels))
	for i, l := range r.Labels {
		if l == cluster.Noise || size[l] < 2 {
			labels[i] = cluster.Noise
			continue
		}
		if _, ok := remap[l]; !ok {
			remap[l] = len(remap)
		}
		labels[i] = remap[l]
	}
	return cluster.Result{Algorithm: r.Algorithm, Labels: labels, NClusters: len(remap)}
}
