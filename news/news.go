// Package news holds the ETL's domain types: flashpoints, the feed entries
// (articles) that come with them, the per-article results the pipeline
// produces, clusters, and runs. Input parsers, the pipeline and every store
// share these types, and this package imports nothing of masx, so storage
// never depends on the ETL.
//
// The field set follows the MASX original (docs/design.md, "Data model"): a
// feed's GDELT-shaped columns, its text at each stage, its summary and
// embedding; a cluster's summary, article count, top domains, languages,
// URLs and images.
package news

import (
	"fmt"
	"net/url"
	"slices"
	"strings"
	"time"
)

// Flashpoint is a world hotspot and the news feed entries collected for it.
type Flashpoint struct {
	ID          string   `json:"id"`
	Title       string   `json:"title"`
	Description string   `json:"description,omitempty"`
	Entities    []string `json:"entities,omitempty"`
	Domains     []string `json:"domains,omitempty"`
	Feeds       []Feed   `json:"feeds,omitempty"`
}

// Feed is one input article reference, GDELT-shaped. URL and Title are
// required; Domain is derived from URL when missing.
type Feed struct {
	ID            string `json:"id,omitempty"`
	FlashpointID  string `json:"flashpoint_id,omitempty"`
	URL           string `json:"url"`
	Title         string `json:"title"`
	SeenDate      string `json:"seendate,omitempty"`
	Domain        string `json:"domain,omitempty"`
	Language      string `json:"language,omitempty"`
	SourceCountry string `json:"sourcecountry,omitempty"`
	Description   string `json:"description,omitempty"`
	Image         string `json:"image,omitempty"`
}

// Status is where an article ended. Every input article ends with exactly
// one, stored with the reason when it failed.
type Status string

// Article statuses.
const (
	StatusOK             Status = "ok"              // processed; has a summary and an embedding
	StatusDroppedShort   Status = "dropped_short"   // extracted text under MASX_MIN_TEXT_CHARS
	StatusFetchFailed    Status = "fetch_failed"    // neither HTTP nor the browser got the page
	StatusBlocked        Status = "blocked"         // refused by the SSRF guard or robots.txt
	StatusTooLarge       Status = "too_large"       // the page passed a size or memory cap (MASX_MAX_PAGE_BYTES)
	StatusExtractFailed  Status = "extract_failed"  // page fetched but no article text found
	StatusExtractTimeout Status = "extract_timeout" // extraction passed MASX_EXTRACT_TIMEOUT
	StatusFailed         Status = "failed"          // a later stage failed (language, summary, vector)
	StatusDuplicate      Status = "duplicate"       // same URL already in this flashpoint
	StatusInvalid        Status = "invalid"         // the input record was unusable
	StatusCancelled      Status = "cancelled"       // the run stopped while the article was in flight
	StatusRetryLater     Status = "retry_later"     // refused for now (robots.txt unreachable); the next attempt retries it
	StatusPending        Status = "pending"         // not finished yet
)

// statuses lists every Status, in the order of the constants above.
var statuses = [...]Status{
	StatusOK, StatusDroppedShort, StatusFetchFailed, StatusBlocked, StatusTooLarge,
	StatusExtractFailed, StatusExtractTimeout, StatusFailed, StatusDuplicate, StatusInvalid,
	StatusCancelled, StatusRetryLater, StatusPending,
}

// Statuses returns every article status, in a new slice the caller may
// keep or change.
func Statuses() []Status { return slices.Clone(statuses[:]) }

// Known reports whether s is one of Statuses.
func (s Status) Known() bool { return slices.Contains(statuses[:], s) }

// Terminal reports whether s is final: a rerun skips such articles.
func (s Status) Terminal() bool {
	return s != StatusPending && s != StatusCancelled && s != StatusRetryLater && s != ""
}

// Article is a feed entry with everything the pipeline learned about it.
type Article struct {
	Feed
	RunID          string  `json:"run_id"`
	Status         Status  `json:"status"`
	Error          string  `json:"error,omitempty"`
	ResolvedBy     string  `json:"resolved_by,omitempty"` // http or browser
	FinalURL       string  `json:"final_url,omitempty"`
	DetectedLang   string  `json:"detected_language,omitempty"`
	LangConfidence float64 `json:"language_confidence,omitempty"`
	RawText        string  `json:"raw_text,omitempty"`
	RawTextEN      string  `json:"raw_text_en,omitempty"`
	Translated     bool    `json:"translated"`
	// Translator is the backend that translated the article, or was
	// asked to and could not ("apertium"; "none" when none is
	// configured); empty for English articles, which need none.
	Translator string `json:"translator,omitempty"`
	// TranslationError says why a non-English article is not translated
	// ("unsupported language pair fr→en", a server that kept failing).
	TranslationError string `json:"translation_error,omitempty"`
	// TextUsed says which text ProcessedText, the summary, the vector and
	// so the cluster come from.
	TextUsed       TextUsed           `json:"text_used,omitempty"`
	CompressedText string             `json:"compressed_text,omitempty"`
	ProcessedText  string             `json:"processed_text,omitempty"`
	Summary        string             `json:"summary,omitempty"`
	Embedding      []float32          `json:"embedding,omitempty"`
	ClusterID      int                `json:"cluster_id"`        // -1 noise or not clustered
	Timings        map[string]float64 `json:"timings,omitempty"` // stage → milliseconds
	CreatedAt      time.Time          `json:"created_at"`
	UpdatedAt      time.Time          `json:"updated_at"`
}

// TextUsed names the text an article was analysed in.
type TextUsed string

// The texts an article can be analysed in.
const (
	// TextOriginal: the article's own text, English or not (English
	// articles, and articles no translator could translate).
	TextOriginal TextUsed = "original"
	// TextTranslation: the English translation (RawTextEN).
	TextTranslation TextUsed = "translation"
)

// Cluster is one group of a flashpoint's articles with its summary.
type Cluster struct {
	RunID        string    `json:"run_id"`
	FlashpointID string    `json:"flashpoint_id"`
	ClusterID    int       `json:"cluster_id"`
	Summary      string    `json:"summary"`
	ArticleCount int       `json:"article_count"`
	TopDomains   []string  `json:"top_domains"`
	Languages    []string  `json:"languages"`
	URLs         []string  `json:"urls"`
	Images       []string  `json:"images"`
	CreatedAt    time.Time `json:"created_at"`
}

// RunState is a run's lifecycle state.
type RunState string

// Run states. In job mode (one job per flashpoint) a run is queued while
// its flashpoints are still being submitted, so the first jobs to finish
// cannot mistake a half-submitted run for a finished one; it becomes
// running once submission is complete and finishes when its last
// flashpoint does.
const (
	RunQueued    RunState = "queued" // its flashpoints are still being submitted as jobs; it cannot finish yet
	RunRunning   RunState = "running"
	RunCompleted RunState = "completed"
	RunFailed    RunState = "failed"
	RunCancelled RunState = "cancelled"
)

// Finished reports whether s is final (completed, failed or cancelled):
// a finished run or flashpoint changes no more, until a run is resumed.
func (s RunState) Finished() bool {
	return s == RunCompleted || s == RunFailed || s == RunCancelled
}

// Run is one execution of the pipeline over a set of flashpoints.
type Run struct {
	ID    string   `json:"id"`
	State RunState `json:"state"`
	// Attempt is 1 when the run is created and grows by one with each
	// resume. Job arguments carry it, so a job left over from a superseded
	// attempt can tell and step aside.
	Attempt     int       `json:"attempt"`
	Input       string    `json:"input,omitempty"` // where the flashpoints came from
	Flashpoints int       `json:"flashpoints"`
	Articles    int       `json:"articles"`
	Error       string    `json:"error,omitempty"`
	StartedAt   time.Time `json:"started_at"`
	FinishedAt  time.Time `json:"finished_at,omitzero"`
}

// FlashpointState is how far one flashpoint of a run got.
type FlashpointState struct {
	ID         string    `json:"id"`
	State      RunState  `json:"state"` // running (unfinished), completed, failed or cancelled
	Error      string    `json:"error,omitempty"`
	FinishedAt time.Time `json:"finished_at,omitzero"`
}

// DomainOf returns the host of rawURL without a leading "www.", lowercased,
// or an error naming the URL when it has no host.
func DomainOf(rawURL string) (string, error) {
	u, err := url.Parse(strings.TrimSpace(rawURL))
	if err != nil {
		return "", fmt.Errorf("url %q: %w", rawURL, err)
	}
	h := strings.ToLower(u.Hostname())
	if h == "" {
		return "", fmt.Errorf("url %q: want an absolute http(s) URL with a host", rawURL)
	}
	return strings.TrimPrefix(h, "www."), nil
}
