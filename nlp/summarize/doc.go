// Package summarize picks sentences: it compresses articles before
// translation, writes extractive summaries of articles, and writes the
// summary of each cluster of articles. It needs no model, so it is the
// default summarizer and the fallback when a model summarizer fails, and its
// output is deterministic: the same input always gives the same sentences.
//
// # Scoring
//
// Text is split with nlp/sentences and tokenised with nlp/tokens. Each
// sentence gets a relevance score from:
//
//   - TF-IDF salience (weight 0.45): unigrams and bigrams of content words,
//     IDF fitted on the document's own sentences; a sentence scores the sum,
//     over its features, of the feature's document frequency (sublinear)
//     times its IDF, divided by √(number of features), so topic words count
//     more than one-off words and long sentences do not win by length alone.
//   - Length (0.15): full marks for 12–35 words, less for fragments and
//     run-ons.
//   - Numbers (0.10): any digit.
//   - Position (0.20): falling linearly from the first sentence to the last.
//   - A bonus of 0.25 for a sentence that holds a date, or one of the 15 most
//     salient entities. Without a tagger, entities are capitalised phrases
//     ("Bank of England", "NATO"; a capitalised first word counts only if it
//     also appears mid-sentence) and recurring numbers, ranked by how many
//     sentences mention them. Dates are found by pattern: numeric forms, day
//     and month names in seven languages, CJK and Korean forms, English
//     weekdays and the years 1900–2099.
//
// The original system used the same ingredients and the 0.25 bonus; the
// weights are ours. Scores are scaled so the best sentence has 1.
//
// # Selection
//
// Sentences are taken by maximal marginal relevance, λ = 0.7: each step
// takes the sentence with the highest 0.7·relevance − 0.3·(cosine similarity
// to the most similar sentence already taken), on the sentences' TF-IDF
// vectors. A sentence is skipped as a near-duplicate when its cosine with a
// kept sentence reaches 0.8 or the Jaccard overlap of their content words
// reaches 0.7 (repeated captions, syndicated copies), so texts full of
// repetition may keep fewer sentences than asked for.
//
// [Compress] keeps a share of the sentences that falls from 40 % for texts
// of up to 1,500 characters to 20 % from 15,000 characters on, linearly in
// log(length), and never more than its [Budget] allows (characters, or
// tokens with a counter). Kept sentences come back in their original order.
// [Summarize] keeps n sentences the same way. [ClusterSummary] pools the
// summaries of a cluster's articles and takes n sentences by MMR, scored by
// closeness to the pool's centroid and by rank within their article.
//
// Selection uses an inverted index and a lazily refreshed heap (MMR scores
// only fall as sentences are taken), so cost grows about linearly with
// length rather than with its square. The benchmarks in bench_test.go
// measure it (docs/performance.md).
package summarize
