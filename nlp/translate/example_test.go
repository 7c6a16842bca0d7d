package translate_test

import (
	"context"
	"fmt"

	"github.com/masx-ai/masx/nlp/translate"
)

func ExampleChunk() {
	text := "El gobierno anunció un alto el fuego. La tregua empezó el lunes.\n\nLos observadores llegaron."
	for _, p := range translate.Chunk(text, 40) {
		fmt.Printf("%q %q\n", p.Sep, p.Text)
	}
	// Output:
	// "" "El gobierno anunció un alto el fuego."
	// " " "La tregua empezó el lunes."
	// "\n\n" "Los observadores llegaron."
}

func ExampleFLORES200() {
	for _, code := range []string{"fr", "zh", "zh-Hant", "ar"} {
		f, _ := translate.FLORES200(code)
		m, ok := translate.M2M100Token(code)
		fmt.Println(code, f, m, ok)
	}
	// Output:
	// fr fra_Latn __fr__ true
	// zh zho_Hans __zh__ true
	// zh-Hant zho_Hant __zh__ true
	// ar arb_Arab __ar__ true
}

func ExampleKeep() {
	res, _ := translate.One(context.Background(), translate.Keep{}, "Le cessez-le-feu tient.", "fr")
	fmt.Println(res.Translated, res.Text, "/", res.Reason())
	// Output: false Le cessez-le-feu tient. / no translator configured
}
