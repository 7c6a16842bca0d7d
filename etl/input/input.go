package input

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net/http"
	"os"
	"path/filepath"
	"strings"

	"github.com/masx-ai/masx/crawl/fetch"
	"github.com/masx-ai/masx/news"
)

// Format is an input format.
type Format string

// Formats. FormatAuto detects the format from the file name and content.
const (
	FormatAuto  Format = ""
	FormatJSON  Format = "json"  // one document: a flashpoint, an array of them, {"flashpoints":[…]}, or flat feed records
	FormatJSONL Format = "jsonl" // one flashpoint or flat feed record per line
	FormatCSV   Format = "csv"   // GDELT-shaped rows with a header
	FormatFeed  Format = "feed"  // RSS or Atom (or JSON Feed) via gofeed
)

// ParseFormat parses a --format flag value: auto (or empty), json, jsonl
// (or ndjson), csv, feed (or rss, atom, xml). Case does not matter.
func ParseFormat(s string) (Format, error) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "", "auto":
		return FormatAuto, nil
	case "json":
		return FormatJSON, nil
	case "jsonl", "ndjson":
		return FormatJSONL, nil
	case "csv":
		return FormatCSV, nil
	case "feed", "rss", "atom", "xml":
		return FormatFeed, nil
	}
	return "", fmt.Errorf("%w: format %q: want auto, json, jsonl, csv or feed", ErrInput, s)
}

func (f Format) valid() bool {
	switch f {
	case FormatAuto, FormatJSON, FormatJSONL, FormatCSV, FormatFeed:
		return true
	}
	return false
}

// Defaults of Options' zero fields.
const (
	DefaultMaxBytes = 256 << 20
	// DefaultMaxFeedBytes caps a fetched feed. A feed is parsed whole, in
	// memory, at about six times its size (a 250 MiB feed took 1.66 GB),
	// and a real RSS or Atom feed is a few hundred kilobytes, so 16 MiB
	// leaves ample room while a compression bomb stays harmless.
	DefaultMaxFeedBytes    = 16 << 20
	DefaultMaxLineBytes    = 4 << 20
	DefaultMaxGroupedFeeds = 1_000_000
	DefaultMaxProblems     = 1000
	// DefaultUserAgent is the fetcher's: masx sends one User-Agent.
	DefaultUserAgent = fetch.DefaultUserAgent
)

// Options tune reading. The zero value is ready to use.
type Options struct {
	// Format forces a format for Load and Stream. Default FormatAuto: by
	// extension (.json; .jsonl, .ndjson; .csv; .xml, .rss, .atom), else by
	// the first non-space bytes. Within JSON, the line structure decides
	// between one document and JSONL.
	Format Format
	// Flashpoint titles the flashpoint of rows and feed items that name
	// none (CSV without flashpoint columns, flat records without
	// flashpoint_id, RSS/Atom items). Default: for a feed, its title; else
	// the file name without its extension. Records that carry their own
	// flashpoint ignore it.
	Flashpoint string
	// MaxBytes caps the input size; more is an ErrInput error. Default
	// 256 MiB.
	MaxBytes int64
	// MaxFeedBytes caps a feed fetched by FromFeed, counted after
	// decompression; more is an ErrInput error. Default 16 MiB
	// (DefaultMaxFeedBytes). Local files keep MaxBytes.
	MaxFeedBytes int64
	// MaxLineBytes caps one JSONL line or CSV record; a longer one is
	// reported and skipped. Default 4 MiB.
	MaxLineBytes int
	// MaxGroupedFeeds caps the feeds of flat formats (CSV, flat feed
	// records, feed items) held in memory while they are grouped by
	// flashpoint; more is an ErrInput error. Default 1,000,000 (about
	// 600 MB of feeds; see the package doc).
	MaxGroupedFeeds int
	// MaxProblems caps Summary.Problems; the rest are only counted.
	// Default 1000.
	MaxProblems int
	// HTTPClient fetches feed URLs in FromFeed. Default nil: URLs are
	// refused with ErrRemoteDisabled and only local files are read. Pass
	// the SSRF-guarded client.
	HTTPClient *http.Client
	// UserAgent is sent when fetching a feed. Default DefaultUserAgent.
	UserAgent string
}

func (o Options) withDefaults() (Options, error) {
	if !o.Format.valid() {
		return o, fmt.Errorf("%w: Options.Format %q: want auto, json, jsonl, csv or feed", ErrInput, o.Format)
	}
	for _, c := range []struct {
		name string
		v    int64
	}{
		{"MaxBytes", o.MaxBytes}, {"MaxFeedBytes", o.MaxFeedBytes}, {"MaxLineBytes", int64(o.MaxLineBytes)},
		{"MaxGroupedFeeds", int64(o.MaxGroupedFeeds)}, {"MaxProblems", int64(o.MaxProblems)},
	} {
		if c.v < 0 {
			return o, fmt.Errorf("%w: Options.%s: want ≥ 0 (0 means the default), got %d", ErrInput, c.name, c.v)
		}
	}
	if o.MaxBytes == 0 {
		o.MaxBytes = DefaultMaxBytes
	}
	if o.MaxFeedBytes == 0 {
		o.MaxFeedBytes = DefaultMaxFeedBytes
	}
	if o.MaxLineBytes == 0 {
		o.MaxLineBytes = DefaultMaxLineBytes
	}
	if o.MaxGroupedFeeds == 0 {
		o.MaxGroupedFeeds = DefaultMaxGroupedFeeds
	}
	if o.MaxProblems == 0 {
		o.MaxProblems = DefaultMaxProblems
	}
	if o.UserAgent == "" {
		o.UserAgent = DefaultUserAgent
	}
	o.Flashpoint = strings.TrimSpace(o.Flashpoint)
	return o, nil
}

// Dropped is an input feed left out of its flashpoint, with why. The
// pipeline stores it with status duplicate or invalid, so every input
// article ends in storage. FlashpointID is set; ID is the given one or a
// derived one that differs from every kept feed's.
type Dropped struct {
	news.Feed
	Problem Problem `json:"problem"`
}

// Item is one flashpoint as read: its valid, deduplicated feeds, and the
// feeds left out of it.
type Item struct {
	Flashpoint news.Flashpoint
	Duplicates []Dropped
	Invalid    []Dropped
}

// Summary counts what was read.
type Summary struct {
	File   string `json:"file"`
	Format Format `json:"format"`
	// NumRecords counts records read: flashpoint objects, or feed rows and
	// items for flat formats (skipped ones included, blank lines not).
	NumRecords int `json:"num_records"`
	// NumInvalidRecords counts records skipped whole: malformed lines,
	// flashpoints without a title, rows without a usable flashpoint.
	NumInvalidRecords int `json:"num_invalid_records"`
	NumFlashpoints    int `json:"num_flashpoints"` // flashpoints passed on
	NumFeeds          int `json:"num_feeds"`       // valid feeds passed on
	NumDuplicates     int `json:"num_duplicates"`  // feeds dropped as duplicates
	NumInvalid        int `json:"num_invalid"`     // feeds dropped as invalid
	NumWarnings       int `json:"num_warnings"`
	// Problems lists the first Options.MaxProblems problems, in input
	// order; ProblemsOmitted counts the rest.
	Problems        []Problem `json:"problems,omitempty"`
	ProblemsOmitted int       `json:"problems_omitted,omitempty"`
}

// Result is everything read from one input.
type Result struct {
	Summary
	Flashpoints []news.Flashpoint `json:"flashpoints"`
	Duplicates  []Dropped         `json:"duplicates,omitempty"`
	Invalid     []Dropped         `json:"invalid,omitempty"`
}

func (r *Result) add(it Item) error {
	r.Flashpoints = append(r.Flashpoints, it.Flashpoint)
	r.Duplicates = append(r.Duplicates, it.Duplicates...)
	r.Invalid = append(r.Invalid, it.Invalid...)
	return nil
}

// Load reads every flashpoint in the file at path. The returned Result is
// never nil: on error it holds what was read before it, with the Problems.
// Errors that are the input's fault wrap ErrInput.
func Load(ctx context.Context, path string, opts Options) (*Result, error) {
	res := &Result{}
	sum, err := StreamItems(ctx, path, opts, res.add)
	res.Summary = sum
	return res, err
}

// Read is Load for a reader; name is used in messages, to detect the
// format by extension and to title a default flashpoint. format overrides
// opts.Format unless it is FormatAuto.
func Read(ctx context.Context, r io.Reader, name string, format Format, opts Options) (*Result, error) {
	res := &Result{}
	sum, err := StreamReader(ctx, r, name, format, opts, res.add)
	res.Summary = sum
	return res, err
}

// Stream calls fn with each flashpoint in the file at path, in input order,
// without holding the file in memory. For JSONL and JSON arrays of
// flashpoint records memory stays at about one record; flat formats (CSV,
// flat feed records, RSS/Atom) must be grouped by flashpoint first, so they
// are held in memory up to Options.MaxGroupedFeeds and emitted at the end,
// in first-seen order. An error from fn stops reading and is returned
// wrapped. Feeds left out (duplicates, invalid) are only counted; use
// StreamItems to receive them.
func Stream(ctx context.Context, path string, opts Options, fn func(news.Flashpoint) error) (Summary, error) {
	return StreamItems(ctx, path, opts, func(it Item) error { return fn(it.Flashpoint) })
}

// StreamItems is Stream that also hands over each flashpoint's dropped
// feeds.
func StreamItems(ctx context.Context, path string, opts Options, fn func(Item) error) (Summary, error) {
	sum := Summary{File: path}
	opts, err := opts.withDefaults()
	if err != nil {
		return sum, fmt.Errorf("reading %s: %w", path, err)
	}
	f, err := os.Open(path)
	if err != nil {
		return sum, openError(path, err)
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return sum, openError(path, err)
	}
	if st.IsDir() {
		return sum, fmt.Errorf("reading %s: %w: is a directory, want a file", path, ErrInput)
	}
	if st.Mode().IsRegular() && st.Size() > opts.MaxBytes {
		return sum, fmt.Errorf("reading %s: %w: %d bytes, over the %d-byte limit (Options.MaxBytes)",
			path, ErrInput, st.Size(), opts.MaxBytes)
	}
	return stream(ctx, f, path, opts.Format, opts, fn)
}

// StreamReader is StreamItems for a reader; see Read for name and format.
func StreamReader(ctx context.Context, r io.Reader, name string, format Format, opts Options, fn func(Item) error) (Summary, error) {
	if format == FormatAuto {
		format = opts.Format
	}
	opts, err := opts.withDefaults()
	if err != nil {
		return Summary{File: name}, fmt.Errorf("reading %s: %w", name, err)
	}
	if !format.valid() {
		return Summary{File: name}, fmt.Errorf("reading %s: %w: format %q: want auto, json, jsonl, csv or feed", name, ErrInput, format)
	}
	return stream(ctx, r, name, format, opts, fn)
}

func openError(path string, err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		err = pe.Err // the path is already in our message
	}
	return fmt.Errorf("opening %s: %w: %w", path, ErrInput, err)
}

// defaultTitle is the flashpoint title derived from a file name.
func defaultTitle(name string) string {
	base := filepath.Base(name)
	if ext := filepath.Ext(base); ext != "" && ext != base {
		base = strings.TrimSuffix(base, ext)
	}
	if t, _ := cleanLine(base, MaxTitleRunes); t != "" && t != "." && t != "/" {
		return t
	}
	return "input"
}
