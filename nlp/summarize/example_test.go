package summarize_test

import (
	"fmt"
	"strings"

	"github.com/masx-ai/masx/nlp/summarize"
)

const article = `Negotiators returned to Geneva on Tuesday for a third round of ceasefire talks, the UN said.
The talks had been suspended on 14 March after a drone strike killed 12 civilians near Varosh.
The weather in the city was grey. Many people stayed at home.
The UN envoy, Dr. Amal Haddad, said both sides agreed to discuss a withdrawal of heavy weapons.
Shelling continued overnight in the eastern districts, according to local officials.
Cafes near the lake were quiet. Some shops closed early.
Aid convoys reached Varosh on Monday for the first time in three weeks.
The talks in Geneva are expected to last until Friday.`

func ExampleCompress() {
	out := summarize.Compress(article, summarize.Budget{Max: 300})
	fmt.Println(out)
	// Output:
	// Negotiators returned to Geneva on Tuesday for a third round of ceasefire talks, the UN said. The talks had been suspended on 14 March after a drone strike killed 12 civilians near Varosh. The UN envoy, Dr. Amal Haddad, said both sides agreed to discuss a withdrawal of heavy weapons.
}

func ExampleCompressWith() {
	// Count the budget in words instead of characters, as a model
	// tokenizer would count tokens.
	words := func(s string) int { return len(strings.Fields(s)) }
	r, err := summarize.CompressWith(article, summarize.Budget{Max: 60, Count: words}, summarize.Options{})
	if err != nil {
		panic(err)
	}
	fmt.Printf("kept %d of %d sentences, %d of %d words\n", r.Kept, r.Sentences, r.OutputUnits, r.InputUnits)
	// Output:
	// kept 4 of 10 sentences, 60 of 106 words
}

func ExampleSummarize() {
	for _, s := range summarize.Summarize(article, 2) {
		fmt.Println(s)
	}
	// Output:
	// Negotiators returned to Geneva on Tuesday for a third round of ceasefire talks, the UN said.
	// The talks had been suspended on 14 March after a drone strike killed 12 civilians near Varosh.
}

func ExampleClusterSummary() {
	docs := []string{
		"Negotiators returned to Geneva on Tuesday for ceasefire talks. The mood was calm.",
		"Negotiators returned to Geneva on Tuesday for new ceasefire talks. Aid convoys reached Varosh.",
		"Aid convoys reached Varosh on Monday. Residents queued for water.",
	}
	fmt.Println(summarize.ClusterSummary(docs, 3))
	// Output:
	// Aid convoys reached Varosh on Monday. Negotiators returned to Geneva on Tuesday for ceasefire talks. Residents queued for water.
}
