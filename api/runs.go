package api

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/masx-ai/masx/etl/input"
	"github.com/masx-ai/masx/etl/jobs"
	"github.com/masx-ai/masx/etl/pipeline"
	"github.com/masx-ai/masx/news"
	"github.com/masx-ai/masx/store"
)

// RunRequest is the body of POST /v1/runs. Exactly one of Date and Input
// is required.
type RunRequest struct {
	// RunID names the run (letters, digits, '.', '_', '-'; at most 128,
	// starting with a letter or digit). Empty: a new ID. A stored ID
	// resumes that run: completed flashpoints are kept.
	RunID string `json:"run_id,omitempty"`
	// Date (YYYY-MM-DD) reads that day's flashpoints and feeds from the
	// MASX tables; the clusters also go to news_clusters_YYYYMMDD.
	Date string `json:"date,omitempty"`
	// FlashpointIDs, when set, keeps only these flashpoints; one that is
	// not in the input is an error naming it.
	FlashpointIDs []string `json:"flashpoint_ids,omitempty"`
	// Input is flashpoints with their feeds, as `masx run --input` reads
	// them from a JSON file: an array, one flashpoint object, or
	// {"flashpoints": [...]}.
	Input json.RawMessage `json:"input,omitempty"`
}

// RunAccepted is the 202 answer to a submitted run.
type RunAccepted struct {
	RunID string        `json:"run_id"`
	State news.RunState `json:"state"`
	// Attempt is 1 for a new run and grows with each resume.
	Attempt int `json:"attempt"`
	// Flashpoints is how many the run has; Queued how many got a job;
	// Done how many an earlier attempt already completed.
	Flashpoints int    `json:"flashpoints"`
	Queued      int    `json:"queued"`
	Done        int    `json:"done"`
	StatusURL   string `json:"status_url"`
	ClustersURL string `json:"clusters_url"`
	// InputSummary counts what was read, before flashpoint_ids, and lists
	// the records and feeds that were dropped, with where and why.
	InputSummary input.Summary `json:"input_summary"`
}

// maxInputProblems bounds the problems echoed in one answer.
const maxInputProblems = 100

// badRequest is an answer chosen before the work starts.
type badRequest struct {
	code  int
	field string
	msg   string
}

func (e *badRequest) Error() string { return e.msg }

func invalid(field, format string, args ...any) *badRequest {
	return &badRequest{code: http.StatusBadRequest, field: field, msg: fmt.Sprintf(format, args...)}
}

func (s *Server) postRun(w http.ResponseWriter, r *http.Request) {
	var req RunRequest
	if err := s.decode(w, r, &req); err != nil {
		s.fail(w, r, "", err)
		return
	}
	s.submit(w, r, req)
}

// postServicesRun is the original's route. It validated nothing and read
// the date nowhere; here the date is checked and is what the run reads.
func (s *Server) postServicesRun(w http.ResponseWriter, r *http.Request) {
	date := r.URL.Query().Get("date")
	if date == "" {
		s.fail(w, r, "", invalid("date", "date is required: POST /services/run?date=YYYY-MM-DD"))
		return
	}
	s.submit(w, r, RunRequest{Date: date})
}

func (s *Server) submit(w http.ResponseWriter, r *http.Request, req RunRequest) {
	ctx := r.Context()
	id, err := runIDOf(req.RunID)
	if err != nil {
		s.fail(w, r, "", err)
		return
	}
	hasInput := len(bytes.TrimSpace(req.Input)) > 0 && string(bytes.TrimSpace(req.Input)) != "null"
	switch {
	case req.Date != "" && hasInput:
		s.fail(w, r, "", invalid("input", `give "date" or "input", not both`))
		return
	case req.Date == "" && !hasInput:
		s.fail(w, r, "", invalid("input", `give one of "date" (YYYY-MM-DD: that day's MASX tables) or "input" (flashpoints with feeds)`))
		return
	}
	var (
		works []pipeline.Work
		sum   input.Summary
		opts  jobs.SubmitOptions
		label string
		field string
	)
	if req.Date != "" {
		field = "date"
		if works, sum, err = s.masxWorks(ctx, req.Date); err != nil {
			s.fail(w, r, field, err)
			return
		}
		opts.MASXDate, label = req.Date, "masx:"+req.Date
	} else {
		field, label = "input", "api"
		res, err := input.Read(ctx, bytes.NewReader(req.Input), "input", input.FormatJSON, input.Options{MaxProblems: maxInputProblems})
		if err != nil {
			s.fail(w, r, field, err)
			return
		}
		works, sum = jobs.WorksFrom(res), res.Summary
	}
	if works, err = jobs.KeepFlashpoints(works, req.FlashpointIDs); err != nil {
		s.fail(w, r, "flashpoint_ids", err)
		return
	}
	sub, err := s.deps.Jobs.Submit(ctx, news.Run{ID: id, Input: label}, pipeline.Slice(works), opts)
	if err != nil {
		s.fail(w, r, field, err)
		return
	}
	base := "/v1/runs/" + url.PathEscape(id)
	writeJSON(w, http.StatusAccepted, RunAccepted{
		RunID: id, State: sub.Run.State, Attempt: sub.Run.Attempt,
		Flashpoints: sub.Flashpoints, Queued: sub.Queued, Done: sub.Done,
		StatusURL: base, ClustersURL: base + "/clusters", InputSummary: sum,
	})
}

// masxWorks reads a day's flashpoints. The store's capability is checked
// here, not left to jobs.MASXWorks, so a store without the tables is a
// 400 about the date rather than a failure.
func (s *Server) masxWorks(ctx context.Context, date string) ([]pipeline.Work, input.Summary, error) {
	if _, err := jobs.ParseMASXDate(date); err != nil {
		return nil, input.Summary{}, err
	}
	if _, ok := s.deps.Store.(jobs.MASXReader); !ok {
		return nil, input.Summary{}, invalid("date", `date %s: this store has no MASX tables (flash_point_YYYYMMDD live in PostgreSQL); send the flashpoints as "input" instead`, date)
	}
	works, sum, err := jobs.MASXWorks(ctx, s.deps.Store, date, nil)
	if errors.Is(err, store.ErrNotFound) {
		return nil, sum, &badRequest{code: http.StatusNotFound, field: "date", msg: fmt.Sprintf("no MASX tables for %s: %v", date, err)}
	}
	return works, sum, err
}

// runIDOf is the request's run ID, or a new one.
func runIDOf(id string) (string, error) {
	if id == "" {
		return jobs.NewRunID(), nil
	}
	if !jobs.ValidRunID(id) {
		return "", invalid("run_id", "run_id %.40q: want 1 to 128 letters, digits, '.', '_' or '-', starting with a letter or digit", id)
	}
	return id, nil
}

// decode reads one JSON object into v, refusing unknown fields, trailing
// data and bodies over Config.MaxBodyBytes.
func (s *Server) decode(w http.ResponseWriter, r *http.Request, v any) error {
	r.Body = http.MaxBytesReader(w, r.Body, s.cfg.MaxBodyBytes)
	dec := json.NewDecoder(r.Body)
	dec.DisallowUnknownFields()
	err := dec.Decode(v)
	if err == nil {
		if err = dec.Decode(&struct{}{}); err == io.EOF {
			return nil
		}
		if err == nil {
			err = errors.New("more than one JSON value")
		}
		return s.bodyError(err, "after the JSON object: ")
	}
	return s.bodyError(err, "")
}

func (s *Server) bodyError(err error, where string) error {
	var (
		tooBig *http.MaxBytesError
		syn    *json.SyntaxError
		typ    *json.UnmarshalTypeError
	)
	switch {
	case errors.As(err, &tooBig):
		return &badRequest{code: http.StatusRequestEntityTooLarge, field: "body",
			msg: fmt.Sprintf("body larger than %d bytes (the limit); send fewer flashpoints per run", tooBig.Limit)}
	case err == io.EOF:
		return invalid("body", "empty body: want a JSON object")
	case errors.Is(err, io.ErrUnexpectedEOF):
		return invalid("body", "%sJSON ends early", where)
	case errors.As(err, &syn):
		return invalid("body", "%sinvalid JSON at byte %d: %v", where, syn.Offset, syn)
	case errors.As(err, &typ) && typ.Field != "":
		return invalid(typ.Field, "%s: got a JSON %s, want %s", typ.Field, typ.Value, jsonKind(typ.Type.String()))
	case errors.As(err, &typ):
		return invalid("body", "got a JSON %s, want an object", typ.Value)
	case strings.HasPrefix(err.Error(), "json: unknown field "):
		name, uerr := strconv.Unquote(strings.TrimPrefix(err.Error(), "json: unknown field "))
		if uerr != nil {
			name = strings.TrimPrefix(err.Error(), "json: unknown field ")
		}
		return invalid(name, "unknown field %q: want run_id, date, flashpoint_ids or input", name)
	}
	return invalid("body", "%s%v", where, err)
}

func jsonKind(goType string) string {
	switch {
	case strings.HasPrefix(goType, "[]"):
		return "an array"
	case goType == "string":
		return "a string"
	}
	return goType
}

// fail answers err: a badRequest as it says, else by the sentinel it
// wraps. Bad input is reported against field, the part of the request it
// came from.
func (s *Server) fail(w http.ResponseWriter, r *http.Request, field string, err error) {
	var br *badRequest
	switch {
	case errors.As(err, &br):
		writeError(w, br.code, br.field, br.msg)
	case errors.Is(err, jobs.ErrQueueFull):
		retryAfter(w, s.cfg.RetryAfter)
		writeError(w, http.StatusTooManyRequests, "", err.Error())
	case errors.Is(err, input.ErrInput), errors.Is(err, store.ErrInvalid):
		writeError(w, http.StatusBadRequest, field, err.Error())
	case errors.Is(err, store.ErrNotFound):
		writeError(w, http.StatusNotFound, field, err.Error())
	case errors.Is(err, jobs.ErrClosed), errors.Is(err, store.ErrClosed):
		writeError(w, http.StatusServiceUnavailable, "", "draining: this server is shutting down; send the request to another instance")
	case errors.Is(err, context.DeadlineExceeded), errors.Is(err, context.Canceled):
		writeError(w, http.StatusServiceUnavailable, "", fmt.Sprintf("request ended before an answer (limit %s): %v", s.cfg.RequestTimeout, err))
	default:
		// Internal errors may name hosts, paths or SQL: they go to the
		// log, not to the client.
		s.log.Error("api: request failed", "method", r.Method, "path", r.URL.Path, "err", err)
		writeError(w, http.StatusInternalServerError, "", "internal error; the server log has the cause")
	}
}
