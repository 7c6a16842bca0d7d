package score_test

import (
	"fmt"

	"github.com/masx-ai/masx/nlp/cluster/score"
)

func ExampleCompare() {
	found := []int{0, 0, 1, score.Noise}
	gold := []string{"quake", "quake", "vote", "vote"}
	s, err := score.Compare(found, gold)
	if err != nil {
		panic(err)
	}
	fmt.Printf("B3 F1 %.3f, ARI %.3f, NMI %.3f, %d unclustered\n", s.B3F1, s.ARI, s.NMI, s.Unclustered)
	// Output: B3 F1 0.857, ARI 0.571, NMI 0.800, 1 unclustered
}
