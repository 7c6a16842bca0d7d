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
	"time"

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
	// InputFormat and InputName are for Submit's callers beside the API
	// (the dashboard's upload form): Input is then a file's bytes in
	// that format (input.FormatAuto detects it from InputName and the
	// content). The JSON API always reads Input as JSON.
	InputFormat input.Format `json:"-"`
	InputName   string       `json:"-"`
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
	acc, err := s.Submit(r.Context(), req)
	if err != nil {
		s.fail(w, r, "", err)
		return
	}
	writeJSON(w, http.StatusAccepted, acc)
}

// Submit validates req and queues its run exactly as POST /v1/runs does,
// under the same job-queue bound, for callers beside the API (the
// dashboard's form). Its errors are what Server.Problem describes.
func (s *Server) Submit(ctx context.Context, req RunRequest) (RunAccepted, error) {
	id, err := runIDOf(req.RunID)
	if err != nil {
		return RunAccepted{}, err
	}
	hasInput := len(bytes.TrimSpace(req.Input)) > 0 && string(bytes.TrimSpace(req.Input)) != "null"
	switch {
	case req.Date != "" && hasInput:
		return RunAccepted{}, invalid("input", `give "date" or "input", not both`)
	case req.Date == "" && !hasInput:
		return RunAccepted{}, invalid("input", `give one of "date" (YYYY-MM-DD: that day's MASX tables) or "input" (flashpoints with feeds)`)
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
			return RunAccepted{}, fieldError{field, err}
		}
		opts.MASXDate, label = req.Date, "masx:"+req.Date
	} else {
		field, label = "input", "api"
		format, name := input.FormatJSON, "input"
		if req.InputFormat != "" || req.InputName != "" {
			format, name = req.InputFormat, req.InputName
		}
		res, err := input.Read(ctx, bytes.NewReader(req.Input), name, format, input.Options{MaxProblems: maxInputProblems})
		if err != nil {
			return RunAccepted{}, fieldError{field, err}
		}
		works, sum = jobs.WorksFrom(res), res.Summary
	}
	if works, err = jobs.KeepFlashpoints(works, req.FlashpointIDs); err != nil {
		return RunAccepted{}, fieldError{"flashpoint_ids", err}
	}
	sub, err := s.deps.Jobs.Submit(ctx, news.Run{ID: id, Input: label}, pipeline.Slice(works), opts)
	if err != nil {
		return RunAccepted{}, fieldError{field, err}
	}
	base := "/v1/runs/" + url.PathEscape(id)
	return RunAccepted{
		RunID: id, State: sub.Run.State, Attempt: sub.Run.Attempt,
		Flashpoints: sub.Flashpoints, Queued: sub.Queued, Done: sub.Done,
		StatusURL: base, ClustersURL: base + "/clusters", InputSummary: sum,
	}, nil
}

// fieldError names the part of the request an error came from.
type fieldError struct {
	field string
	err   error
}

func (e fieldError) Error() string { return e.err.Error() }
func (e fieldError) Unwrap() error { return e.err }

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

// Problem is how the API answers an error: the status, the field of
// the request at fault (if any), a message safe to show the client, and
// for 429 how long to wait.
type Problem struct {
	Code       int
	Field      string
	Message    string
	RetryAfter time.Duration
}

// Problem describes err, from Submit or a route, as the API answers it:
// a bad request as it says, else by the sentinel it wraps. Internal
// errors go to the log with r's method and path and come back as a
// generic message.
func (s *Server) Problem(r *http.Request, err error) Problem {
	var (
		br *badRequest
		fe fieldError
	)
	field := ""
	if errors.As(err, &fe) {
		field = fe.field
	}
	switch {
	case errors.As(err, &br):
		return Problem{Code: br.code, Field: br.field, Message: br.msg}
	case errors.Is(err, jobs.ErrQueueFull):
		return Problem{Code: http.StatusTooManyRequests, Message: err.Error(), RetryAfter: s.cfg.RetryAfter}
	case errors.Is(err, input.ErrInput), errors.Is(err, store.ErrInvalid):
		return Problem{Code: http.StatusBadRequest, Field: field, Message: err.Error()}
	case errors.Is(err, store.ErrNotFound):
		return Problem{Code: http.StatusNotFound, Field: field, Message: err.Error()}
	case errors.Is(err, jobs.ErrClosed), errors.Is(err, store.ErrClosed):
		return Problem{Code: http.StatusServiceUnavailable, Message: "draining: this server is shutting down; send the request to another instance"}
	case errors.Is(err, context.DeadlineExceeded), errors.Is(err, context.Canceled):
		return Problem{Code: http.StatusServiceUnavailable, Message: fmt.Sprintf("request ended before an answer (limit %s): %v", s.cfg.RequestTimeout, err)}
	}
	// Internal errors may name hosts, paths or SQL: they go to the log,
	// not to the client.
	s.log.Error("api: request failed", "method", r.Method, "path", r.URL.Path, "err", err)
	return Problem{Code: http.StatusInternalServerError, Message: "internal error; the server log has the cause"}
}

// fail answers err as Problem describes it; field names the part of the
// request it came from when err does not say.
func (s *Server) fail(w http.ResponseWriter, r *http.Request, field string, err error) {
	if field != "" {
		var fe fieldError
		if !errors.As(err, &fe) {
			err = fieldError{field, err}
		}
	}
	p := s.Problem(r, err)
	if p.RetryAfter > 0 {
		retryAfter(w, p.RetryAfter)
	}
	writeError(w, p.Code, p.Field, p.Message)
}
