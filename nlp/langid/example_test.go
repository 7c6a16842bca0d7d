package langid_test

import (
	"fmt"

	"github.com/masx-ai/masx/nlp/langid"
)

func Example() {
	d, err := langid.Default()
	if err != nil {
		panic(err)
	}
	for _, text := range []string{
		"Die Bundesregierung hat am Mittwoch neue Hilfen für die Landwirte beschlossen.",
		"Уряд оголосив про нові заходи підтримки економіки.",
		"政府は新たな経済対策を発表した。",
		"OK",
	} {
		r := d.Detect(text)
		fmt.Printf("%s %s %.2f\n", r.Lang, r.Script, r.Confidence)
	}
	// Output:
	// de Latn 1.00
	// uk Cyrl 1.00
	// ja Jpan 1.00
	// und Latn 0.00
}

func ExampleNew() {
	// Only answer for the languages the pipeline can translate; the rest is
	// und.
	d, err := langid.New(langid.Options{Languages: []string{"en", "fr"}, MinConfidence: 0.9})
	if err != nil {
		panic(err)
	}
	fmt.Println(d.Detect("Le gouvernement a présenté mercredi son projet de budget.").Lang)
	fmt.Println(d.Detect("Die Regierung hat am Mittwoch ihren Haushaltsentwurf vorgestellt.").Lang)

	_, err = langid.New(langid.Options{Languages: []string{"klingon"}})
	fmt.Println(err)
	// Output:
	// fr
	// und
	// invalid langid options: Languages[0] = "klingon": not a supported ISO 639-1 code (langid.Languages lists the 68 supported)
}
