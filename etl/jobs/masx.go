package jobs

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/masx-ai/masx/etl/input"
	"github.com/masx-ai/masx/etl/pipeline"
	"github.com/masx-ai/masx/news"
	"github.com/masx-ai/masx/store"
)

// MASXReader is implemented by stores that can read the original MASX
// daily input tables flash_point_YYYYMMDD and feed_entries_YYYYMMDD
// (*postgres.Store).
type MASXReader interface {
	ReadMASXFlashpoints(ctx context.Context, date time.Time) ([]news.Flashpoint, error)
}

// MASXWorks reads the flashpoints and feeds of date (YYYY-MM-DD) from st's
// MASX tables and validates them exactly as file input is validated:
// invalid and duplicate feeds become dropped work, stored with their
// reason. ids, when not empty, keeps only those flashpoints, as
// KeepFlashpoints does; an id that is not in the tables is an input error
// naming it.
func MASXWorks(ctx context.Context, st store.Store, date string, ids []string) ([]pipeline.Work, input.Summary, error) {
	var sum input.Summary
	d, err := ParseMASXDate(date)
	if err != nil {
		return nil, sum, err
	}
	r, ok := st.(MASXReader)
	if !ok {
		return nil, sum, fmt.Errorf("%w: date %s: the MASX tables live in PostgreSQL; this store (%T) has none", input.ErrInput, date, st)
	}
	fps, err := r.ReadMASXFlashpoints(ctx, d)
	if err != nil {
		return nil, sum, fmt.Errorf("reading MASX tables of %s: %w", date, err)
	}
	// Filtered before validation, so the summary counts only the
	// flashpoints asked for.
	if fps, err = keepIDs(fps, ids, func(fp news.Flashpoint) string { return fp.ID }); err != nil {
		return nil, sum, fmt.Errorf("flash_point_%s: %w", d.Format("20060102"), err)
	}
	// The tables come from another system: the same validation as a file
	// (URL checks, duplicates, sizes) applies, through the JSON reader.
	raw, err := json.Marshal(fps)
	if err != nil {
		return nil, sum, fmt.Errorf("encoding MASX flashpoints: %w", err)
	}
	res, err := input.Read(ctx, bytes.NewReader(raw), "flash_point_"+d.Format("20060102"), input.FormatJSON, input.Options{})
	if err != nil {
		return nil, res.Summary, err
	}
	return WorksFrom(res), res.Summary, nil
}
