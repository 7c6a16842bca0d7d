package dashboard

import (
	"cmp"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/masx-ai/masx/etl/jobs"
	"github.com/masx-ai/masx/news"
	"github.com/masx-ai/masx/store"
)

// links makes the hrefs of one rendering: paths of the dashboard, or
// in-page anchors of a self-contained report.
type links struct{ report bool }

func (l links) run(runID string) string {
	if l.report {
		return "#top"
	}
	return "/runs/" + url.PathEscape(runID)
}

func (l links) flashpoint(runID, fpID string) string {
	if l.report {
		return "#" + anchor("fp", fpID)
	}
	return l.run(runID) + "/flashpoints/" + url.PathEscape(fpID)
}

func (l links) cluster(runID, fpID string, c int) string {
	if l.report {
		return "#" + anchor("cl", fpID, strconv.Itoa(c))
	}
	return l.flashpoint(runID, fpID) + "/clusters/" + strconv.Itoa(c)
}

func (l links) missing(runID, fpID string, s news.Status, pg int) string {
	if l.report {
		return "#" + anchor("missing", fpID, string(s))
	}
	q := url.Values{}
	if fpID != "" {
		q.Set("flashpoint", fpID)
	}
	if s != "" {
		q.Set("status", string(s))
	}
	if pg > 1 {
		q.Set("page", strconv.Itoa(pg))
	}
	u := l.run(runID) + "/missing"
	if len(q) > 0 {
		u += "?" + q.Encode()
	}
	return u
}

// anchor is an HTML id for parts that may hold any characters.
func anchor(kind string, parts ...string) string {
	h := sha256.Sum256([]byte(strings.Join(parts, "\x00")))
	return kind + "-" + hex.EncodeToString(h[:6])
}

type statusCount struct {
	Status news.Status
	N      int
	Href   string
}

// statusCounts orders counts: ok first, then by count, then by name.
func statusCounts(m map[news.Status]int, href func(news.Status) string) []statusCount {
	out := make([]statusCount, 0, len(m))
	for s, n := range m {
		sc := statusCount{Status: s, N: n}
		if s != news.StatusOK && href != nil {
			sc.Href = href(s)
		}
		out = append(out, sc)
	}
	slices.SortFunc(out, func(a, b statusCount) int {
		if (a.Status == news.StatusOK) != (b.Status == news.StatusOK) {
			if a.Status == news.StatusOK {
				return -1
			}
			return 1
		}
		return cmp.Or(cmp.Compare(b.N, a.N), cmp.Compare(a.Status, b.Status))
	})
	return out
}

// runRow is one run as the runs list and the run page show it.
type runRow struct {
	Run      news.Run
	Href     string
	Percent  int
	Elapsed  string
	Articles []statusCount
	Total    int
	// Flashpoints counts the run's stored flashpoints, by state.
	Flashpoints int
	Failed      []news.FlashpointState
	Live        bool
}

func loadRunRow(ctx context.Context, st store.Store, runID string, l links) (runRow, error) {
	s, err := jobs.RunStatus(ctx, st, runID)
	if err != nil {
		return runRow{}, err
	}
	row := runRow{Run: s.Run, Href: l.run(runID), Percent: int(s.Progress*100 + 0.5),
		Elapsed: s.Elapsed.Round(time.Second).String(), Failed: s.Failed, Live: !s.Run.State.Finished()}
	row.Articles = statusCounts(s.Articles, func(st news.Status) string { return l.missing(runID, "", st, 0) })
	for _, n := range s.Articles {
		row.Total += n
	}
	for _, n := range s.Flashpoints {
		row.Flashpoints += n
	}
	return row, nil
}

type runsBody struct {
	Runs []runRow
}

func loadRuns(ctx context.Context, st store.Store, limit int, l links) (runsBody, error) {
	rs, err := st.Runs(ctx, limit)
	if err != nil {
		return runsBody{}, err
	}
	var b runsBody
	for _, r := range rs {
		row, err := loadRunRow(ctx, st, r.ID, l)
		if err != nil {
			return b, err
		}
		b.Runs = append(b.Runs, row)
	}
	return b, nil
}

// fpRow is one flashpoint on the run page.
type fpRow struct {
	ID, Title, Href string
	State           news.RunState
	Error           string
	Articles        []statusCount
	Total           int
	Clusters        int
}

type runBody struct {
	runRow
	Flashpoints []fpRow
	MissingHref string
}

func loadRun(ctx context.Context, st store.Store, runID string, l links) (runBody, error) {
	row, err := loadRunRow(ctx, st, runID, l)
	if err != nil {
		return runBody{}, err
	}
	b := runBody{runRow: row, MissingHref: l.missing(runID, "", "", 0)}
	fps, err := st.Flashpoints(ctx, runID)
	if err != nil {
		return b, err
	}
	states, err := st.FlashpointStates(ctx, runID)
	if err != nil {
		return b, err
	}
	byID := map[string]news.FlashpointState{}
	for _, s := range states {
		byID[s.ID] = s
	}
	cs, err := st.Clusters(ctx, store.ClusterQuery{RunID: runID})
	if err != nil {
		return b, err
	}
	nc := map[string]int{}
	for _, c := range cs {
		nc[c.FlashpointID]++
	}
	for _, fp := range fps {
		// ArticleStatuses reads URLs and statuses only: no text, no
		// vectors, whatever the flashpoint's size.
		ss, err := st.ArticleStatuses(ctx, runID, fp.ID)
		if err != nil {
			return b, err
		}
		counts := map[news.Status]int{}
		for _, s := range ss {
			counts[s]++
		}
		s := byID[fp.ID]
		b.Flashpoints = append(b.Flashpoints, fpRow{
			ID: fp.ID, Title: fp.Title, Href: l.flashpoint(runID, fp.ID), State: s.State, Error: s.Error,
			Articles: statusCounts(counts, func(st news.Status) string { return l.missing(runID, fp.ID, st, 0) }),
			Total:    len(ss), Clusters: nc[fp.ID],
		})
	}
	return b, nil
}

// articleRow is one article in a list.
type articleRow struct {
	Anchor     string
	Title      string
	URL        string
	Domain     string
	Language   string
	Translated string
	ResolvedBy string
	Seen       string
	Status     news.Status
	Error      string
	Cluster    int
}

func articleRowOf(a *news.Article) articleRow {
	lang := cmp.Or(a.DetectedLang, a.Language)
	tr := "no"
	switch {
	case a.Translated && lang != "":
		tr = "yes, from " + lang + " to English"
	case a.Translated:
		tr = "yes, to English"
	case a.Status == news.StatusOK:
		tr = "no (read as " + cmp.Or(lang, "unknown") + ")"
	}
	return articleRow{
		Anchor: anchor("a", a.URL), Title: cmp.Or(a.Title, a.URL), URL: cmp.Or(a.FinalURL, a.URL),
		Domain: a.Domain, Language: lang, Translated: tr, ResolvedBy: cmp.Or(a.ResolvedBy, "—"),
		Seen: day(a.SeenDate), Status: a.Status, Error: a.Error, Cluster: a.ClusterID,
	}
}

// seenLayouts are the seen-date forms stored: RFC 3339 (what the input
// validator stores) and GDELT's compact forms (feeds handed to the
// pipeline directly, as the demo does).
var seenLayouts = []string{time.RFC3339, "20060102T150405Z", "20060102150405", time.DateOnly}

// day is a stored seen date's day in UTC (YYYY-MM-DD), or "" when it is
// unknown or unreadable.
func day(seen string) string {
	for _, l := range seenLayouts {
		if t, err := time.Parse(l, seen); err == nil {
			return t.UTC().Format(time.DateOnly)
		}
	}
	return ""
}

// clusterRow is one story cluster.
type clusterRow struct {
	news.Cluster
	Rank     int // 1 for the largest
	Anchor   string
	Color    string
	Href     string
	From, To string
	Articles []articleRow // the report lists them under the cluster
}

// flashpointBody is a flashpoint's page, and a section of the report.
type flashpointBody struct {
	Run           news.Run
	RunHref       string
	FP            news.Flashpoint
	Href          string
	Anchor        string
	State         news.FlashpointState
	Clusters      []clusterRow
	Map           mapView
	Timeline      timelineView
	Counts        []statusCount
	Total         int
	Missing       int
	MissingHref   string
	MissingAnchor string
	// The report's own list of what did not make it.
	MissingGroups []missingGroup
}

// loadFlashpoint reads one flashpoint's articles (without text) and
// clusters and builds everything its page shows. With l.report the
// clusters' articles and the missing groups are filled in too.
func loadFlashpoint(ctx context.Context, st store.Store, run news.Run, fp news.Flashpoint, state news.FlashpointState, l links, pageSize int) (flashpointBody, error) {
	arts, err := st.Articles(ctx, store.ArticleQuery{RunID: run.ID, FlashpointID: fp.ID, OmitText: true})
	if err != nil {
		return flashpointBody{}, err
	}
	cs, err := st.Clusters(ctx, store.ClusterQuery{RunID: run.ID, FlashpointID: fp.ID})
	if err != nil {
		return flashpointBody{}, err
	}
	return buildFlashpoint(ctx, run, fp, state, arts, cs, l, pageSize)
}

// buildFlashpoint is loadFlashpoint's work once the rows are read: what
// the render benchmark measures.
func buildFlashpoint(ctx context.Context, run news.Run, fp news.Flashpoint, state news.FlashpointState, arts []news.Article, cs []news.Cluster, l links, pageSize int) (flashpointBody, error) {
	b := flashpointBody{Run: run, RunHref: l.run(run.ID), FP: fp, Href: l.flashpoint(run.ID, fp.ID),
		Anchor: anchor("fp", fp.ID), State: state, Total: len(arts), MissingHref: l.missing(run.ID, fp.ID, "", 0),
		MissingAnchor: anchor("missing", fp.ID, "")}
	b.Clusters = rankClusters(fp.ID, cs, arts, func(c int) string { return l.cluster(run.ID, fp.ID, c) })
	counts := map[news.Status]int{}
	for i := range arts {
		counts[arts[i].Status]++
		if arts[i].Status != news.StatusOK {
			b.Missing++
		}
	}
	b.Counts = statusCounts(counts, func(s news.Status) string { return l.missing(run.ID, fp.ID, s, 0) })
	var err error
	if b.Map, err = buildMap(ctx, arts, b.Clusters); err != nil {
		return b, err
	}
	b.Timeline = buildTimeline(arts, b.Clusters)
	if l.report {
		idx := map[int]int{}
		for i, c := range b.Clusters {
			idx[c.ClusterID] = i
		}
		for i := range arts {
			if j, ok := idx[arts[i].ClusterID]; ok && arts[i].Status == news.StatusOK {
				b.Clusters[j].Articles = append(b.Clusters[j].Articles, articleRowOf(&arts[i]))
			}
		}
		b.MissingGroups = groupMissing(fp.ID, arts, func(s news.Status, _ int) string { return l.missing(run.ID, fp.ID, s, 0) }, "", 1, max(1, len(arts)))
	}
	return b, nil
}

// rankClusters orders clusters largest first and gives each its colour
// and its articles' date range.
func rankClusters(fpID string, cs []news.Cluster, arts []news.Article, href func(int) string) []clusterRow {
	rows := make([]clusterRow, len(cs))
	for i, c := range cs {
		rows[i] = clusterRow{Cluster: c, Href: href(c.ClusterID), Anchor: anchor("cl", fpID, strconv.Itoa(c.ClusterID))}
	}
	slices.SortStableFunc(rows, func(a, b clusterRow) int {
		return cmp.Or(cmp.Compare(b.ArticleCount, a.ArticleCount), cmp.Compare(a.ClusterID, b.ClusterID))
	})
	idx := map[int]int{}
	for i := range rows {
		rows[i].Rank = i + 1
		rows[i].Color = clusterColor(i)
		idx[rows[i].ClusterID] = i
	}
	for i := range arts {
		j, ok := idx[arts[i].ClusterID]
		d := day(arts[i].SeenDate)
		if !ok || d == "" || arts[i].Status != news.StatusOK {
			continue
		}
		if rows[j].From == "" || d < rows[j].From {
			rows[j].From = d
		}
		if d > rows[j].To {
			rows[j].To = d
		}
	}
	return rows
}

// pager links the pages of a long list.
type pager struct {
	Page, Pages    int
	Prev, Next     string
	First, Last, N int
	lo, hi         int // the page's items: [lo, hi)
}

func newPager(n, pg, size int, href func(int) string) pager {
	pages := max(1, (n+size-1)/size)
	pg = min(max(pg, 1), pages)
	lo, hi := min(n, (pg-1)*size), min(n, pg*size)
	p := pager{Page: pg, Pages: pages, N: n, First: min(n, lo+1), Last: hi, lo: lo, hi: hi}
	if pg > 1 {
		p.Prev = href(pg - 1)
	}
	if pg < pages {
		p.Next = href(pg + 1)
	}
	return p
}

type clusterBody struct {
	FP       flashpointBody
	Cluster  clusterRow
	Articles []articleRow
	Pager    pager
}

// missingGroup is the articles of one status that did not make it.
type missingGroup struct {
	Status   news.Status
	N        int
	Reasons  []reasonCount
	Articles []articleRow
	Pager    pager
	Anchor   string
}

type reasonCount struct {
	Reason string
	N      int
}

// maxReasons bounds the distinct reasons listed per status; the rest
// are counted as "other reasons".
const maxReasons = 20

// groupMissing groups the articles that are not ok by status, most
// first, with their reasons counted, and lists one page of each group
// (page pg of the group whose status is only, or the first page of
// each).
func groupMissing(fpID string, arts []news.Article, href func(news.Status, int) string, only news.Status, pg, size int) []missingGroup {
	by := map[news.Status][]int{}
	for i := range arts {
		if s := arts[i].Status; s != news.StatusOK && (only == "" || s == only) {
			by[s] = append(by[s], i)
		}
	}
	var out []missingGroup
	for s, idx := range by {
		g := missingGroup{Status: s, N: len(idx), Anchor: anchor("missing", fpID, string(s))}
		reasons := map[string]int{}
		for _, i := range idx {
			reasons[cmp.Or(arts[i].Error, "(no reason stored)")]++
		}
		for r, n := range reasons {
			g.Reasons = append(g.Reasons, reasonCount{r, n})
		}
		slices.SortFunc(g.Reasons, func(a, b reasonCount) int { return cmp.Or(cmp.Compare(b.N, a.N), cmp.Compare(a.Reason, b.Reason)) })
		if len(g.Reasons) > maxReasons {
			rest := 0
			for _, r := range g.Reasons[maxReasons:] {
				rest += r.N
			}
			g.Reasons = append(g.Reasons[:maxReasons], reasonCount{fmt.Sprintf("%d other reasons", len(g.Reasons)-maxReasons), rest})
		}
		g.Pager = newPager(len(idx), pg, size, func(p int) string { return href(s, p) })
		for _, i := range idx[g.Pager.lo:g.Pager.hi] {
			g.Articles = append(g.Articles, articleRowOf(&arts[i]))
		}
		out = append(out, g)
	}
	slices.SortFunc(out, func(a, b missingGroup) int { return cmp.Or(cmp.Compare(b.N, a.N), cmp.Compare(a.Status, b.Status)) })
	return out
}

type missingBody struct {
	Run      news.Run
	RunHref  string
	FP       *news.Flashpoint
	Groups   []missingGroup
	Statuses []statusCount
	AllHref  string
}

func timeParseDay(s string) (time.Time, error) { return time.Parse(time.DateOnly, s) }
