package api

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"time"

	"github.com/masx-ai/masx/etl/jobs"
	"github.com/masx-ai/masx/news"
	"github.com/masx-ai/masx/store"
)

// RunStatus is the answer of GET /v1/runs/{id}: jobs.Status with the
// elapsed time in seconds and where the clusters are.
type RunStatus struct {
	jobs.Status
	ElapsedSeconds float64 `json:"elapsed_seconds"`
	ClustersURL    string  `json:"clusters_url"`
}

// Clusters is the answer of the clusters routes.
type Clusters struct {
	RunID        string         `json:"run_id"`
	FlashpointID string         `json:"flashpoint_id,omitempty"`
	Clusters     []news.Cluster `json:"clusters"`
}

// probeTimeout bounds each readiness check, well inside a typical probe
// period, so a hung database makes the instance unready rather than the
// probe time out.
const probeTimeout = 2 * time.Second

func (s *Server) runID(r *http.Request) (string, error) {
	id := r.PathValue("id")
	if !jobs.ValidRunID(id) {
		return "", &badRequest{code: http.StatusNotFound, field: "id", msg: fmt.Sprintf("run %.40q not found (not a valid run ID)", id)}
	}
	return id, nil
}

func (s *Server) getRun(w http.ResponseWriter, r *http.Request) {
	id, err := s.runID(r)
	if err != nil {
		s.fail(w, r, "", err)
		return
	}
	st, err := jobs.RunStatus(r.Context(), s.deps.Store, id)
	if errors.Is(err, store.ErrNotFound) {
		writeError(w, http.StatusNotFound, "id", fmt.Sprintf("run %q not found", id))
		return
	}
	if err != nil {
		s.fail(w, r, "", err)
		return
	}
	if st.Articles == nil {
		st.Articles = map[news.Status]int{}
	}
	writeJSON(w, http.StatusOK, RunStatus{
		Status:         st,
		ElapsedSeconds: st.Elapsed.Seconds(),
		ClustersURL:    "/v1/runs/" + url.PathEscape(id) + "/clusters",
	})
}

func (s *Server) getRunClusters(w http.ResponseWriter, r *http.Request) {
	id, err := s.runID(r)
	if err != nil {
		s.fail(w, r, "", err)
		return
	}
	ctx := r.Context()
	if _, err := s.deps.Store.GetRun(ctx, id); err != nil {
		if errors.Is(err, store.ErrNotFound) {
			err = &badRequest{code: http.StatusNotFound, field: "id", msg: fmt.Sprintf("run %q not found", id)}
		}
		s.fail(w, r, "", err)
		return
	}
	s.clusters(w, r, store.ClusterQuery{RunID: id})
}

func (s *Server) getFlashpointClusters(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	fp := r.PathValue("id")
	runID := r.URL.Query().Get("run")
	if runID == "" {
		run, err := s.deps.Store.LatestRun(ctx)
		if errors.Is(err, store.ErrNotFound) {
			err = &badRequest{code: http.StatusNotFound, field: "run", msg: "no run stored yet"}
		}
		if err != nil {
			s.fail(w, r, "", err)
			return
		}
		runID = run.ID
	} else if !jobs.ValidRunID(runID) {
		s.fail(w, r, "", invalid("run", "run %.40q: not a valid run ID", runID))
		return
	}
	fps, err := s.deps.Store.Flashpoints(ctx, runID)
	if err != nil {
		s.fail(w, r, "run", err)
		return
	}
	found := false
	for _, f := range fps {
		found = found || f.ID == fp
	}
	if !found {
		// Flashpoints of a missing run are empty rather than an error.
		msg := fmt.Sprintf("flashpoint %.80q is not in run %q", fp, runID)
		if _, err := s.deps.Store.GetRun(ctx, runID); errors.Is(err, store.ErrNotFound) {
			msg = fmt.Sprintf("run %q not found", runID)
		}
		writeError(w, http.StatusNotFound, "id", msg)
		return
	}
	s.clusters(w, r, store.ClusterQuery{RunID: runID, FlashpointID: fp})
}

func (s *Server) clusters(w http.ResponseWriter, r *http.Request, q store.ClusterQuery) {
	cs, err := s.deps.Store.Clusters(r.Context(), q)
	if err != nil {
		s.fail(w, r, "", err)
		return
	}
	if cs == nil {
		cs = []news.Cluster{}
	}
	writeJSON(w, http.StatusOK, Clusters{RunID: q.RunID, FlashpointID: q.FlashpointID, Clusters: cs})
}

type probeBody struct {
	Status string `json:"status"`
}

func (s *Server) healthz(w http.ResponseWriter, _ *http.Request) {
	if s.stopped.Load() {
		writeError(w, http.StatusServiceUnavailable, "", "stopped")
		return
	}
	writeJSON(w, http.StatusOK, probeBody{"ok"})
}

func (s *Server) readyz(w http.ResponseWriter, r *http.Request) {
	if s.draining.Load() {
		writeError(w, http.StatusServiceUnavailable, "", "draining: this server is shutting down")
		return
	}
	ctx, cancel := context.WithTimeout(r.Context(), probeTimeout)
	defer cancel()
	if err := s.deps.Store.Ping(ctx); err != nil {
		// /readyz needs no key: the cause (hosts, ports) goes to the log.
		s.log.Warn("api: not ready: the store does not answer", "err", err)
		writeError(w, http.StatusServiceUnavailable, "", "not ready: the store does not answer")
		return
	}
	if s.deps.Ready != nil {
		if err := s.deps.Ready(ctx); err != nil {
			writeError(w, http.StatusServiceUnavailable, "", "not ready: "+err.Error())
			return
		}
	}
	writeJSON(w, http.StatusOK, probeBody{"ready"})
}
