package cluster_test

import (
	"context"
	"fmt"

	"github.com/masx-ai/masx/nlp/cluster"
)

func ExampleHDBSCAN() {
	// Two tight groups of six points and one point far from both.
	points := [][]float64{
		{0, 0}, {0, 0.1}, {0.1, 0}, {0.1, 0.1}, {0.05, 0.05}, {0, 0.05},
		{5, 5}, {5, 5.1}, {5.1, 5}, {5.1, 5.1}, {5.05, 5.05}, {5, 5.05},
		{20, -20},
	}
	res, err := cluster.HDBSCAN(context.Background(), points, cluster.Config{MinClusterSize: 5})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(res.Algorithm, res.NClusters, res.Labels)
	// Output: hdbscan 2 [0 0 0 0 0 0 1 1 1 1 1 1 -1]
}

func ExampleKMeans() {
	points := [][]float32{{1, 1}, {1.5, 1}, {9, 9}, {9.5, 9.5}, {1, 1.5}, {9.5, 9}}
	res, err := cluster.KMeans(context.Background(), points, cluster.KMeansConfig{K: 2})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Printf("%v %.3f %.3f\n", res.Labels, res.Centroids[0], res.Centroids[1])
	// Output: [0 0 1 1 0 1] [1.167 1.167] [9.333 9.167]
}

func ExampleAuto() {
	// 120 "articles" about 4 topics in 64 dimensions: enough for HDBSCAN.
	vectors, _ := cluster.GaussianBlobs(120, 64, 4, 1, 7)
	res, err := cluster.Auto(context.Background(), vectors, cluster.AutoConfig{})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(res.Algorithm, res.NClusters, res.Noise())

	// Twelve articles: k-means with k = min(10, max(2, ⌊√6⌋)) = 2.
	res, err = cluster.Auto(context.Background(), vectors[:12], cluster.AutoConfig{})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(res.Algorithm, res.NClusters)
	// Output:
	// hdbscan 4 0
	// kmeans 2
}
