package cli

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
)

// Limits on a gold file: one line (an article with its text), and the
// whole file's articles, which are held in memory.
const (
	maxGoldLine     = 4 << 20
	maxGoldArticles = 1_000_000
)

// goldArticle is one labelled article of a gold file.
type goldArticle struct {
	ID, Title, Text, Lang, Cluster, Group string
	Line                                  int
}

// readGold reads labelled articles, one JSON object a line:
// {id, title, text, lang, cluster, [topic …]}. cluster is required (a
// string or a number); so is a title or a text. groupBy names the field
// whose value puts the article in a group (a flashpoint); "" makes one
// group. Errors name the line and are usage errors (exit 2).
func readGold(r io.Reader, groupBy string) ([]goldArticle, error) {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64<<10), maxGoldLine)
	var out []goldArticle
	line := 0
	for sc.Scan() {
		line++
		b := strings.TrimSpace(sc.Text())
		if b == "" {
			continue
		}
		if len(out) == maxGoldArticles {
			return nil, Usagef("gold file line %d: more than %d articles", line, maxGoldArticles)
		}
		a, err := parseGoldLine([]byte(b), groupBy)
		if err != nil {
			return nil, Usagef("gold file line %d: %v", line, err)
		}
		a.Line = line
		out = append(out, a)
	}
	if err := sc.Err(); err != nil {
		if errors.Is(err, bufio.ErrTooLong) {
			return nil, Usagef("gold file line %d: longer than %d bytes", line+1, maxGoldLine)
		}
		return nil, fmt.Errorf("reading the gold file: %w", err)
	}
	if len(out) == 0 {
		return nil, Usagef("gold file holds no article; want one JSON object a line with at least \"cluster\" and \"title\" or \"text\"")
	}
	return out, nil
}

func parseGoldLine(b []byte, groupBy string) (goldArticle, error) {
	var m map[string]json.RawMessage
	if err := json.Unmarshal(b, &m); err != nil {
		return goldArticle{}, fmt.Errorf("not a JSON object: %w", err)
	}
	var a goldArticle
	var err error
	for _, f := range []struct {
		name string
		dst  *string
	}{{"id", &a.ID}, {"title", &a.Title}, {"text", &a.Text}, {"lang", &a.Lang}, {"cluster", &a.Cluster}} {
		if *f.dst, err = scalarField(m, f.name); err != nil {
			return a, err
		}
	}
	if _, ok := m["cluster"]; !ok || a.Cluster == "" {
		return a, errors.New(`no "cluster" label; want a string or a number`)
	}
	if strings.TrimSpace(a.Title) == "" && strings.TrimSpace(a.Text) == "" {
		return a, errors.New(`no "title" and no "text"; want at least one`)
	}
	if groupBy != "" {
		if _, ok := m[groupBy]; !ok {
			return a, fmt.Errorf("no %q field to group by", groupBy)
		}
		if a.Group, err = scalarField(m, groupBy); err != nil {
			return a, err
		}
	}
	return a, nil
}

// scalarField returns a string or number field as text; a missing field or
// null is "".
func scalarField(m map[string]json.RawMessage, name string) (string, error) {
	raw, ok := m[name]
	if !ok || string(raw) == "null" {
		return "", nil
	}
	var s string
	if err := json.Unmarshal(raw, &s); err == nil {
		return s, nil
	}
	var n json.Number
	if err := json.Unmarshal(raw, &n); err == nil {
		if _, err := strconv.ParseFloat(string(n), 64); err == nil {
			return string(n), nil
		}
	}
	return "", fmt.Errorf("field %q is %s; want a string or a number", name, truncate(string(raw), 40))
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}
