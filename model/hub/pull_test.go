package hub

import (
	"bytes"
	"context"
	"errors"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"go.uber.org/goleak"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

type bundle struct {
	hub    *fakeHub
	client *Client
	models string
}

func setup(t *testing.T, cfg Config) *bundle {
	t.Helper()
	h := newFakeHub(t)
	cfg.Endpoint = h.hub.URL
	if cfg.InitialBackoff == 0 {
		cfg.InitialBackoff = time.Millisecond
	}
	if cfg.MaxBackoff == 0 {
		cfg.MaxBackoff = 5 * time.Millisecond
	}
	c, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c.CloseIdleConnections)
	return &bundle{hub: h, client: c, models: t.TempDir()}
}

func (b *bundle) dir() string { return filepath.Join(b.models, "acme", "tiny-encoder") }

// checkFiles asserts every layout file is on disk with the served bytes and
// no .part file is left.
func (b *bundle) checkFiles(t *testing.T) {
	t.Helper()
	for _, f := range Layout() {
		got, err := os.ReadFile(filepath.Join(b.dir(), filepath.FromSlash(f.Path)))
		if err != nil {
			t.Errorf("%s: %v", f.Path, err)
			continue
		}
		if !bytes.Equal(got, b.hub.files[f.Path]) {
			t.Errorf("%s: content differs from the server's (%d bytes; want %d)", f.Path, len(got), len(b.hub.files[f.Path]))
		}
	}
	if parts, _ := filepath.Glob(filepath.Join(b.dir(), "*", "*"+partSuffix)); len(parts) > 0 {
		t.Errorf("leftover part files: %v", parts)
	}
	if _, err := os.Stat(filepath.Join(b.dir(), "README.md")); err == nil {
		t.Error("README.md was pulled; only layout files should be")
	}
}

func TestPullDownloadsLayoutAndReusesIt(t *testing.T) {
	t.Parallel()
	b := setup(t, Config{Token: "hf_secret"})
	var progress []string
	res, err := b.client.Pull(t.Context(), b.models, "acme/tiny-encoder", PullOptions{
		Progress: func(f FileResult) { progress = append(progress, f.Path+":"+f.Action) },
	})
	if err != nil {
		t.Fatal(err)
	}
	b.checkFiles(t)
	if len(progress) != len(Layout()) || !strings.HasPrefix(progress[0], FileModel+":downloaded") {
		t.Errorf("progress = %v; want every layout file downloaded, %s first", progress, FileModel)
	}
	if res.Commit != b.hub.commit || res.Revision != "main" {
		t.Errorf("commit %q revision %q; want %q main", res.Commit, res.Revision, b.hub.commit)
	}
	m := res.Model
	if m.RepoID != "acme/tiny-encoder" || !m.HasFP16() || m.MaxLength != 256 || m.Pooling != "mean" {
		t.Errorf("model = %+v; want repo id, fp16, max length 256 (sentence config), mean pooling", m)
	}
	for _, f := range res.Files {
		if f.Path == FileModel && f.SHA256 != sum256(b.hub.files[FileModel]) {
			t.Errorf("reported sha256 %s; want %s", f.SHA256, sum256(b.hub.files[FileModel]))
		}
	}
	for _, s := range b.hub.seen() {
		switch {
		case s.server == "hub" && s.auth != "Bearer hf_secret":
			t.Errorf("hub request %s had Authorization %q; want the token", s.path, s.auth)
		case s.server == "cdn" && s.auth != "":
			t.Errorf("CDN request %s got Authorization %q; the token must stay with the hub", s.path, s.auth)
		case strings.Contains(s.path, "/resolve/") && !strings.Contains(s.path, "/resolve/"+b.hub.commit+"/"):
			t.Errorf("file %s asked by branch; want the listed commit so all files match", s.path)
		}
	}

	// A second pull checks sizes and checksums and downloads nothing.
	before := len(b.hub.seen())
	res, err = b.client.Pull(t.Context(), b.models, "acme/tiny-encoder", PullOptions{})
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range res.Files {
		if f.Action != "present" {
			t.Errorf("second pull: %s %s; want present", f.Path, f.Action)
		}
	}
	if after := b.hub.seen()[before:]; len(after) != 1 || !strings.HasPrefix(after[0].path, "/api/") {
		t.Errorf("second pull made requests %v; want only the file list", after)
	}

	list, err := List(b.models)
	if err != nil || len(list) != 1 {
		t.Fatalf("List = %v, %v; want one model", list, err)
	}
	in := list[0]
	if in.RepoID != "acme/tiny-encoder" || !in.HasFP16 || in.Commit != b.hub.commit || in.Error != "" || in.Partial ||
		len(in.Files) != len(Layout()) || in.Size < 450_000 {
		t.Errorf("List()[0] = %+v", in)
	}
	if m, err := Resolve(b.models, "acme/tiny-encoder"); err != nil || m.ModelPath != filepath.Join(b.dir(), "onnx", "model.onnx") {
		t.Errorf("Resolve(repo id) = %+v, %v", m, err)
	}
}

func TestPullResumesAfterDroppedConnection(t *testing.T) {
	t.Parallel()
	b := setup(t, Config{})
	b.hub.serveFile = dropOnce(FileModel, 100_000)
	if _, err := b.client.Pull(t.Context(), b.models, "acme/tiny-encoder", PullOptions{}); err != nil {
		t.Fatal(err)
	}
	b.checkFiles(t)
	var ranges []string
	for _, s := range b.hub.seen() {
		if s.server == "cdn" && strings.Contains(s.path, sum256(b.hub.files[FileModel])) {
			ranges = append(ranges, s.rng)
		}
	}
	if len(ranges) != 2 || ranges[0] != "" || ranges[1] != "bytes=100000-" {
		t.Errorf("model.onnx requests had Range headers %q; want a plain GET then \"bytes=100000-\"", ranges)
	}
}

func TestPullResumesPartFileFromEarlierRun(t *testing.T) {
	t.Parallel()
	b := setup(t, Config{})
	// A killed pull leaves the first bytes in the .part file.
	part := filepath.Join(b.dir(), filepath.FromSlash(FileModel)) + partSuffix
	if err := os.MkdirAll(filepath.Dir(part), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(part, b.hub.files[FileModel][:1234], 0o644); err != nil {
		t.Fatal(err)
	}
	res, err := b.client.Pull(t.Context(), b.models, "acme/tiny-encoder", PullOptions{})
	if err != nil {
		t.Fatal(err)
	}
	b.checkFiles(t)
	if res.Files[0].Path != FileModel || res.Files[0].Action != "resumed" {
		t.Errorf("first file %+v; want model.onnx resumed", res.Files[0])
	}
	found := false
	for _, s := range b.hub.seen() {
		found = found || (s.server == "cdn" && s.rng == "bytes=1234-")
	}
	if !found {
		t.Errorf("no request with Range bytes=1234-: %v", b.hub.seen())
	}
}

func TestPullRestartsWhenServerIgnoresRange(t *testing.T) {
	t.Parallel()
	b := setup(t, Config{})
	b.hub.ignoreRange = true
	part := filepath.Join(b.dir(), "tokenizer.json") + partSuffix
	if err := os.MkdirAll(b.dir(), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(part, []byte("garbage that is not a prefix"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := b.client.Pull(t.Context(), b.models, "acme/tiny-encoder", PullOptions{}); err != nil {
		t.Fatal(err)
	}
	b.checkFiles(t)
}

func TestPullChecksumMismatchLeavesNoFile(t *testing.T) {
	t.Parallel()
	b := setup(t, Config{})
	b.hub.listSHA[FileModel] = strings.Repeat("0", 64)
	_, err := b.client.Pull(t.Context(), b.models, "acme/tiny-encoder", PullOptions{})
	if !errors.Is(err, ErrChecksum) || !strings.Contains(err.Error(), FileModel) {
		t.Fatalf("Pull = %v; want ErrChecksum naming %s", err, FileModel)
	}
	final := filepath.Join(b.dir(), filepath.FromSlash(FileModel))
	for _, p := range []string{final, final + partSuffix} {
		if _, err := os.Stat(p); !errors.Is(err, os.ErrNotExist) {
			t.Errorf("%s exists after a checksum mismatch (stat: %v)", p, err)
		}
	}
	if _, err := Open(b.dir()); !errors.Is(err, ErrIncomplete) {
		t.Errorf("Open after failed pull = %v; want ErrIncomplete", err)
	}
}

func TestPullErrors(t *testing.T) {
	t.Parallel()
	t.Run("404 repo", func(t *testing.T) {
		b := setup(t, Config{})
		_, err := b.client.Pull(t.Context(), b.models, "acme/missing", PullOptions{})
		if !errors.Is(err, ErrRepoNotFound) || !strings.Contains(err.Error(), "acme/missing") || !strings.Contains(err.Error(), "without a token") {
			t.Errorf("Pull = %v; want ErrRepoNotFound naming the repo and saying a token may be missing", err)
		}
		if entries, _ := os.ReadDir(b.models); len(entries) != 0 {
			t.Errorf("models dir has %d entries after a 404; want none", len(entries))
		}
	})
	t.Run("401", func(t *testing.T) {
		b := setup(t, Config{})
		b.hub.status = http.StatusUnauthorized
		if _, err := b.client.Pull(t.Context(), b.models, "acme/tiny-encoder", PullOptions{}); !errors.Is(err, ErrUnauthorized) {
			t.Errorf("Pull = %v; want ErrUnauthorized", err)
		}
	})
	t.Run("503 retried", func(t *testing.T) {
		b := setup(t, Config{MaxTries: 3})
		b.hub.apiFailures = 2
		if _, err := b.client.Pull(t.Context(), b.models, "acme/tiny-encoder", PullOptions{}); err != nil {
			t.Errorf("Pull after two 503s = %v; want success on the third try", err)
		}
	})
	t.Run("503 exhausted", func(t *testing.T) {
		b := setup(t, Config{MaxTries: 2})
		b.hub.apiFailures = 5
		_, err := b.client.Pull(t.Context(), b.models, "acme/tiny-encoder", PullOptions{})
		var se *StatusError
		if !errors.As(err, &se) || se.StatusCode != http.StatusServiceUnavailable {
			t.Errorf("Pull = %v; want the 503 StatusError after 2 tries", err)
		}
		if n := len(b.hub.seen()); n != 2 {
			t.Errorf("%d requests; want 2 (MaxTries)", n)
		}
	})
	t.Run("missing required file", func(t *testing.T) {
		b := setup(t, Config{})
		delete(b.hub.files, FileModel)
		_, err := b.client.Pull(t.Context(), b.models, "acme/tiny-encoder", PullOptions{})
		if !errors.Is(err, ErrMissingFile) || !strings.Contains(err.Error(), FileModel) {
			t.Errorf("Pull = %v; want ErrMissingFile naming %s", err, FileModel)
		}
	})
	t.Run("too large by list", func(t *testing.T) {
		b := setup(t, Config{MaxFileSize: 200_000})
		_, err := b.client.Pull(t.Context(), b.models, "acme/tiny-encoder", PullOptions{})
		if !errors.Is(err, ErrTooLarge) {
			t.Errorf("Pull = %v; want ErrTooLarge", err)
		}
		if n := len(b.hub.seen()); n != 1 {
			t.Errorf("%d requests; want only the file list", n)
		}
	})
	t.Run("too large by body", func(t *testing.T) {
		b := setup(t, Config{MaxFileSize: 200_000})
		b.hub.noSizes = true
		b.hub.lfs = map[string]bool{} // no checksum or size headers either
		b.hub.serveFile = func(w http.ResponseWriter, r *http.Request, p string, data []byte) bool {
			_, _ = w.Write(data) // chunked: no Content-Length
			return true
		}
		_, err := b.client.Pull(t.Context(), b.models, "acme/tiny-encoder", PullOptions{})
		if !errors.Is(err, ErrTooLarge) {
			t.Errorf("Pull = %v; want ErrTooLarge", err)
		}
		final := filepath.Join(b.dir(), filepath.FromSlash(FileModel))
		for _, p := range []string{final, final + partSuffix} {
			if _, err := os.Stat(p); err == nil {
				t.Errorf("%s left behind", p)
			}
		}
	})
	t.Run("bad revision", func(t *testing.T) {
		b := setup(t, Config{})
		for _, rev := range []string{"../main", "a b", "-x", "main\n", "refs//x"} {
			if _, err := b.client.Pull(t.Context(), b.models, "acme/tiny-encoder", PullOptions{Revision: rev}); !errors.Is(err, ErrInvalidRevision) {
				t.Errorf("revision %q: %v; want ErrInvalidRevision", rev, err)
			}
		}
		if n := len(b.hub.seen()); n != 0 {
			t.Errorf("%d requests for bad revisions; want none", n)
		}
	})
}

func TestPullRefusesHostileRepoIDs(t *testing.T) {
	t.Parallel()
	b := setup(t, Config{})
	for _, id := range []string{"", "acme", "../../etc/passwd", "/etc/passwd", "acme/..", "acme/../x", "../acme",
		"a/b/c", `acme\x`, "acme/x y", "acme/.hidden", "acme/-x", "acme/x\x00", "acme/%2e%2e", "acme/x?y=1",
		"acme/x#frag", "http://evil/x", "acme/" + strings.Repeat("x", 97), "acme/a..b"} {
		_, err := b.client.Pull(t.Context(), b.models, id, PullOptions{})
		if !errors.Is(err, ErrInvalidRepoID) {
			t.Errorf("Pull(%q) = %v; want ErrInvalidRepoID", id, err)
		}
	}
	if n := len(b.hub.seen()); n != 0 {
		t.Errorf("%d requests for hostile ids; want none", n)
	}
	if entries, _ := os.ReadDir(b.models); len(entries) != 0 {
		t.Errorf("models dir has entries after hostile ids: %v", entries)
	}
}

// TestPullNeverShowsPartialFile cuts a pull mid-file and checks that only
// the .part file exists, that a second pull of the same folder is refused
// meanwhile, and that a later pull completes from where the first stopped.
func TestPullNeverShowsPartialFile(t *testing.T) {
	t.Parallel()
	b := setup(t, Config{MaxTries: 1})
	halfway := make(chan struct{})
	var once sync.Once
	b.hub.serveFile = func(w http.ResponseWriter, r *http.Request, p string, data []byte) bool {
		if p != FileModel || r.Header.Get("Range") != "" {
			return false
		}
		handled := false
		once.Do(func() {
			handled = true
			w.Header().Set("Content-Length", "300000")
			_, _ = w.Write(data[:150_000])
			w.(http.Flusher).Flush()
			close(halfway)
			<-r.Context().Done() // hold the transfer open until the client goes
		})
		return handled
	}
	ctx, cancel := context.WithCancel(t.Context())
	errc := make(chan error, 1)
	go func() {
		_, err := b.client.Pull(ctx, b.models, "acme/tiny-encoder", PullOptions{})
		errc <- err
	}()
	select {
	case <-halfway:
	case <-time.After(30 * time.Second):
		t.Fatal("the transfer never started")
	}
	final := filepath.Join(b.dir(), filepath.FromSlash(FileModel))
	if _, err := os.Stat(final); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("final file exists mid-transfer (stat: %v)", err)
	}
	// The server has sent half the file; wait until the client has written
	// some of it, or there would be nothing to resume (and, on a loaded
	// machine, cancel could land before the first byte is on disk).
	deadline := time.Now().Add(30 * time.Second)
	for {
		fi, err := os.Stat(final + partSuffix)
		if err == nil && fi.Size() > 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("no bytes in the .part file mid-transfer (stat: %v)", err)
		}
		time.Sleep(5 * time.Millisecond)
	}
	if _, err := b.client.Pull(t.Context(), b.models, "acme/tiny-encoder", PullOptions{}); !errors.Is(err, ErrLocked) {
		t.Errorf("concurrent pull = %v; want ErrLocked", err)
	}
	cancel()
	if err := <-errc; !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled pull = %v; want context.Canceled", err)
	}
	if _, err := os.Stat(final); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("final file exists after the cancelled pull (stat: %v)", err)
	}
	res, err := b.client.Pull(t.Context(), b.models, "acme/tiny-encoder", PullOptions{})
	if err != nil {
		t.Fatal(err)
	}
	b.checkFiles(t)
	if res.Files[0].Action != "resumed" {
		t.Errorf("model.onnx %s; want resumed", res.Files[0].Action)
	}
}

func TestPullStalledTransferIsRetried(t *testing.T) {
	t.Parallel()
	b := setup(t, Config{StallTimeout: 300 * time.Millisecond})
	var once sync.Once
	b.hub.serveFile = func(w http.ResponseWriter, r *http.Request, p string, data []byte) bool {
		handled := false
		if p == FileModelFP16 {
			once.Do(func() {
				handled = true
				w.Header().Set("Content-Length", "150000")
				_, _ = w.Write(data[:50_000])
				w.(http.Flusher).Flush()
				<-r.Context().Done() // send nothing more
			})
		}
		return handled
	}
	if _, err := b.client.Pull(t.Context(), b.models, "acme/tiny-encoder", PullOptions{}); err != nil {
		t.Fatal(err)
	}
	b.checkFiles(t)
	found := false
	for _, s := range b.hub.seen() {
		found = found || (s.server == "cdn" && s.rng == "bytes=50000-")
	}
	if !found {
		t.Errorf("no resumed request after the stall: %v", b.hub.seen())
	}
}

func TestNewValidatesConfig(t *testing.T) {
	t.Parallel()
	for _, cfg := range []Config{
		{Endpoint: "ftp://x"}, {Endpoint: "not a url"}, {Endpoint: "https://"}, {MaxFileSize: -1},
		{StallTimeout: -time.Second}, {Token: "a\nb"},
	} {
		if _, err := New(cfg); err == nil {
			t.Errorf("New(%+v) accepted", cfg)
		}
	}
}
