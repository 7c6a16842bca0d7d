package jobs

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"regexp"
	"time"

	"github.com/masx-ai/masx/etl/input"
	"github.com/masx-ai/masx/etl/pipeline"
	"github.com/masx-ai/masx/news"
)

// This file shapes run requests the same way for every front end: the
// HTTP API and `masx run` both name runs with NewRunID, check dates with
// ParseMASXDate, filter flashpoints with KeepFlashpoints, and the process
// that waits for its own run cancels it with WaitOrCancel.

// runIDPattern is what ValidRunID accepts: it is safe in a URL path, a
// file name and a log line.
var runIDPattern = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$`)

// NewRunID returns a new run ID: "run-", the UTC time to the second and 8
// random hex digits, such as run-20250601-060000-ab12cd34. IDs made in the
// same second collide with probability 2^-32 per pair.
func NewRunID() string {
	var b [4]byte
	_, _ = rand.Read(b[:]) // never fails (crypto/rand)
	return "run-" + time.Now().UTC().Format("20060102-150405") + "-" + hex.EncodeToString(b[:])
}

// ValidRunID reports whether id is 1 to 128 letters, digits, '.', '_' or
// '-', starting with a letter or digit. NewRunID's IDs are; the HTTP API
// accepts no others.
func ValidRunID(id string) bool { return runIDPattern.MatchString(id) }

// ParseMASXDate parses the date of the MASX tables (YYYY-MM-DD, a
// calendar date from 1970 on). The error names the value and the expected
// form and wraps input.ErrInput.
func ParseMASXDate(s string) (time.Time, error) {
	d, err := time.Parse(time.DateOnly, s)
	if err != nil || d.Year() < 1970 {
		return time.Time{}, fmt.Errorf("%w: date %q: want YYYY-MM-DD, a calendar date from 1970 on", input.ErrInput, s)
	}
	return d, nil
}

// KeepFlashpoints returns the works whose flashpoint ID is one of ids, in
// input order, in a new slice; with no ids, works itself. An ID that is
// not among the works is an input error naming it.
func KeepFlashpoints(works []pipeline.Work, ids []string) ([]pipeline.Work, error) {
	return keepIDs(works, ids, func(w pipeline.Work) string { return w.Flashpoint.ID })
}

func keepIDs[T any](xs []T, ids []string, idOf func(T) string) ([]T, error) {
	if len(ids) == 0 {
		return xs, nil
	}
	want := make(map[string]bool, len(ids))
	for _, id := range ids {
		want[id] = false
	}
	var out []T
	for _, x := range xs {
		id := idOf(x)
		if _, ok := want[id]; ok {
			want[id] = true
			out = append(out, x)
		}
	}
	for _, id := range ids {
		if !want[id] {
			return nil, fmt.Errorf("%w: flashpoint ID %q is not in this input", input.ErrInput, id)
		}
	}
	return out, nil
}

// WaitOrCancel waits for run runID like Wait, for the process that
// submitted the run and exists for it (`masx run`). When ctx ends first
// (Ctrl-C, SIGTERM), the run is cancelled rather than left to others:
//
//   - this Jobs stops at once, without a grace period: its in-flight jobs
//     are cancelled and their articles stored as cancelled;
//   - the run is recorded cancelled, so its jobs still queued, here or on
//     other workers, end without work.
//
// Submitting the same run ID again resumes it: completed flashpoints and
// finished articles are kept. The error then wraps ctx's.
//
// A flashpoint that failed here for lack of disk space fails its run in
// the store; when even that cannot be written, WaitOrCancel returns that
// failure (wrapping store.ErrNoSpace) instead of waiting for a run the
// store will show running until it is resumed. A process that
// serves many runs (`masx worker`, `masx serve`) drains with Stop instead
// and leaves its runs to finish elsewhere.
func (j *Jobs) WaitOrCancel(ctx context.Context, runID string, every time.Duration) (news.Run, error) {
	wctx, stop := context.WithCancelCause(ctx)
	defer stop(nil)
	r, err := Wait(wctx, j.deps.Store, runID, every, func(news.Run) {
		if f := j.unrecorded(runID); f != nil {
			stop(f)
		}
	})
	if f := j.unrecorded(runID); err != nil && ctx.Err() == nil && f != nil {
		return r, fmt.Errorf("jobs: %w", f)
	}
	if err == nil || ctx.Err() == nil {
		return r, err
	}
	// A context that has already ended: Stop skips the grace period.
	sctx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	cancel()
	if serr := j.Stop(sctx); serr != nil && !errors.Is(serr, context.Canceled) {
		j.log.Warn("jobs: stopping the jobs of a cancelled run", "run", runID, "err", serr)
	}
	fctx, fcancel := context.WithTimeout(context.WithoutCancel(ctx), 30*time.Second)
	defer fcancel()
	if ferr := j.deps.Store.FinishRun(fctx, runID, news.RunCancelled, "interrupted: "+ctx.Err().Error()); ferr != nil {
		j.log.Warn("jobs: recording the cancelled run", "run", runID, "err", ferr)
	} else {
		r.State = news.RunCancelled
	}
	return r, fmt.Errorf("jobs: run %s cancelled: %w", runID, ctx.Err())
}
