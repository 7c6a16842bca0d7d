// Package input turns what a user hands masx — a file of flashpoints, a
// GDELT-shaped export, an RSS or Atom feed — into news.Flashpoint values
// with validated, deduplicated feeds, and says precisely what it left out
// and why. The input is a file or a feed a user hands in, so it is hostile
// until checked.
//
// # Formats
//
//   - JSON: one document holding a flashpoint object, an array of them, or
//     {"flashpoints": […]} (other keys ignored). A flashpoint is
//     {id, title, description, entities, domains, feeds: [feed…]}; a feed is
//     {url, title, seendate, domain, language, sourcecountry, description,
//     image, id}. Several documents in a row are read in turn.
//   - JSONL (.jsonl, .ndjson): one flashpoint per line.
//   - Flat feed records, in JSON or JSONL: feeds that carry flashpoint_id
//     (and optionally flashpoint_title), as the original's feed tables did.
//     They are grouped into flashpoints in first-seen order. A file holds
//     either flashpoint records or flat records; a record of the other kind
//     is reported and skipped.
//   - CSV with a header naming GDELT columns: url, title, seendate, domain,
//     language, sourcecountry, description, image, and optionally id,
//     flashpoint_id, flashpoint_title — in any order and case, comma, tab or
//     semicolon separated, UTF-8 BOM and CRLF tolerated, quoted fields may
//     span lines. Other columns are ignored with one warning.
//   - RSS, Atom (and JSON Feed) through gofeed, from a file or, with
//     Options.HTTPClient, a URL (FromFeed).
//
// Rows and feed items that name no flashpoint belong to one flashpoint
// titled Options.Flashpoint, else the feed's title, else the file name
// without its extension.
//
// Detection: a forced Options.Format wins; else the extension; else the
// first non-space bytes: '[' is JSON, '{' is JSONL when the first line is a
// complete JSON value and a JSON document otherwise, '<' is a feed, and a
// first line with a url column is CSV. Anything else is an ErrInput error.
//
// # Validation
//
// A feed needs an absolute http(s) URL with a plausible host, no user
// info and at most MaxURLBytes (javascript:, data:, file:, relative URLs
// and the like are invalid), and a title. Text is made valid UTF-8, control
// characters (NUL included, which PostgreSQL text cannot hold) removed,
// titles made one line, and values cut to MaxTitleRunes, MaxTextRunes or
// MaxShortRunes with a warning. The domain is derived from the URL when
// missing. seendate is accepted as GDELT's 20250102T150405Z (or its
// 14-digit form), RFC 3339, or 2006-01-02 15:04:05 (UTC when no zone is
// given) and stored as RFC 3339 in UTC; a date that cannot be read is
// dropped with a warning rather than kept as it was, so a non-empty
// SeenDate is always RFC 3339. An image that is not an http(s) URL is
// dropped with a warning. language is free text (GDELT says "English").
//
// A flashpoint record needs a title. Its ID is kept if given (string or
// number); otherwise it is derived from the title (FlashpointID: a UUIDv5
// of the lowercased, space-collapsed title in a fixed masx namespace), so
// reruns agree. A feed without an ID gets FeedID(flashpoint ID, normalised
// URL). A flashpoint ID read twice makes the later record invalid.
//
// Feeds whose URLs normalise alike (NormalizeURL: scheme and host
// lowercased, default port and fragment dropped, query kept) are kept once
// per flashpoint; the later ones come back as duplicates. Every feed left
// out — invalid or duplicate — comes back as a Dropped with its Problem
// and a distinct ID (in Result.Duplicates / Result.Invalid, or per
// flashpoint in Item), so the pipeline can store every input article with
// a status.
//
// # Errors and problems
//
// Bad records are skipped and reported as Problems, whose messages name
// the file, the line (JSONL, CSV) or the record (JSON arrays, feed items),
// the feed within the record, the field and the value:
//
//	flashpoints.jsonl:12: feed 3: url "ftp://x": want an absolute http(s) URL
//
// The read fails, with an error wrapping ErrInput and naming the path, when
// the file is missing or unreadable, the format cannot be told, the input
// is over Options.MaxBytes (default 256 MiB), a CSV header lacks url or
// title, a JSON document is syntactically broken (unlike JSONL there is no
// next line to resume at), a feed cannot be parsed or fetched, or not one
// valid feed was found. Cancellation returns ctx's error, not ErrInput.
//
// # Memory and cost
//
// Nothing reads a whole file at once: JSONL and CSV go line by line (lines
// over Options.MaxLineBytes, default 4 MiB, are reported and skipped) and
// JSON arrays element by element. Stream and StreamItems hand flashpoint
// records over as they are read, so memory stays at about one record plus
// the set of flashpoint IDs seen (TestStreamBoundedMemory). Flat formats must be grouped before
// any flashpoint is complete, so they are held in memory — about 600 bytes
// of live heap per feed (BenchmarkGroupedFeedBytes) — up to
// Options.MaxGroupedFeeds (default 1,000,000, about 600 MB); more is an
// ErrInput error that suggests flashpoint JSONL instead.
//
// Parsing a feed costs orders of magnitude less than fetching its article
// (BenchmarkStreamJSONL, BenchmarkLoadCSV; docs/performance.md).
//
// gofeed is foreign code parsing hostile input: a panic in it becomes an
// error. Fuzz targets (FuzzJSON, FuzzJSONL, FuzzCSV, FuzzFeed, FuzzDetect)
// check that no input panics, that every failure wraps ErrInput, and that
// whatever is kept holds the invariants above.
package input
