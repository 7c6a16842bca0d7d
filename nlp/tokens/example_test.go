package tokens_test

import (
	"fmt"

	"github.com/masx-ai/masx/nlp/tokens"
)

func ExampleTerms() {
	fmt.Println(tokens.Terms("The U.S. envoy's talks in Geneva, l'armée et 北京大学."))
	// Output:
	// [u.s envoy talks geneva armée 北京 京大 大学]
}
