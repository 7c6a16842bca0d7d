package vectorize_test

import (
	"context"
	"fmt"

	"github.com/masx-ai/masx/nlp/vectorize"
)

func ExampleNewTFIDF() {
	v, err := vectorize.NewTFIDF(vectorize.Options{Dim: 256})
	if err != nil {
		panic(err)
	}
	texts := []string{
		"Ceasefire talks resumed in Geneva under the UN envoy.",
		"The UN envoy reopened ceasefire talks in Geneva.",
		"The club won the league title with a late goal.",
		"",
	}
	vecs, err := v.Vectorize(context.Background(), texts)
	if err != nil {
		panic(err)
	}
	fmt.Println(v.Name())
	fmt.Println("dimensions:", len(vecs[0])) // capped by the 4 texts
	fmt.Printf("talks vs talks: %.2f\n", vectorize.Cosine(vecs[0], vecs[1]))
	fmt.Printf("talks vs football: %.2f\n", vectorize.Cosine(vecs[0], vecs[2]))
	fmt.Printf("empty text: %v\n", vecs[3])
	// Output:
	// tfidf-lsa(dim=256,buckets=262144,ngram=1)
	// dimensions: 4
	// talks vs talks: 0.71
	// talks vs football: 0.00
	// empty text: [0 0 0 0]
}
