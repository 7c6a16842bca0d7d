package record

import (
	"fmt"

	"github.com/masx-ai/masx/news"
)

// RunColumns is the select list RunRow scans.
const RunColumns = "id, state, attempt, input, flashpoints, articles, error, started_at, finished_at"

// RunRow is scan space for one run row.
type RunRow struct {
	r                 news.Run
	state             string
	started, finished any
}

// Dest returns the scan destinations in RunColumns order.
func (x *RunRow) Dest() []any {
	return []any{&x.r.ID, &x.state, &x.r.Attempt, &x.r.Input, &x.r.Flashpoints, &x.r.Articles, &x.r.Error, &x.started, &x.finished}
}

// Run decodes the scanned row.
func (x *RunRow) Run() (news.Run, error) {
	r := x.r
	r.State = news.RunState(x.state)
	var err error
	if r.StartedAt, err = Time(x.started); err != nil {
		return r, fmt.Errorf("run %q: %w", r.ID, err)
	}
	if r.FinishedAt, err = Time(x.finished); err != nil {
		return r, fmt.Errorf("run %q: %w", r.ID, err)
	}
	return r, nil
}

// FlashpointColumns is the select list FlashpointRow scans.
const FlashpointColumns = "id, title, description, entities, domains"

// FlashpointRow is scan space for one flashpoint row.
type FlashpointRow struct {
	f                 news.Flashpoint
	entities, domains []byte
}

// Dest returns the scan destinations in FlashpointColumns order.
func (x *FlashpointRow) Dest() []any {
	return []any{&x.f.ID, &x.f.Title, &x.f.Description, &x.entities, &x.domains}
}

// Flashpoint decodes the scanned row.
func (x *FlashpointRow) Flashpoint() (news.Flashpoint, error) {
	f := x.f
	var err error
	if f.Entities, err = DecodeList(x.entities); err != nil {
		return f, fmt.Errorf("flashpoint %q entities: %w", f.ID, err)
	}
	if f.Domains, err = DecodeList(x.domains); err != nil {
		return f, fmt.Errorf("flashpoint %q domains: %w", f.ID, err)
	}
	return f, nil
}

// FlashpointStateColumns is the select list FlashpointStateRow scans.
const FlashpointStateColumns = "id, state, error, finished_at"

// FlashpointStateRow is scan space for one flashpoint's state.
type FlashpointStateRow struct {
	f        news.FlashpointState
	state    string
	finished any
}

// Dest returns the scan destinations in FlashpointStateColumns order.
func (x *FlashpointStateRow) Dest() []any {
	return []any{&x.f.ID, &x.state, &x.f.Error, &x.finished}
}

// FlashpointState decodes the scanned row.
func (x *FlashpointStateRow) FlashpointState() (news.FlashpointState, error) {
	f := x.f
	f.State = news.RunState(x.state)
	var err error
	if f.FinishedAt, err = Time(x.finished); err != nil {
		return f, fmt.Errorf("flashpoint %q: %w", f.ID, err)
	}
	return f, nil
}

// ClusterColumns is the select list ClusterRow scans; ClusterInsertColumns
// the columns a driver inserts, in ClusterArgs order.
const (
	ClusterColumns       = "run_id, flashpoint_id, cluster_id, summary, article_count, top_domains, languages, urls, images, created_at"
	ClusterInsertColumns = ClusterColumns
)

// ClusterArgs returns a checked cluster's values in ClusterInsertColumns
// order; created is in the driver's time type.
func ClusterArgs(c *news.Cluster, created any) []any {
	return []any{
		c.RunID, c.FlashpointID, c.ClusterID, c.Summary, c.ArticleCount,
		EncodeList(c.TopDomains), EncodeList(c.Languages), EncodeList(c.URLs), EncodeList(c.Images),
		created,
	}
}

// ClusterRow is scan space for one cluster row.
type ClusterRow struct {
	c                    news.Cluster
	top, langs, urls, im []byte
	created              any
}

// Dest returns the scan destinations in ClusterColumns order.
func (x *ClusterRow) Dest() []any {
	return []any{&x.c.RunID, &x.c.FlashpointID, &x.c.ClusterID, &x.c.Summary, &x.c.ArticleCount,
		&x.top, &x.langs, &x.urls, &x.im, &x.created}
}

// Cluster decodes the scanned row.
func (x *ClusterRow) Cluster() (news.Cluster, error) {
	c := x.c
	var err error
	for _, l := range []struct {
		dst *[]string
		src []byte
	}{{&c.TopDomains, x.top}, {&c.Languages, x.langs}, {&c.URLs, x.urls}, {&c.Images, x.im}} {
		if *l.dst, err = DecodeList(l.src); err != nil {
			return c, fmt.Errorf("cluster %d of flashpoint %q: %w", c.ClusterID, c.FlashpointID, err)
		}
	}
	if c.CreatedAt, err = Time(x.created); err != nil {
		return c, err
	}
	return c, nil
}
