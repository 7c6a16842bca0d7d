package record

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/masx-ai/masx/news"
	"github.com/masx-ai/masx/store"
)

// ArticleColumns are the articles table's data columns in the order
// ArticleArgs returns values and ArticleRow scans them. created_at and
// updated_at follow them in both.
var ArticleColumns = []string{
	"run_id", "flashpoint_id", "url", "feed_id", "title", "seendate", "domain", "language",
	"sourcecountry", "description", "image", "status", "error", "resolved_by", "final_url",
	"detected_language", "language_confidence", "raw_text", "raw_text_en", "translated",
	"translator", "translation_error", "text_used",
	"compressed_text", "processed_text", "summary", "embedding", "cluster_id", "timings",
}

// textColumns are the big text columns ArticleQuery.OmitText leaves out.
var textColumns = map[string]bool{"raw_text": true, "raw_text_en": true, "compressed_text": true, "processed_text": true}

// ArticleArgs returns a checked article's column values (ArticleColumns
// order), then created and updated, which the driver supplies in its own
// time type. Timings are JSON text (or nil), the embedding bytes (or nil).
func ArticleArgs(a *news.Article, created, updated any) ([]any, error) {
	timings, err := EncodeTimings(a.Timings)
	if err != nil {
		return nil, fmt.Errorf("article %s: %w", a.URL, err)
	}
	var tj any // a typed nil []byte would bind as an empty value, not NULL
	if timings != nil {
		tj = string(timings)
	}
	var emb any
	if b := EncodeEmbedding(a.Embedding); b != nil {
		emb = b
	}
	return []any{
		a.RunID, a.FlashpointID, a.URL, a.Feed.ID, a.Title, a.SeenDate, a.Domain, a.Language,
		a.SourceCountry, a.Description, a.Image, string(a.Status), a.Error, a.ResolvedBy, a.FinalURL,
		a.DetectedLang, a.LangConfidence, a.RawText, a.RawTextEN, a.Translated,
		a.Translator, a.TranslationError, string(a.TextUsed),
		a.CompressedText, a.ProcessedText, a.Summary, emb, a.ClusterID, tj,
		created, updated,
	}, nil
}

// ArticleSelect is the select list ArticleRow scans, with the big text
// columns replaced by ” when omitText is set.
func ArticleSelect(omitText bool) string {
	cols := make([]string, 0, len(ArticleColumns)+2)
	for _, c := range ArticleColumns {
		if omitText && textColumns[c] {
			c = "'' AS " + c
		}
		cols = append(cols, c)
	}
	return strings.Join(append(cols, "created_at", "updated_at"), ", ")
}

// ArticleRow is scan space for one article row.
type ArticleRow struct {
	a                news.Article
	status, textUsed string
	emb, timings     []byte
	created, updated any
}

// Dest returns the scan destinations in ArticleSelect order.
func (r *ArticleRow) Dest() []any {
	a := &r.a
	return []any{
		&a.RunID, &a.FlashpointID, &a.URL, &a.Feed.ID, &a.Title, &a.SeenDate, &a.Domain, &a.Language,
		&a.SourceCountry, &a.Description, &a.Image, &r.status, &a.Error, &a.ResolvedBy, &a.FinalURL,
		&a.DetectedLang, &a.LangConfidence, &a.RawText, &a.RawTextEN, &a.Translated,
		&a.Translator, &a.TranslationError, &r.textUsed,
		&a.CompressedText, &a.ProcessedText, &a.Summary, &r.emb, &a.ClusterID, &r.timings,
		&r.created, &r.updated,
	}
}

// Article decodes the scanned row.
func (r *ArticleRow) Article() (news.Article, error) {
	a := r.a
	a.Status = news.Status(r.status)
	a.TextUsed = news.TextUsed(r.textUsed)
	var err error
	if a.Embedding, err = DecodeEmbedding(r.emb); err != nil {
		return a, fmt.Errorf("article %s: %w", a.URL, err)
	}
	if a.Timings, err = DecodeTimings(r.timings); err != nil {
		return a, fmt.Errorf("article %s: %w", a.URL, err)
	}
	if a.CreatedAt, err = Time(r.created); err != nil {
		return a, err
	}
	if a.UpdatedAt, err = Time(r.updated); err != nil {
		return a, err
	}
	*r = ArticleRow{}
	return a, nil
}

// Dialect is what differs between drivers' SQL text.
type Dialect struct {
	// Placeholder returns the n-th (1-based) parameter marker.
	Placeholder func(n int) string
	// OffsetNeedsLimit: SQLite allows OFFSET only after a LIMIT.
	OffsetNeedsLimit bool
}

// Question is SQLite's dialect; Dollar is PostgreSQL's.
var (
	Question = Dialect{Placeholder: func(int) string { return "?" }, OffsetNeedsLimit: true}
	Dollar   = Dialect{Placeholder: func(n int) string { return "$" + strconv.Itoa(n) }}
)

// ArticleQuery checks q and builds its SELECT over the articles table,
// ordered by first insertion (the seq column).
func ArticleQuery(d Dialect, q store.ArticleQuery) (string, []any, error) {
	if err := ID("article query run ID", q.RunID); err != nil {
		return "", nil, err
	}
	if q.Limit < 0 || q.Offset < 0 {
		return "", nil, invalid("article query limit %d, offset %d; want ≥ 0", q.Limit, q.Offset)
	}
	var args []any
	arg := func(v any) string {
		args = append(args, v)
		return d.Placeholder(len(args))
	}
	var b strings.Builder
	b.WriteString("SELECT " + ArticleSelect(q.OmitText) + " FROM articles WHERE run_id = " + arg(q.RunID))
	if q.FlashpointID != "" {
		b.WriteString(" AND flashpoint_id = " + arg(q.FlashpointID))
	}
	if q.URL != "" {
		b.WriteString(" AND url = " + arg(q.URL))
	}
	if len(q.Statuses) > 0 {
		ph := make([]string, len(q.Statuses))
		for i, s := range q.Statuses {
			if err := Status(fmt.Sprintf("article query status %d", i), s); err != nil {
				return "", nil, err
			}
			ph[i] = arg(string(s))
		}
		b.WriteString(" AND status IN (" + strings.Join(ph, ", ") + ")")
	}
	b.WriteString(" ORDER BY seq")
	switch {
	case q.Limit > 0:
		b.WriteString(" LIMIT " + arg(q.Limit))
	case q.Offset > 0 && d.OffsetNeedsLimit:
		b.WriteString(" LIMIT -1")
	}
	if q.Offset > 0 {
		b.WriteString(" OFFSET " + arg(q.Offset))
	}
	return b.String(), args, nil
}
