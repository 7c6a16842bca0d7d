package postgres

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/masx-ai/masx/news"
	"github.com/masx-ai/masx/store"
	"github.com/masx-ai/masx/store/internal/record"
)

// MASX daily table prefixes (docs/design.md, "Inputs" and "Stages per
// flashpoint").
const (
	masxFlashpoints = "flash_point"
	masxFeeds       = "feed_entries"
	masxClusters    = "news_clusters"
)

// MASXPageSize is how many feed rows ReadMASXFlashpoints reads per query,
// as the original did.
const MASXPageSize = 500

var masxName = regexp.MustCompile(`^(flash_point|feed_entries|news_clusters)_[0-9]{8}$`)

// masxTable names a daily table. The name is built only from one of the
// prefixes above and date formatted as YYYYMMDD, then checked against
// masxName: no caller string ever reaches the SQL text.
func masxTable(prefix string, date time.Time) (pgx.Identifier, string, error) {
	if date.IsZero() || date.Year() < 1970 || date.Year() > 9999 {
		return nil, "", fmt.Errorf("MASX table date %v: want a calendar date between 1970 and 9999: %w", date, store.ErrInvalid)
	}
	name := prefix + "_" + date.Format("20060102")
	if !masxName.MatchString(name) {
		return nil, "", fmt.Errorf("MASX table name %q: want prefix_YYYYMMDD: %w", name, store.ErrInvalid)
	}
	return pgx.Identifier{name}, name, nil
}

// MASXClustersDDL is the original's news_clusters_YYYYMMDD definition (the
// Python ETL's CREATE TABLE, NOT NULL columns included); %s is the quoted
// table name.
const MASXClustersDDL = `CREATE TABLE IF NOT EXISTS %s (
    id BIGSERIAL PRIMARY KEY,
    flashpoint_id UUID NOT NULL,
    cluster_id INT NOT NULL,
    summary TEXT NOT NULL,
    article_count INT NOT NULL,
    top_domains JSONB DEFAULT '[]'::jsonb,
    languages JSONB DEFAULT '[]'::jsonb,
    urls JSONB DEFAULT '[]'::jsonb,
    images JSONB DEFAULT '[]'::jsonb,
    created_at TIMESTAMP WITH TIME ZONE DEFAULT CURRENT_TIMESTAMP
)`

// WriteMASXClusters writes one flashpoint's clusters to the MASX daily
// table news_clusters_YYYYMMDD for date (its calendar date in its own
// location), creating the table with the original's DDL when missing, and
// replacing that flashpoint's rows in one transaction. flashpointID must be
// a UUID (the column's type). Cluster RunIDs are ignored; FlashpointIDs
// must be empty or equal to flashpointID; ClusterIDs must be unique.
func (s *Store) WriteMASXClusters(ctx context.Context, date time.Time, flashpointID string, cs []news.Cluster) error {
	table, name, err := masxTable(masxClusters, date)
	if err != nil {
		return fmt.Errorf("writing MASX clusters: %w", err)
	}
	id, err := uuid.Parse(flashpointID)
	if err != nil {
		return fmt.Errorf("writing MASX clusters to %s: flashpoint ID %q is not a UUID: %w", name, flashpointID, store.ErrInvalid)
	}
	fp := id.String()
	plain := make([]news.Cluster, len(cs))
	for i, c := range cs {
		c.RunID = ""
		if c.FlashpointID != "" && c.FlashpointID != flashpointID && c.FlashpointID != fp {
			return fmt.Errorf("writing MASX clusters to %s: cluster %d flashpoint ID %q; want empty or %q: %w", name, i, c.FlashpointID, flashpointID, store.ErrInvalid)
		}
		c.FlashpointID = ""
		plain[i] = c
	}
	cs, err = record.Clusters("masx", fp, plain)
	if err != nil {
		return fmt.Errorf("writing MASX clusters to %s: %w", name, err)
	}
	quoted := table.Sanitize()
	err = s.write(ctx, func(tx pgx.Tx) error {
		var exists bool
		if err := tx.QueryRow(ctx, `SELECT to_regclass($1) IS NOT NULL`, quoted).Scan(&exists); err != nil {
			return fmt.Errorf("looking up %s: %w", name, err)
		}
		if !exists {
			// Workers writing the day's first clusters at once would race
			// in the catalog; the lock makes them create it one by one.
			if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock(hashtext($1))`, name); err != nil {
				return fmt.Errorf("locking %s: %w", name, err)
			}
			if _, err := tx.Exec(ctx, fmt.Sprintf(MASXClustersDDL, quoted)); err != nil {
				return fmt.Errorf("creating %s: %w", name, err)
			}
		}
		b := &pgx.Batch{}
		b.Queue(`DELETE FROM `+quoted+` WHERE flashpoint_id = $1`, fp)
		for i := range cs {
			c := &cs[i]
			b.Queue(`INSERT INTO `+quoted+` (flashpoint_id, cluster_id, summary, article_count, top_domains, languages, urls, images)
				VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
				fp, c.ClusterID, c.Summary, c.ArticleCount,
				record.EncodeList(c.TopDomains), record.EncodeList(c.Languages), record.EncodeList(c.URLs), record.EncodeList(c.Images))
		}
		return tx.SendBatch(ctx, b).Close()
	})
	if err != nil {
		return fmt.Errorf("writing %d MASX clusters of flashpoint %s to %s: %w", len(cs), fp, name, err)
	}
	return nil
}

// ReadMASXFlashpoints reads the MASX daily input tables for date:
// flash_point_YYYYMMDD (id, title, description, entities, domains) and, per
// flashpoint, its feeds from feed_entries_YYYYMMDD ordered by created_at
// (then id), MASXPageSize rows per query, all in one read-only snapshot so
// paging is stable. Entities and domains may be JSON/JSONB arrays, text
// arrays or JSON text, as the upstream system wrote them. A missing table
// gives store.ErrNotFound. Feeds without a domain get their URL's host.
func (s *Store) ReadMASXFlashpoints(ctx context.Context, date time.Time) ([]news.Flashpoint, error) {
	fpTable, fpName, err := masxTable(masxFlashpoints, date)
	if err != nil {
		return nil, fmt.Errorf("reading MASX flashpoints: %w", err)
	}
	feedTable, feedName, err := masxTable(masxFeeds, date)
	if err != nil {
		return nil, fmt.Errorf("reading MASX flashpoints: %w", err)
	}
	if err := s.reader(); err != nil {
		return nil, fmt.Errorf("reading MASX flashpoints: %w", err)
	}
	var fps []news.Flashpoint
	err = pgx.BeginTxFunc(ctx, s.pool, pgx.TxOptions{IsoLevel: pgx.RepeatableRead, AccessMode: pgx.ReadOnly}, func(tx pgx.Tx) error {
		for _, t := range []struct {
			id   pgx.Identifier
			name string
		}{{fpTable, fpName}, {feedTable, feedName}} {
			var exists bool
			if err := tx.QueryRow(ctx, `SELECT to_regclass($1) IS NOT NULL`, t.id.Sanitize()).Scan(&exists); err != nil {
				return fmt.Errorf("looking up %s: %w", t.name, err)
			}
			if !exists {
				return fmt.Errorf("table %s: %w", t.name, store.ErrNotFound)
			}
		}
		rows, _ := tx.Query(ctx, `SELECT id::text, coalesce(title::text, ''), coalesce(description::text, ''),
				to_jsonb(entities), to_jsonb(domains)
			FROM `+fpTable.Sanitize()+` ORDER BY id`)
		var ents, doms []byte
		var f news.Flashpoint
		_, err := pgx.ForEachRow(rows, []any{&f.ID, &f.Title, &f.Description, &ents, &doms}, func() error {
			fp := f
			var err error
			if fp.Entities, err = looseList(ents); err != nil {
				return fmt.Errorf("flashpoint %s entities: %w", fp.ID, err)
			}
			if fp.Domains, err = looseList(doms); err != nil {
				return fmt.Errorf("flashpoint %s domains: %w", fp.ID, err)
			}
			fps = append(fps, fp)
			return nil
		})
		if err != nil {
			return fmt.Errorf("reading %s: %w", fpName, err)
		}
		feedQuery := `SELECT coalesce(id::text, ''), coalesce(url::text, ''), coalesce(title::text, ''),
				coalesce(seendate::text, ''), coalesce(domain::text, ''), coalesce(language::text, ''),
				coalesce(sourcecountry::text, ''), coalesce(description::text, ''), coalesce(image::text, '')
			FROM ` + feedTable.Sanitize() + ` WHERE flashpoint_id = $1 ORDER BY created_at, id LIMIT $2 OFFSET $3`
		for i := range fps {
			for offset := 0; ; offset += MASXPageSize {
				rows, _ := tx.Query(ctx, feedQuery, fps[i].ID, MASXPageSize, offset)
				var e news.Feed
				n, err := pgx.ForEachRow(rows, []any{&e.ID, &e.URL, &e.Title, &e.SeenDate, &e.Domain, &e.Language,
					&e.SourceCountry, &e.Description, &e.Image}, func() error {
					feed := e
					feed.FlashpointID = fps[i].ID
					if feed.Domain == "" {
						feed.Domain, _ = news.DomainOf(feed.URL)
					}
					fps[i].Feeds = append(fps[i].Feeds, feed)
					return nil
				})
				if err != nil {
					return fmt.Errorf("reading %s for flashpoint %s: %w", feedName, fps[i].ID, err)
				}
				if n.RowsAffected() < MASXPageSize {
					break
				}
			}
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("reading MASX flashpoints of %s: %w", date.Format(time.DateOnly), fail(ctx, err))
	}
	return fps, nil
}

// looseList reads a list the way the original's parse_json_field did, a
// little more forgiving: a JSON array (strings kept, other items as their
// JSON text), or a JSON string holding such an array; any other non-empty
// string becomes a one-item list; null gives nil.
func looseList(raw []byte) ([]string, error) {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 || bytes.Equal(raw, []byte("null")) {
		return nil, nil
	}
	var items []json.RawMessage
	if err := json.Unmarshal(raw, &items); err == nil {
		out := make([]string, 0, len(items))
		for _, it := range items {
			var s string
			if json.Unmarshal(it, &s) == nil {
				out = append(out, s)
			} else {
				var buf bytes.Buffer
				if err := json.Compact(&buf, it); err != nil {
					return nil, err
				}
				out = append(out, buf.String())
			}
		}
		if len(out) == 0 {
			return nil, nil
		}
		return out, nil
	}
	var s string
	if err := json.Unmarshal(raw, &s); err != nil {
		return nil, errors.New("want a JSON array, a text array or JSON text")
	}
	if inner := bytes.TrimSpace([]byte(s)); len(inner) > 0 && inner[0] == '[' {
		if l, err := looseList(inner); err == nil {
			return l, nil
		}
	}
	if s == "" {
		return nil, nil
	}
	return []string{s}, nil
}
