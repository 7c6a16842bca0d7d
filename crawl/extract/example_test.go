package extract_test

import (
	"fmt"
	"os"
	"strings"

	"github.com/masx-ai/masx/crawl/extract"
)

func Example() {
	page, err := os.ReadFile("testdata/wire-story.html")
	if err != nil {
		panic(err)
	}
	a, err := extract.Extract(page, "https://harbourdaily.example/world/port-strike", extract.Options{})
	if err != nil {
		panic(err)
	}
	fmt.Println(a.Title)
	fmt.Println(a.Author, a.Date.Format("2006-01-02"), a.Site, a.Method)
	fmt.Println(strings.Split(a.Text, "\n")[1][:60])
	// Output:
	// Port strike halts grain exports as talks stall
	// Maria Okafor 2024-03-11 Harbour Daily trafilatura
	// Dock workers at the country's three largest ports walked out
}
