// Package hubtest serves a Hugging Face Hub-shaped HTTP API on loopback for
// tests of code that pulls models: the file list
// (GET /api/models/<org>/<name>/revision/<rev>?blobs=true, with sizes and
// LFS sha256) and file content (GET /<org>/<name>/resolve/<rev>/<path>,
// with Range support and X-Linked-Etag/X-Linked-Size on LFS files).
package hubtest

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
)

// Commit is the commit id the server reports for every repository.
const Commit = "0123456789abcdef0123456789abcdef01234567"

// Server is a running fake Hub. Files larger than LFSThreshold are
// served as LFS files (with a sha256 in the file list).
type Server struct {
	URL string

	srv   *httptest.Server
	repos map[string]map[string][]byte

	mu       sync.Mutex
	requests []Request
}

// Request is one request the server answered.
type Request struct {
	Path          string
	Range         string
	Authorization string
}

// LFSThreshold is the size from which a file is an LFS file.
const LFSThreshold = 1024

// New starts a server holding repos: repository id → (path → content).
// Close it when done.
func New(repos map[string]map[string][]byte) *Server {
	s := &Server{repos: repos}
	s.srv = httptest.NewServer(http.HandlerFunc(s.serve))
	s.URL = s.srv.URL
	return s
}

// Close stops the server.
func (s *Server) Close() { s.srv.Close() }

// Requests returns the requests answered so far.
func (s *Server) Requests() []Request {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Request(nil), s.requests...)
}

func sum(b []byte) string {
	h := sha256.Sum256(b)
	return hex.EncodeToString(h[:])
}

func (s *Server) serve(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	s.requests = append(s.requests, Request{r.URL.Path, r.Header.Get("Range"), r.Header.Get("Authorization")})
	s.mu.Unlock()
	if rest, ok := strings.CutPrefix(r.URL.Path, "/api/models/"); ok {
		repo, _, found := strings.Cut(rest, "/revision/")
		files, exists := s.repos[repo]
		if !found || !exists {
			http.Error(w, `{"error":"Repository not found"}`, http.StatusNotFound)
			return
		}
		type sibling struct {
			RFilename string         `json:"rfilename"`
			Size      int            `json:"size"`
			LFS       map[string]any `json:"lfs,omitempty"`
		}
		var sibs []sibling
		for p, data := range files {
			sb := sibling{RFilename: p, Size: len(data)}
			if len(data) >= LFSThreshold {
				sb.LFS = map[string]any{"sha256": sum(data), "size": len(data)}
			}
			sibs = append(sibs, sb)
		}
		_ = json.NewEncoder(w).Encode(map[string]any{"id": repo, "sha": Commit, "siblings": sibs})
		return
	}
	for repo, files := range s.repos {
		rest, ok := strings.CutPrefix(r.URL.Path, "/"+repo+"/resolve/")
		if !ok {
			continue
		}
		_, path, _ := strings.Cut(rest, "/")
		data, ok := files[path]
		if !ok {
			http.Error(w, "Entry not found", http.StatusNotFound)
			return
		}
		if len(data) >= LFSThreshold {
			w.Header().Set("X-Linked-Etag", `"`+sum(data)+`"`)
			w.Header().Set("X-Linked-Size", strconv.Itoa(len(data)))
		}
		start := 0
		if rg := r.Header.Get("Range"); rg != "" {
			n, err := strconv.Atoi(strings.TrimSuffix(strings.TrimPrefix(rg, "bytes="), "-"))
			if err != nil || n < 0 || n >= len(data) {
				w.Header().Set("Content-Range", fmt.Sprintf("bytes */%d", len(data)))
				w.WriteHeader(http.StatusRequestedRangeNotSatisfiable)
				return
			}
			start = n
			w.Header().Set("Content-Range", fmt.Sprintf("bytes %d-%d/%d", n, len(data)-1, len(data)))
			w.Header().Set("Content-Length", strconv.Itoa(len(data)-n))
			w.WriteHeader(http.StatusPartialContent)
		} else {
			w.Header().Set("Content-Length", strconv.Itoa(len(data)))
		}
		_, _ = w.Write(data[start:])
		return
	}
	http.NotFound(w, r)
}
