package demo

import (
	"bytes"
	"strings"
	"testing"

	"github.com/masx-ai/masx/crawl/extract"
)

// Cluttered pages weigh what the options say, differ from each other, are
// served as Page returns them, and hide the article well enough that
// extraction still finds all of it, and only it, among the boilerplate.
func TestSyntheticClutter(t *testing.T) {
	opts := SyntheticOptions{Articles: 30, Flashpoints: 2, Topics: 3, Seed: 7, PageBytes: 150_000, Clutter: true}
	s, err := Synthetic(opts)
	if err != nil {
		t.Fatal(err)
	}
	var prev []byte
	for i := range 30 {
		page, err := s.Page(i)
		if err != nil {
			t.Fatal(err)
		}
		if n := len(page); n < 149_000 || n > 151_000 {
			t.Errorf("page %d is %d bytes; want about PageBytes (150,000)", i, n)
		}
		if again, _ := s.Page(i); !bytes.Equal(page, again) {
			t.Errorf("page %d differs between two calls", i)
		}
		if _, served := render(t, s, s.articlePath(i)); !bytes.Equal(page, served) {
			t.Errorf("page %d is served other than Page returns it", i)
		}
		if bytes.Equal(page, prev) {
			t.Errorf("pages %d and %d are identical", i-1, i)
		}
		prev = page
		for _, part := range []string{"<style>", `class="main-nav"`, `class="ad-slot"`, `class="comments"`, `class="sidebar"`, "<footer>", "document.querySelectorAll"} {
			if !bytes.Contains(page, []byte(part)) {
				t.Errorf("page %d lacks %s", i, part)
			}
		}
		if i%10 != 0 {
			continue
		}
		url := s.ArticleURL("http://127.0.0.1/", i)
		a, err := extract.Extract(page, url, extract.Options{})
		if err != nil {
			t.Fatalf("page %d: %v", i, err)
		}
		h, tp := s.head(i)
		if a.Title != h.title {
			t.Errorf("page %d: title %q; want %q", i, a.Title, h.title)
		}
		s.paragraphs(i, &tp, func(p string) {
			if !strings.Contains(a.Text, p) {
				t.Errorf("page %d: the article's paragraph %q is not extracted among the clutter", i, p)
			}
		})
		if strings.Contains(a.Text, "Most read") || strings.Contains(a.Text, "Reply") {
			t.Errorf("page %d: boilerplate extracted as the article:\n%s", i, a.Text)
		}
	}
	// A small PageBytes never cuts a cluttered page.
	opts.PageBytes = 100
	small, _ := Synthetic(opts)
	if page, _ := small.Page(3); !bytes.HasSuffix(page, []byte("</html>\n")) || len(page) < 60_000 {
		t.Errorf("a small PageBytes cut the cluttered page (%d bytes)", len(page))
	}
	if _, err := s.Page(30); err == nil {
		t.Error("Page(30) of 30 articles: no error")
	}
}
