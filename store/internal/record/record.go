// Package record holds the row-level rules every store driver shares, so
// SQLite and PostgreSQL accept, normalise and encode the same values the
// same way: input checks that name the field at fault, text cleaning (valid
// UTF-8, no NUL: PostgreSQL rejects both, SQLite would keep them), merging of
// duplicate keys within one batch, the little-endian float32 embedding
// encoding, JSON lists and timings, the fixed-width time text SQLite stores,
// and the article query builder.
package record

import (
	"encoding/binary"
	"encoding/json"
	"fmt"
	"math"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/masx-ai/masx/news"
	"github.com/masx-ai/masx/store"
)

// Limits on keys. IDs are ours or come from input files; URLs come from
// hostile feeds and may be long (tracking parameters), so their cap is
// generous: PostgreSQL indexes them by hash, SQLite keeps long keys in
// overflow pages.
const (
	MaxIDBytes  = 256
	MaxURLBytes = 32 << 10
)

// TimeLayout is how SQLite stores times: UTC, microseconds (PostgreSQL's
// precision), fixed width so text order is time order.
const TimeLayout = "2006-01-02T15:04:05.000000Z"

// Now is the store's clock reading: UTC, truncated to microseconds so both
// drivers return the same value they were given.
func Now() time.Time { return time.Now().UTC().Truncate(time.Microsecond) }

// Norm makes t comparable across drivers: UTC, microseconds.
func Norm(t time.Time) time.Time {
	if t.IsZero() {
		return time.Time{}
	}
	return t.UTC().Truncate(time.Microsecond)
}

// FormatTime renders t in TimeLayout.
func FormatTime(t time.Time) string { return Norm(t).Format(TimeLayout) }

// Time converts a scanned time column: time.Time (PostgreSQL), string in
// TimeLayout (SQLite), or nil (NULL → zero time).
func Time(v any) (time.Time, error) {
	switch t := v.(type) {
	case nil:
		return time.Time{}, nil
	case time.Time:
		return Norm(t), nil
	case string:
		p, err := time.Parse(TimeLayout, t)
		if err != nil {
			return time.Time{}, fmt.Errorf("parsing stored time %q: %w", t, err)
		}
		return p, nil
	case []byte:
		return Time(string(t))
	default:
		return time.Time{}, fmt.Errorf("parsing stored time: unexpected %T", v)
	}
}

// Clean returns s as valid UTF-8 without NUL bytes: invalid bytes become
// U+FFFD and NULs are dropped. Valid text is returned as is, without
// copying.
func Clean(s string) string {
	if utf8.ValidString(s) && strings.IndexByte(s, 0) < 0 {
		return s
	}
	return strings.ReplaceAll(strings.ToValidUTF8(s, "\uFFFD"), "\x00", "")
}

// CleanList cleans every item, copying the slice only when an item changes.
func CleanList(l []string) []string {
	var out []string
	for i, s := range l {
		c := Clean(s)
		if c != s && out == nil {
			out = slices.Clone(l)
		}
		if out != nil {
			out[i] = c
		}
	}
	if out == nil {
		return l
	}
	return out
}

// EncodeEmbedding packs v as little-endian float32, bit for bit (NaN
// payloads and -0 survive). Empty gives nil, stored as NULL.
func EncodeEmbedding(v []float32) []byte {
	if len(v) == 0 {
		return nil
	}
	b := make([]byte, 0, 4*len(v))
	for _, f := range v {
		b = binary.LittleEndian.AppendUint32(b, math.Float32bits(f))
	}
	return b
}

// DecodeEmbedding reverses EncodeEmbedding; nil or empty gives nil.
func DecodeEmbedding(b []byte) ([]float32, error) {
	if len(b) == 0 {
		return nil, nil
	}
	if len(b)%4 != 0 {
		return nil, fmt.Errorf("decoding embedding: %d bytes is not a whole number of float32s", len(b))
	}
	v := make([]float32, len(b)/4)
	for i := range v {
		v[i] = math.Float32frombits(binary.LittleEndian.Uint32(b[4*i:]))
	}
	return v, nil
}

// EncodeList renders l as a JSON array; empty gives "[]" (MASX's column
// default), never "null".
func EncodeList(l []string) string {
	if len(l) == 0 {
		return "[]"
	}
	b, err := json.Marshal(l)
	if err != nil { // strings always marshal; keep the signature honest anyway
		panic(fmt.Sprintf("record: marshalling a string list: %v", err))
	}
	return string(b)
}

// DecodeList reads a JSON array of strings; null, empty or [] give nil.
func DecodeList(b []byte) ([]string, error) {
	if len(b) == 0 {
		return nil, nil
	}
	var l []string
	if err := json.Unmarshal(b, &l); err != nil {
		return nil, fmt.Errorf("decoding stored list %.40q: %w", b, err)
	}
	if len(l) == 0 {
		return nil, nil
	}
	return l, nil
}

// EncodeTimings renders m as a JSON object with sorted keys, or nil (NULL)
// when empty. Values must be finite (checked by Articles).
func EncodeTimings(m map[string]float64) ([]byte, error) {
	if len(m) == 0 {
		return nil, nil
	}
	b, err := json.Marshal(m)
	if err != nil {
		return nil, fmt.Errorf("encoding timings: %w", err)
	}
	return b, nil
}

// DecodeTimings reverses EncodeTimings; NULL or {} give nil.
func DecodeTimings(b []byte) (map[string]float64, error) {
	if len(b) == 0 {
		return nil, nil
	}
	var m map[string]float64
	if err := json.Unmarshal(b, &m); err != nil {
		return nil, fmt.Errorf("decoding stored timings %.40q: %w", b, err)
	}
	if len(m) == 0 {
		return nil, nil
	}
	return m, nil
}

// invalid builds an ErrInvalid error naming what broke which rule.
func invalid(format string, args ...any) error {
	return fmt.Errorf("%s: %w", fmt.Sprintf(format, args...), store.ErrInvalid)
}

// ID checks a required identifier.
func ID(field, v string) error {
	switch {
	case v == "":
		return invalid("%s is empty; want a non-empty ID", field)
	case len(v) > MaxIDBytes:
		return invalid("%s %.40q… is %d bytes; want at most %d", field, v, len(v), MaxIDBytes)
	case !utf8.ValidString(v) || strings.IndexByte(v, 0) >= 0:
		return invalid("%s %q is not valid UTF-8 text without NUL bytes", field, v)
	}
	return nil
}

// NonTerminal lists the statuses news.Status.Terminal reports false for
// (besides ""): the ones a stored terminal status is never replaced by.
var NonTerminal = []news.Status{news.StatusPending, news.StatusCancelled, news.StatusRetryLater}

// NonTerminalSQL is NonTerminal as an SQL list: ('pending','cancelled',…).
func NonTerminalSQL() string {
	q := make([]string, len(NonTerminal))
	for i, s := range NonTerminal {
		q[i] = "'" + string(s) + "'"
	}
	return "(" + strings.Join(q, ",") + ")"
}

// Status checks s is a known status (news.Statuses).
func Status(field string, s news.Status) error {
	if !s.Known() {
		return invalid("%s %q is not a known status; want one of %v", field, s, news.Statuses())
	}
	return nil
}

// Run checks and normalises a run for CreateRun: a new run is unfinished
// (running, or queued while its jobs are submitted) and on its first
// attempt.
func Run(r news.Run, now time.Time) (news.Run, error) {
	if err := ID("run ID", r.ID); err != nil {
		return r, err
	}
	switch r.State {
	case "":
		r.State = news.RunRunning
	case news.RunRunning, news.RunQueued:
	default:
		return r, invalid("run %q state %q; want running or queued (empty means running)", r.ID, r.State)
	}
	if r.Flashpoints < 0 || r.Articles < 0 {
		return r, invalid("run %q counts %d flashpoints, %d articles; want ≥ 0", r.ID, r.Flashpoints, r.Articles)
	}
	if r.StartedAt.IsZero() {
		r.StartedAt = now
	}
	r.StartedAt = Norm(r.StartedAt)
	r.FinishedAt = time.Time{}
	r.Attempt = 1
	r.Input = Clean(r.Input)
	r.Error = Clean(r.Error)
	return r, nil
}

// ResumeState checks the state ResumeRun was given.
func ResumeState(runID string, s news.RunState) error {
	if err := ID("run ID", runID); err != nil {
		return err
	}
	switch s {
	case news.RunRunning, news.RunQueued:
		return nil
	}
	return invalid("resuming run %q with state %q; want running or queued", runID, s)
}

// FinishState checks the state FinishRun was given.
func FinishState(runID string, s news.RunState) error {
	if err := ID("run ID", runID); err != nil {
		return err
	}
	if !s.Finished() {
		return invalid("finishing run %q with state %q; want completed, failed or cancelled", runID, s)
	}
	return nil
}

// FlashpointFinishState checks the arguments FinishFlashpoint was given.
func FlashpointFinishState(runID, flashpointID string, s news.RunState) error {
	if err := ID("run ID", runID); err != nil {
		return err
	}
	if err := ID("flashpoint ID", flashpointID); err != nil {
		return err
	}
	if !s.Finished() {
		return invalid("finishing run %q flashpoint %q with state %q; want completed, failed or cancelled", runID, flashpointID, s)
	}
	return nil
}

// OverLimit is AdmitFlashpoints' verdict once the unfinished flashpoints
// of live runs, counted with the new ones, are n: nil within limit, else
// store.ErrOverLimit saying both numbers.
func OverLimit(n, limit int) error {
	if n <= limit {
		return nil
	}
	return fmt.Errorf("%w: %d flashpoints would be unfinished, limit %d", store.ErrOverLimit, n, limit)
}

// NotWithdrawable is WithdrawRun's refusal of a stored run that is not
// queued in its first attempt.
func NotWithdrawable(state news.RunState, attempt int) error {
	return invalid("the run is %s in attempt %d; only a run never started (queued in attempt 1) can be withdrawn", state, attempt)
}

// Outcome is how a run ends once none of its total flashpoints is
// unfinished: completed when none of them failed to complete, else failed
// with a message that counts those that did not (notCompleted) and names
// the first of them in stored order (firstID) with its error, or with its
// state when it recorded no error, so the message never ends in a bare
// colon.
func Outcome(total, notCompleted int, firstID, firstErr string, firstState news.RunState) (news.RunState, string) {
	if notCompleted == 0 {
		return news.RunCompleted, ""
	}
	why := firstErr
	if why == "" {
		why = string(firstState)
	}
	return news.RunFailed, fmt.Sprintf("%d of %d flashpoint(s) did not complete; %s: %s", notCompleted, total, firstID, why)
}

// Flashpoints checks and cleans flashpoints for UpsertFlashpoints. Repeated
// IDs collapse into one entry at the first one's place holding the last
// one's values.
func Flashpoints(runID string, fps []news.Flashpoint) ([]news.Flashpoint, error) {
	if err := ID("run ID", runID); err != nil {
		return nil, err
	}
	out := make([]news.Flashpoint, 0, len(fps))
	at := make(map[string]int, len(fps))
	for i, fp := range fps {
		if err := ID(fmt.Sprintf("flashpoint %d ID", i), fp.ID); err != nil {
			return nil, err
		}
		fp.Title = Clean(fp.Title)
		fp.Description = Clean(fp.Description)
		fp.Entities = CleanList(fp.Entities)
		fp.Domains = CleanList(fp.Domains)
		fp.Feeds = nil
		if j, ok := at[fp.ID]; ok {
			out[j] = fp
			continue
		}
		at[fp.ID] = len(out)
		out = append(out, fp)
	}
	return out, nil
}

// Key identifies an article row.
type Key struct{ RunID, FlashpointID, URL string }

// KeyOf returns a's key.
func KeyOf(a *news.Article) Key { return Key{a.RunID, a.FlashpointID, a.URL} }

// Articles checks and cleans a PutArticles batch and merges entries with the
// same key the way the database applies them one after another: a later
// entry replaces an earlier one unless the earlier is terminal and the later
// is not. The merged entry keeps the first one's place. Empty statuses
// become pending.
func Articles(as []news.Article) ([]news.Article, error) {
	out := make([]news.Article, 0, len(as))
	at := make(map[Key]int, len(as))
	for i := range as {
		a := as[i]
		if err := article(i, &a); err != nil {
			return nil, err
		}
		k := KeyOf(&a)
		if j, ok := at[k]; ok {
			if !(out[j].Status.Terminal() && !a.Status.Terminal()) {
				out[j] = a
			}
			continue
		}
		at[k] = len(out)
		out = append(out, a)
	}
	return out, nil
}

func article(i int, a *news.Article) error {
	if err := ID(fmt.Sprintf("article %d run ID", i), a.RunID); err != nil {
		return err
	}
	if err := ID(fmt.Sprintf("article %d flashpoint ID", i), a.FlashpointID); err != nil {
		return err
	}
	switch {
	case a.URL == "":
		return invalid("article %d URL is empty; want the feed entry's URL", i)
	case len(a.URL) > MaxURLBytes:
		return invalid("article %d URL %.60q… is %d bytes; want at most %d", i, a.URL, len(a.URL), MaxURLBytes)
	case !utf8.ValidString(a.URL) || strings.IndexByte(a.URL, 0) >= 0:
		return invalid("article %d URL %q is not valid UTF-8 text without NUL bytes", i, a.URL)
	}
	if a.Status == "" {
		a.Status = news.StatusPending
	}
	if err := Status(fmt.Sprintf("article %d (%s) status", i, a.URL), a.Status); err != nil {
		return err
	}
	if math.IsNaN(a.LangConfidence) || math.IsInf(a.LangConfidence, 0) {
		return invalid("article %d (%s) language confidence %v; want a finite number", i, a.URL, a.LangConfidence)
	}
	if a.ClusterID < math.MinInt32 || a.ClusterID > math.MaxInt32 {
		return invalid("article %d (%s) cluster ID %d does not fit 32 bits", i, a.URL, a.ClusterID)
	}
	for k, v := range a.Timings {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return invalid("article %d (%s) timing %q is %v; want a finite number of milliseconds", i, a.URL, k, v)
		}
	}
	if len(a.Timings) > 0 {
		clean := true
		for k := range a.Timings {
			if Clean(k) != k {
				clean = false
				break
			}
		}
		if !clean {
			m := make(map[string]float64, len(a.Timings))
			for k, v := range a.Timings {
				m[Clean(k)] = v
			}
			a.Timings = m
		}
	}
	f := &a.Feed
	f.ID, f.Title, f.SeenDate, f.Domain = Clean(f.ID), Clean(f.Title), Clean(f.SeenDate), Clean(f.Domain)
	f.Language, f.SourceCountry, f.Description, f.Image = Clean(f.Language), Clean(f.SourceCountry), Clean(f.Description), Clean(f.Image)
	a.Error, a.ResolvedBy, a.FinalURL, a.DetectedLang = Clean(a.Error), Clean(a.ResolvedBy), Clean(a.FinalURL), Clean(a.DetectedLang)
	a.RawText, a.RawTextEN, a.CompressedText = Clean(a.RawText), Clean(a.RawTextEN), Clean(a.CompressedText)
	a.ProcessedText, a.Summary = Clean(a.ProcessedText), Clean(a.Summary)
	return nil
}

// Pairs returns the distinct (run, flashpoint) pairs of a checked batch, in
// first-seen order, so a driver can name a missing flashpoint precisely.
func Pairs(as []news.Article) [][2]string {
	var out [][2]string
	seen := map[[2]string]bool{}
	for i := range as {
		p := [2]string{as[i].RunID, as[i].FlashpointID}
		if !seen[p] {
			seen[p] = true
			out = append(out, p)
		}
	}
	return out
}

// Clusters checks and cleans a ReplaceClusters set.
func Clusters(runID, flashpointID string, cs []news.Cluster) ([]news.Cluster, error) {
	if err := ID("run ID", runID); err != nil {
		return nil, err
	}
	if err := ID("flashpoint ID", flashpointID); err != nil {
		return nil, err
	}
	out := make([]news.Cluster, len(cs))
	seen := make(map[int]bool, len(cs))
	for i, c := range cs {
		if c.RunID != "" && c.RunID != runID {
			return nil, invalid("cluster %d run ID %q; want empty or %q", i, c.RunID, runID)
		}
		if c.FlashpointID != "" && c.FlashpointID != flashpointID {
			return nil, invalid("cluster %d flashpoint ID %q; want empty or %q", i, c.FlashpointID, flashpointID)
		}
		if seen[c.ClusterID] {
			return nil, invalid("cluster %d repeats cluster ID %d; want unique IDs", i, c.ClusterID)
		}
		seen[c.ClusterID] = true
		if c.ArticleCount < 0 {
			return nil, invalid("cluster %d (ID %d) article count %d; want ≥ 0", i, c.ClusterID, c.ArticleCount)
		}
		if c.ClusterID < math.MinInt32 || c.ClusterID > math.MaxInt32 || c.ArticleCount > math.MaxInt32 {
			return nil, invalid("cluster %d (ID %d, count %d) does not fit 32 bits", i, c.ClusterID, c.ArticleCount)
		}
		c.RunID, c.FlashpointID = runID, flashpointID
		c.Summary = Clean(c.Summary)
		c.TopDomains, c.Languages = CleanList(c.TopDomains), CleanList(c.Languages)
		c.URLs, c.Images = CleanList(c.URLs), CleanList(c.Images)
		out[i] = c
	}
	return out, nil
}

// ClusterQuery checks q.
func ClusterQuery(q store.ClusterQuery) error {
	if err := ID("cluster query run ID", q.RunID); err != nil {
		return err
	}
	return nil
}
