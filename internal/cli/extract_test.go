package cli

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"golang.org/x/text/encoding/charmap"
)

var extractParagraphs = []string{
	"The city council approved a plan on Wednesday to turn the disused rail yard into a park with space for markets, concerts and sports fields.",
	"Work is due to begin next spring and the first section should open within two years, the council said, with the rest following in stages.",
	"Residents who had campaigned for a decade to save the site from a housing development welcomed the vote, though some said the budget was too small.",
	"The plan keeps the old engine shed, which will be restored and used as a covered market hall on weekends and as a venue for community events.",
	"Council officials said the project would be paid for partly by a grant from the national heritage fund and partly by selling a smaller plot nearby.",
	"An independent study found that the park could attract about a million visits a year once complete and create around 120 permanent jobs.",
	"Opposition councillors voted in favour but warned that maintenance costs had been underestimated and asked for a review after the first year.",
}

func extractPage(lang string) string {
	return `<!DOCTYPE html><html lang="` + lang + `"><head><meta charset="utf-8"><title>Rail yard to become a park</title>
<meta name="author" content="Ana Ruiz"><meta property="og:site_name" content="City Gazette">
<meta property="article:published_time" content="2024-04-03T07:45:00Z"><meta property="og:image" content="/img/yard.jpg"></head>
<body><nav><a href="/">Home</a> <a href="/city">City</a> <a href="/sport">Sport</a></nav>
<article><h1>Rail yard to become a park</h1><p>` + strings.Join(extractParagraphs, "</p>\n<p>") + `</p></article>
<footer>© City Gazette. All rights reserved.</footer></body></html>`
}

func TestExtractCommand(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "page.html")
	require.NoError(t, os.WriteFile(path, []byte(extractPage("en")), 0o644))

	code, out, errOut := runCLI(t, "extract", path, "--url", "https://gazette.example/city/park")
	require.Equal(t, ExitOK, code, errOut)
	require.Contains(t, out, "Title:    Rail yard to become a park\n")
	require.Contains(t, out, "Author:   Ana Ruiz\n")
	require.Contains(t, out, "Date:     2024-04-03\n")
	require.Contains(t, out, "Image:    https://gazette.example/img/yard.jpg\n")
	require.Contains(t, out, "Method:   trafilatura\n")
	for _, p := range extractParagraphs {
		require.Contains(t, out, p+"\n")
	}
	require.NotContains(t, out, "All rights reserved")

	code, out, errOut = runCLI(t, "extract", "--json", path)
	require.Equal(t, ExitOK, code, errOut)
	var got extractOutput
	require.NoError(t, json.Unmarshal([]byte(out), &got))
	require.Equal(t, "Rail yard to become a park", got.Title)
	require.Equal(t, "Ana Ruiz", got.Author)
	require.Equal(t, "2024-04-03", got.Date)
	require.Equal(t, "City Gazette", got.Site)
	require.Equal(t, "trafilatura", got.Method)
	require.Contains(t, got.Text, extractParagraphs[3])
	var raw map[string]any
	require.NoError(t, json.Unmarshal([]byte(out), &raw))
	for _, k := range []string{"title", "text", "author", "date", "image", "site", "method"} {
		require.Contains(t, raw, k)
	}
}

func TestExtractCommandStdinNonUTF8(t *testing.T) {
	const ru = "Городской совет в среду одобрил план превращения заброшенного железнодорожного депо в парк с рынком и спортивными площадками."
	page := `<html><head><meta charset="windows-1251"><title>Депо станет парком</title></head><body><article><h1>Депо станет парком</h1>` +
		strings.Repeat("<p>"+ru+"</p>\n", 10) + `</article></body></html>`
	enc, err := charmap.Windows1251.NewEncoder().String(page)
	require.NoError(t, err)
	code, out, errOut := runMasx(t, invocation{Stdin: strings.NewReader(enc)}, "extract", "-", "--json")
	require.Equal(t, ExitOK, code, errOut)
	var got extractOutput
	require.NoError(t, json.Unmarshal([]byte(out), &got))
	require.Equal(t, "Депо станет парком", got.Title)
	require.Contains(t, got.Text, ru)
}

func TestExtractCommandErrors(t *testing.T) {
	dir := t.TempDir()
	missing := filepath.Join(dir, "nope.html")
	code, _, errOut := runCLI(t, "extract", missing)
	require.Equal(t, ExitUsage, code)
	require.Contains(t, errOut, missing)

	code, _, errOut = runCLI(t, "extract", dir)
	require.Equal(t, ExitUsage, code, "a directory is not a page: %s", errOut)

	page := filepath.Join(dir, "page.html")
	require.NoError(t, os.WriteFile(page, []byte(extractPage("en")), 0o644))
	code, _, errOut = runCLI(t, "extract", page, "--url", "not a url")
	require.Equal(t, ExitUsage, code)
	require.Contains(t, errOut, `"not a url"`)

	code, _, errOut = runCLI(t, "extract", page, "--max-page-bytes", "100")
	require.Equal(t, ExitUsage, code)
	require.Contains(t, errOut, "page too large")

	code, _, _ = runCLI(t, "extract", page, "--min-chars", "-1")
	require.Equal(t, ExitUsage, code)

	code, _, _ = runCLI(t, "extract")
	require.Equal(t, ExitUsage, code)

	shell := filepath.Join(dir, "shell.html")
	require.NoError(t, os.WriteFile(shell, []byte(`<html><head><title>App</title></head><body><div id="root"></div><script src="/app.js"></script></body></html>`), 0o644))
	code, _, errOut = runCLI(t, "extract", shell)
	require.Equal(t, ExitFailure, code)
	require.Contains(t, errOut, "no article content found")
}

func TestFormatArticleDate(t *testing.T) {
	require.Equal(t, "", formatArticleDate(time.Time{}))
	require.Equal(t, "2024-04-03", formatArticleDate(time.Date(2024, 4, 3, 0, 0, 0, 0, time.UTC)))
	require.Equal(t, "2024-04-03T07:45:00Z", formatArticleDate(time.Date(2024, 4, 3, 7, 45, 0, 0, time.UTC)))
	cet := time.FixedZone("CET", 3600)
	require.Equal(t, "2024-04-03T00:00:00+01:00", formatArticleDate(time.Date(2024, 4, 3, 0, 0, 0, 0, cet)))
}
