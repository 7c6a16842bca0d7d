package demo

import (
	"context"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"go.uber.org/goleak"
	"golang.org/x/net/html"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

// startSite serves the bundled site for one test.
func startSite(t testing.TB) *Server {
	t.Helper()
	srv, err := Start(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := srv.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
	})
	return srv
}

// testClient is a plain client whose idle connections the test closes.
func testClient(t testing.TB) *http.Client {
	t.Helper()
	tr := &http.Transport{DisableKeepAlives: false, MaxIdleConnsPerHost: 8}
	t.Cleanup(tr.CloseIdleConnections)
	return &http.Client{Transport: tr, Timeout: 30 * time.Second}
}

func get(t testing.TB, c *http.Client, url string) (*http.Response, []byte, error) {
	t.Helper()
	resp, err := c.Get(url)
	if err != nil {
		return nil, nil, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	return resp, body, err
}

// page is what the tests read out of an HTML page.
type page struct {
	lang        string
	title, h1   string
	visible     string // all text outside script, style and head
	body        string // text of the .story-body element
	bodyParas   int
	scripts     []string
	hasConsent  bool
	hasNav      bool
	hasFooter   bool
	hasRelated  bool
	relatedHref []string
}

func parsePage(t testing.TB, raw []byte) page {
	t.Helper()
	doc, err := html.Parse(strings.NewReader(string(raw)))
	if err != nil {
		t.Fatalf("parsing HTML: %v", err)
	}
	var p page
	var vis, body strings.Builder
	var walk func(n *html.Node, inBody, inHead bool)
	walk = func(n *html.Node, inBody, inHead bool) {
		if n.Type == html.ElementNode {
			switch n.Data {
			case "html":
				p.lang = attr(n, "lang")
			case "script":
				if n.FirstChild != nil {
					p.scripts = append(p.scripts, n.FirstChild.Data)
				}
				return
			case "style":
				return
			case "head":
				inHead = true
			case "title":
				p.title = text(n)
			case "h1":
				p.h1 = text(n)
			case "nav":
				p.hasNav = true
			case "footer":
				p.hasFooter = true
			case "a":
				if inRelated(n) {
					p.relatedHref = append(p.relatedHref, attr(n, "href"))
				}
			}
			if strings.Contains(attr(n, "class"), "consent") {
				p.hasConsent = true
			}
			if strings.Contains(attr(n, "class"), "related") {
				p.hasRelated = true
			}
			if strings.Contains(attr(n, "class"), "story-body") {
				inBody = true
			}
			if inBody && n.Data == "p" {
				p.bodyParas++
			}
		}
		if n.Type == html.TextNode && !inHead {
			s := strings.TrimSpace(n.Data)
			if s != "" {
				vis.WriteString(s)
				vis.WriteByte(' ')
				if inBody {
					body.WriteString(s)
					body.WriteByte(' ')
				}
			}
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c, inBody, inHead)
		}
	}
	walk(doc, false, false)
	p.visible, p.body = strings.TrimSpace(vis.String()), strings.TrimSpace(body.String())
	return p
}

func inRelated(n *html.Node) bool {
	for a := n.Parent; a != nil; a = a.Parent {
		if strings.Contains(attr(a, "class"), "related") {
			return true
		}
	}
	return false
}

func attr(n *html.Node, key string) string {
	for _, a := range n.Attr {
		if a.Key == key {
			return a.Val
		}
	}
	return ""
}

func text(n *html.Node) string {
	var b strings.Builder
	var f func(*html.Node)
	f = func(n *html.Node) {
		if n.Type == html.TextNode {
			b.WriteString(n.Data)
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			f(c)
		}
	}
	f(n)
	return strings.TrimSpace(b.String())
}

func runes(s string) int { return utf8.RuneCountInString(s) }
