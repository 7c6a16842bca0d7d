// Package cluster groups article embeddings into stories: the clustering
// stage of the pipeline. [Cluster] runs the policy a [PolicyConfig] names:
// [Stories], the default, which takes the number of stories from the data,
// or the original system's, [Auto]; [KMeans] and [HDBSCAN] are the
// algorithms behind both. The subpackage score compares a clustering with
// gold labels (`masx eval cluster`).
//
// # The stories policy
//
// [Stories] finds dense story cores with HDBSCAN (min cluster size adapted
// to n, ε 0) on 20 principal components, then lets spherical k-means in
// the full space, started from those cores, assign every article and
// settle the borders. Articles with nothing in common with any story stay
// [Noise]. On GoogleNews-TS (11,109 articles, 152 stories, k not given) it
// scores NMI 0.945 and ARI 0.893 where the original policy scores 0.786
// and 0.530 (docs/clustering.md has the table and the alternatives tried).
//
// # The original policy
//
// [Auto] keeps what users of the original relied on: fewer than 50
// vectors go to k-means with k = min(10, max(2, ⌊√(n/2)⌋)); otherwise the
// vectors are L2-normalised, reduced to 20 principal components and
// clustered by HDBSCAN (min_cluster_size 5, ε 0.05), with noise labelled
// [Noise] (−1); when HDBSCAN finds no cluster, k-means with
// k = max(3, round(√(n/2))) partitions the reduced vectors instead.
// [Result.Algorithm] says which branch ran. Degenerate input has a defined
// answer: no vectors give an empty result, one vector is one cluster,
// identical vectors are one cluster, k is capped at n, and a NaN or
// infinite value or a row of a different length is an [*InputError] naming
// the row. Everything is deterministic: k-means++ and the randomized PCA
// draw from a PCG generator with a fixed seed, and the parallel loops
// merge their results in a fixed order.
//
// # HDBSCAN
//
// No Go module implements HDBSCAN, so this package does, following
// scikit-learn 1.9.1's sklearn.cluster.HDBSCAN (alpha 1,
// allow_single_cluster false) step for step: core distances counting the
// point itself, Prim's minimum spanning tree over mutual-reachability
// distances, the single-linkage tree, the condensed tree, stabilities,
// EOM or leaf selection and the epsilon search. testdata/hdbscan_golden.json
// holds six data sets labelled by scikit-learn; four are reproduced
// exactly. In the other two, one point of 300 and two of 500 each bridge
// two clusters through two spanning-tree edges of exactly equal weight
// (its core distance) and join the other cluster than scikit-learn's.
// scikit-learn orders equal-weight edges with numpy's unstable (SIMD)
// argsort; reordering just those edges reproduces its labels exactly,
// which the golden test checks. We keep Prim's order, so results never
// depend on the CPU.
//
// The n×n distance matrix is never built: time is O(n²·d), memory O(n·d).
// Core distances come from a tiled brute-force search in which each pair
// is computed once; the spanning tree is Prim's algorithm over implicit
// distances with three exact shortcuts (see primMST), one of them a lower
// bound from a 32-axis projection that lets it skip far-away clusters.
// Both loops are shared by [Config.Workers] goroutines (default
// GOMAXPROCS), all joined before a call returns; ctx is checked between
// tiles and every 64 spanning-tree steps.
//
// # Costs
//
// The spanning tree is most of an HDBSCAN run, and the projected bound
// makes it several times faster than exact distances alone. `masx bench
// cluster` and the benchmarks in bench_test.go measure time and memory
// (docs/performance.md).
package cluster
