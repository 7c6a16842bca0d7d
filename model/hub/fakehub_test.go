package hub

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
)

// fakeHub serves the two Hub endpoints Pull uses, for one generated model
// repository, the way huggingface.co shapes them: the file list with sizes
// and LFS checksums, and /resolve/ answering small files directly and LFS
// files with a redirect to a separate CDN server that carries
// X-Linked-Etag and X-Linked-Size.
type fakeHub struct {
	t      *testing.T
	repo   string
	commit string
	files  map[string][]byte
	lfs    map[string]bool
	hub    *httptest.Server
	cdn    *httptest.Server

	mu       sync.Mutex
	requests []seen
	// hooks, set by tests before the pull
	listSHA      map[string]string // sha256 the file list claims, when lying
	noSizes      bool              // file list without sizes or LFS data
	apiFailures  int               // answer the file list with 503 this many times
	status       int               // answer the file list with this status
	ignoreRange  bool
	serveFile    func(w http.ResponseWriter, r *http.Request, path string, data []byte) bool // true: handled
	resolveCount map[string]int
}

type seen struct {
	server string // "hub" or "cdn"
	path   string
	rng    string
	auth   string
}

func modelFiles() map[string][]byte {
	rnd := rand.New(rand.NewPCG(1, 2))
	blob := func(n int) []byte {
		b := make([]byte, n)
		for i := range b {
			b[i] = byte(rnd.UintN(256))
		}
		return b
	}
	return map[string][]byte{
		FileModel:           blob(300_000),
		FileModelFP16:       blob(150_000),
		FileTokenizer:       []byte(`{"version":"1.0","model":{"type":"WordPiece","unk_token":"[UNK]","vocab":{"[UNK]":0}}}`),
		FileConfig:          []byte(`{"model_type":"bert","max_position_embeddings":512}`),
		FileTokenizerConfig: []byte(`{"model_max_length":1000000000000000019884624838656}`),
		FileSentenceConfig:  []byte(`{"max_seq_length":256,"do_lower_case":false}`),
		FilePoolingConfig:   []byte(`{"word_embedding_dimension":384,"pooling_mode_mean_tokens":true}`),
		"README.md":         []byte("# not pulled\n"),
	}
}

func newFakeHub(t *testing.T) *fakeHub {
	h := &fakeHub{
		t: t, repo: "acme/tiny-encoder", commit: strings.Repeat("ab12", 10),
		files: modelFiles(), lfs: map[string]bool{FileModel: true, FileModelFP16: true},
		listSHA: map[string]string{}, resolveCount: map[string]int{},
	}
	h.cdn = httptest.NewServer(http.HandlerFunc(h.serveCDN))
	h.hub = httptest.NewServer(http.HandlerFunc(h.serveHub))
	t.Cleanup(func() {
		h.hub.Close()
		h.cdn.Close()
	})
	return h
}

func sum256(b []byte) string {
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:])
}

func (h *fakeHub) record(server string, r *http.Request) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.requests = append(h.requests, seen{server, r.URL.Path, r.Header.Get("Range"), r.Header.Get("Authorization")})
}

func (h *fakeHub) seen() []seen {
	h.mu.Lock()
	defer h.mu.Unlock()
	return append([]seen(nil), h.requests...)
}

func (h *fakeHub) serveHub(w http.ResponseWriter, r *http.Request) {
	h.record("hub", r)
	org, name, _ := strings.Cut(h.repo, "/")
	apiPrefix := "/api/models/" + org + "/" + name + "/revision/"
	switch {
	case strings.HasPrefix(r.URL.Path, "/api/models/"):
		if !strings.HasPrefix(r.URL.Path, apiPrefix) {
			http.Error(w, `{"error":"Repository not found"}`, http.StatusNotFound)
			return
		}
		h.mu.Lock()
		fail := h.apiFailures > 0
		if fail {
			h.apiFailures--
		}
		status := h.status
		h.mu.Unlock()
		if fail {
			http.Error(w, "busy", http.StatusServiceUnavailable)
			return
		}
		if status != 0 {
			http.Error(w, "no", status)
			return
		}
		if r.URL.Query().Get("blobs") != "true" {
			h.t.Errorf("file list asked without blobs=true: %s", r.URL) //assert:allow: runs in the server's handler goroutine
		}
		type lfs struct {
			SHA256 string `json:"sha256"`
			Size   int    `json:"size"`
		}
		type sib struct {
			RFilename string `json:"rfilename"`
			Size      *int   `json:"size,omitempty"`
			LFS       *lfs   `json:"lfs,omitempty"`
		}
		var sibs []sib
		for p, data := range h.files {
			s := sib{RFilename: p}
			if !h.noSizes {
				n := len(data)
				s.Size = &n
				if h.lfs[p] {
					sha := sum256(data)
					if lie, ok := h.listSHA[p]; ok {
						sha = lie
					}
					s.LFS = &lfs{SHA256: sha, Size: n}
				}
			}
			sibs = append(sibs, s)
		}
		_ = json.NewEncoder(w).Encode(map[string]any{"id": h.repo, "sha": h.commit, "siblings": sibs})
	case strings.HasPrefix(r.URL.Path, "/"+h.repo+"/resolve/"):
		rest := strings.TrimPrefix(r.URL.Path, "/"+h.repo+"/resolve/")
		rev, path, _ := strings.Cut(rest, "/")
		data, ok := h.files[path]
		if !ok || (rev != h.commit && rev != "main") {
			http.Error(w, "Entry not found", http.StatusNotFound)
			return
		}
		h.mu.Lock()
		h.resolveCount[path]++
		h.mu.Unlock()
		if h.lfs[path] {
			w.Header().Set("X-Linked-Etag", `"`+sum256(data)+`"`)
			w.Header().Set("X-Linked-Size", strconv.Itoa(len(data)))
			// The CDN is another host (localhost rather than 127.0.0.1), as
			// in production, so the client must not forward the token.
			cdn := strings.Replace(h.cdn.URL, "127.0.0.1", "localhost", 1)
			http.Redirect(w, r, cdn+"/blobs/"+sum256(data)+"?file="+path, http.StatusFound)
			return
		}
		h.serve(w, r, path, data)
	default:
		http.NotFound(w, r)
	}
}

func (h *fakeHub) serveCDN(w http.ResponseWriter, r *http.Request) {
	h.record("cdn", r)
	path := r.URL.Query().Get("file")
	data, ok := h.files[path]
	if !ok || r.URL.Path != "/blobs/"+sum256(data) {
		http.NotFound(w, r)
		return
	}
	h.serve(w, r, path, data)
}

// serve answers a file with Range support (or, with ignoreRange, without).
func (h *fakeHub) serve(w http.ResponseWriter, r *http.Request, path string, data []byte) {
	if h.serveFile != nil && h.serveFile(w, r, path, data) {
		return
	}
	if !h.lfs[path] {
		w.Header().Set("ETag", `"`+fmt.Sprintf("%040x", len(data))+`"`) // git-style, not a sha256
	}
	start := 0
	if rg := r.Header.Get("Range"); rg != "" && !h.ignoreRange {
		n, err := strconv.Atoi(strings.TrimSuffix(strings.TrimPrefix(rg, "bytes="), "-"))
		if err != nil || n < 0 {
			http.Error(w, "bad range", http.StatusBadRequest)
			return
		}
		if n >= len(data) {
			w.Header().Set("Content-Range", fmt.Sprintf("bytes */%d", len(data)))
			w.WriteHeader(http.StatusRequestedRangeNotSatisfiable)
			return
		}
		start = n
		w.Header().Set("Content-Range", fmt.Sprintf("bytes %d-%d/%d", n, len(data)-1, len(data)))
		w.Header().Set("Content-Length", strconv.Itoa(len(data)-n))
		w.WriteHeader(http.StatusPartialContent)
		_, _ = w.Write(data[n:])
		return
	}
	w.Header().Set("Content-Length", strconv.Itoa(len(data)-start))
	_, _ = w.Write(data[start:])
}

// dropOnce makes the first request for path send only n bytes of the file
// and then cut the connection.
func dropOnce(path string, n int) func(http.ResponseWriter, *http.Request, string, []byte) bool {
	var once sync.Once
	return func(w http.ResponseWriter, r *http.Request, p string, data []byte) bool {
		handled := false
		if p == path {
			once.Do(func() {
				handled = true
				w.Header().Set("Content-Length", strconv.Itoa(len(data)))
				_, _ = w.Write(data[:n])
				w.(http.Flusher).Flush()
				panic(http.ErrAbortHandler) // closes the connection mid-body
			})
		}
		return handled
	}
}
