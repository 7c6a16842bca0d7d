package input_test

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/masx-ai/masx/etl/input"
	"github.com/masx-ai/masx/news"
)

// Read JSONL flashpoint records: bad feeds are reported with their line
// and left out, the rest goes on.
func ExampleRead() {
	const data = `{"id":"red-sea","title":"Red Sea shipping","feeds":[` +
		`{"url":"https://www.reuters.com/world/a","title":"Ship attacked","seendate":"20250102T150405Z"},` +
		`{"url":"ftp://x","title":"Not a web page"},` +
		`{"url":"HTTPS://WWW.REUTERS.COM/world/a#top","title":"Same article"}]}
{"id":"sahel","title":"Sahel coups","feeds":[{"url":"https://www.bbc.co.uk/news/b","title":"Junta plan"}]}
`
	res, err := input.Read(context.Background(), strings.NewReader(data), "flashpoints.jsonl", input.FormatAuto, input.Options{})
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, fp := range res.Flashpoints {
		for _, f := range fp.Feeds {
			fmt.Println(fp.ID, f.Domain, f.SeenDate, f.Title)
		}
	}
	for _, p := range res.Problems {
		fmt.Println(p.Kind+":", p)
	}
	fmt.Println(res.NumFeeds, "feeds,", len(res.Duplicates), "duplicate,", len(res.Invalid), "invalid")
	// Output:
	// red-sea reuters.com 2025-01-02T15:04:05Z Ship attacked
	// sahel bbc.co.uk  Junta plan
	// invalid: flashpoints.jsonl:1: feed 2: url "ftp://x": want an absolute http(s) URL
	// duplicate: flashpoints.jsonl:1: feed 3: url "HTTPS://WWW.REUTERS.COM/world/a#top": duplicate of feed 1
	// 2 feeds, 1 duplicate, 1 invalid
}

// Load GDELT-shaped CSV rows; the flashpoint_id column groups them.
func ExampleLoad() {
	res, err := input.Load(context.Background(), "testdata/gdelt.csv", input.Options{})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(res.Format, res.NumRecords, "rows")
	for _, fp := range res.Flashpoints {
		fmt.Printf("%s (%s): %d feeds\n", fp.Title, fp.ID, len(fp.Feeds))
	}
	// Output:
	// csv 3 rows
	// Red Sea shipping attacks (fp-red-sea): 2 feeds
	// Sahel coups (fp-sahel): 1 feeds
}

// Errors that are the input's fault wrap input.ErrInput: the CLI maps them
// to exit code 2.
func ExampleLoad_errInput() {
	_, err := input.Load(context.Background(), "testdata/missing.jsonl", input.Options{})
	fmt.Println(errors.Is(err, input.ErrInput))
	fmt.Println(err)

	_, err = input.Load(context.Background(), "testdata/notes.txt", input.Options{})
	fmt.Println(errors.Is(err, input.ErrInput))
	// Output:
	// true
	// opening testdata/missing.jsonl: bad input: no such file or directory
	// true
}

// Stream hands over one flashpoint at a time; JSONL input is never held
// whole.
func ExampleStream() {
	sum, err := input.Stream(context.Background(), "testdata/flashpoints.jsonl", input.Options{},
		func(fp news.Flashpoint) error {
			fmt.Println(fp.Title, len(fp.Feeds))
			return nil
		})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(sum.NumFlashpoints, "flashpoints,", sum.NumFeeds, "feeds")
	// Output:
	// Red Sea shipping attacks 3
	// Sahel coups 2
	// 2 flashpoints, 5 feeds
}

// StreamItems also hands over the feeds left out, so each can be stored
// with its status.
func ExampleStreamItems() {
	_, err := input.StreamItems(context.Background(), "testdata/rss.xml", input.Options{Flashpoint: "Red Sea"},
		func(it input.Item) error {
			fmt.Println(it.Flashpoint.Title, len(it.Flashpoint.Feeds), "kept")
			for _, d := range it.Duplicates {
				fmt.Println(news.StatusDuplicate, d.URL)
			}
			for _, d := range it.Invalid {
				fmt.Println(news.StatusInvalid, d.URL, "-", d.Problem.Reason)
			}
			return nil
		})
	fmt.Println(err)
	// Output:
	// Red Sea 3 kept
	// duplicate https://NEWS.example.org/red-sea/ship-attacked#update
	// invalid javascript:alert(1) - want an absolute http(s) URL
	// <nil>
}

// FromFeed reads an RSS or Atom file; URLs need Options.HTTPClient.
func ExampleFromFeed() {
	res, err := input.FromFeed(context.Background(), "testdata/atom.xml", "", input.Options{})
	if err != nil {
		fmt.Println(err)
		return
	}
	fp := res.Flashpoints[0]
	fmt.Println(fp.Title)
	for _, f := range fp.Feeds {
		fmt.Println(f.SeenDate, f.URL, f.Image)
	}
	_, err = input.FromFeed(context.Background(), "https://example.org/feed.xml", "", input.Options{})
	fmt.Println(errors.Is(err, input.ErrRemoteDisabled))
	// Output:
	// Sahel : le fil
	// 2025-01-03T07:00:00Z https://actu.example.fr/sahel/niger-plan https://actu.example.fr/img/niger.jpg
	// 2025-01-03T07:00:00Z https://actu.example.fr/sahel/mali-sanctions https://actu.example.fr/img/mali.jpg
	// true
}

func ExampleNormalizeURL() {
	for _, u := range []string{"HTTPS://Example.org:443/a?b=1#c", "http://example.org", "javascript:alert(1)"} {
		n, err := input.NormalizeURL(u)
		fmt.Println(n, err)
	}
	// Output:
	// https://example.org/a?b=1 <nil>
	// http://example.org/ <nil>
	//  want an absolute http(s) URL
}

func ExampleFlashpointID() {
	fmt.Println(input.FlashpointID("Sahel coups"))
	fmt.Println(input.FlashpointID("  sahel   COUPS") == input.FlashpointID("Sahel coups"))
	// Output:
	// a385f02f-fe3d-5059-929e-16ac753627e1
	// true
}
