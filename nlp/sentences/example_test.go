package sentences_test

import (
	"fmt"

	"github.com/masx-ai/masx/nlp/sentences"
)

func ExampleSplit() {
	text := `Dr. Amal Haddad met the U.S. envoy on Jan. 6 in Geneva. Inflation hit 3.5 percent!
北京今天宣布新措施。市场反应平静。 सरकार ने घोषणा की। هل انتهت المحادثات؟`
	for _, s := range sentences.Split(text) {
		fmt.Println(s)
	}
	// Output:
	// Dr. Amal Haddad met the U.S. envoy on Jan. 6 in Geneva.
	// Inflation hit 3.5 percent!
	// 北京今天宣布新措施。
	// 市场反应平静。
	// सरकार ने घोषणा की।
	// هل انتهت المحادثات؟
}

func ExampleBounds() {
	text := "  First one.  Second one?  "
	for _, s := range sentences.Bounds(text) {
		fmt.Printf("%d-%d %q\n", s.Start, s.End, text[s.Start:s.End])
	}
	// Output:
	// 2-12 "First one."
	// 14-25 "Second one?"
}
