package hub

import (
	"bytes"
	"context"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
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
	require.NoError(t, err)
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
		require.NoError(t, err, f.Path)
		require.True(t, bytes.Equal(got, b.hub.files[f.Path]), "%s: content differs from the server's (%d bytes; want %d)", f.Path, len(got), len(b.hub.files[f.Path]))
	}
	parts, _ := filepath.Glob(filepath.Join(b.dir(), "*", "*"+partSuffix))
	require.Empty(t, parts, "leftover part files")
	_, err := os.Stat(filepath.Join(b.dir(), "README.md"))
	require.Error(t, err, "README.md was pulled; only layout files should be")
}

func TestPullDownloadsLayoutAndReusesIt(t *testing.T) {
	t.Parallel()
	b := setup(t, Config{Token: "hf_secret"})
	var progress []string
	res, err := b.client.Pull(t.Context(), b.models, "acme/tiny-encoder", PullOptions{
		Progress: func(f FileResult) { progress = append(progress, f.Path+":"+f.Action) },
	})
	require.NoError(t, err)
	b.checkFiles(t)
	require.Len(t, progress, len(Layout()), "progress: want every layout file")
	require.True(t, strings.HasPrefix(progress[0], FileModel+":downloaded"), "progress = %v; want every layout file downloaded, %s first", progress, FileModel)
	require.Equal(t, b.hub.commit, res.Commit, "commit")
	require.Equal(t, "main", res.Revision, "revision")
	m := res.Model
	require.Equal(t, "acme/tiny-encoder", m.RepoID, "model = %+v", m)
	require.True(t, m.HasFP16(), "model = %+v; want fp16", m)
	require.Equal(t, 256, m.MaxLength, "model max length (sentence config)")
	require.Equal(t, "mean", m.Pooling, "model pooling")
	for _, f := range res.Files {
		if f.Path == FileModel {
			require.Equal(t, sum256(b.hub.files[FileModel]), f.SHA256, "reported sha256")
		}
	}
	for _, s := range b.hub.seen() {
		if s.server == "hub" {
			require.Equal(t, "Bearer hf_secret", s.auth, "hub request %s: Authorization; want the token", s.path)
		}
		if s.server == "cdn" {
			require.Empty(t, s.auth, "CDN request %s got Authorization; the token must stay with the hub", s.path)
		}
		if strings.Contains(s.path, "/resolve/") {
			require.Contains(t, s.path, "/resolve/"+b.hub.commit+"/", "file asked by branch; want the listed commit so all files match")
		}
	}

	// A second pull checks sizes and checksums and downloads nothing.
	before := len(b.hub.seen())
	res, err = b.client.Pull(t.Context(), b.models, "acme/tiny-encoder", PullOptions{})
	require.NoError(t, err)
	for _, f := range res.Files {
		require.Equal(t, "present", f.Action, "second pull: %s", f.Path)
	}
	after := b.hub.seen()[before:]
	require.Len(t, after, 1, "second pull made requests %v; want only the file list", after)
	require.True(t, strings.HasPrefix(after[0].path, "/api/"), "second pull made requests %v; want only the file list", after)

	list, err := List(b.models)
	require.NoError(t, err, "List")
	require.Len(t, list, 1, "List: want one model")
	in := list[0]
	require.Equal(t, "acme/tiny-encoder", in.RepoID, "List()[0] = %+v", in)
	require.True(t, in.HasFP16, "List()[0] = %+v", in)
	require.Equal(t, b.hub.commit, in.Commit, "List()[0] = %+v", in)
	require.Empty(t, in.Error, "List()[0] = %+v", in)
	require.False(t, in.Partial, "List()[0] = %+v", in)
	require.Len(t, in.Files, len(Layout()), "List()[0] = %+v", in)
	require.GreaterOrEqual(t, in.Size, int64(450_000), "List()[0] = %+v", in)
	m, err = Resolve(b.models, "acme/tiny-encoder")
	require.NoError(t, err, "Resolve(repo id)")
	require.Equal(t, filepath.Join(b.dir(), "onnx", "model.onnx"), m.ModelPath, "Resolve(repo id)")
}

func TestPullResumesAfterDroppedConnection(t *testing.T) {
	t.Parallel()
	b := setup(t, Config{})
	b.hub.serveFile = dropOnce(FileModel, 100_000)
	_, err := b.client.Pull(t.Context(), b.models, "acme/tiny-encoder", PullOptions{})
	require.NoError(t, err)
	b.checkFiles(t)
	var ranges []string
	for _, s := range b.hub.seen() {
		if s.server == "cdn" && strings.Contains(s.path, sum256(b.hub.files[FileModel])) {
			ranges = append(ranges, s.rng)
		}
	}
	require.Equal(t, []string{"", "bytes=100000-"}, ranges, "model.onnx requests' Range headers: want a plain GET then bytes=100000-")
}

func TestPullResumesPartFileFromEarlierRun(t *testing.T) {
	t.Parallel()
	b := setup(t, Config{})
	// A killed pull leaves the first bytes in the .part file.
	part := filepath.Join(b.dir(), filepath.FromSlash(FileModel)) + partSuffix
	require.NoError(t, os.MkdirAll(filepath.Dir(part), 0o755))
	require.NoError(t, os.WriteFile(part, b.hub.files[FileModel][:1234], 0o644))
	res, err := b.client.Pull(t.Context(), b.models, "acme/tiny-encoder", PullOptions{})
	require.NoError(t, err)
	b.checkFiles(t)
	require.Equal(t, FileModel, res.Files[0].Path, "first file")
	require.Equal(t, "resumed", res.Files[0].Action, "first file")
	found := false
	for _, s := range b.hub.seen() {
		found = found || (s.server == "cdn" && s.rng == "bytes=1234-")
	}
	require.True(t, found, "no request with Range bytes=1234-: %v", b.hub.seen())
}

func TestPullRestartsWhenServerIgnoresRange(t *testing.T) {
	t.Parallel()
	b := setup(t, Config{})
	b.hub.ignoreRange = true
	part := filepath.Join(b.dir(), "tokenizer.json") + partSuffix
	require.NoError(t, os.MkdirAll(b.dir(), 0o755))
	require.NoError(t, os.WriteFile(part, []byte("garbage that is not a prefix"), 0o644))
	_, err := b.client.Pull(t.Context(), b.models, "acme/tiny-encoder", PullOptions{})
	require.NoError(t, err)
	b.checkFiles(t)
}

func TestPullChecksumMismatchLeavesNoFile(t *testing.T) {
	t.Parallel()
	b := setup(t, Config{})
	b.hub.listSHA[FileModel] = strings.Repeat("0", 64)
	_, err := b.client.Pull(t.Context(), b.models, "acme/tiny-encoder", PullOptions{})
	require.ErrorIs(t, err, ErrChecksum, "Pull")
	require.ErrorContains(t, err, FileModel, "Pull names the file")
	final := filepath.Join(b.dir(), filepath.FromSlash(FileModel))
	for _, p := range []string{final, final + partSuffix} {
		_, err := os.Stat(p)
		require.ErrorIs(t, err, os.ErrNotExist, "%s exists after a checksum mismatch", p)
	}
	_, err = Open(b.dir())
	require.ErrorIs(t, err, ErrIncomplete, "Open after failed pull")
}

func TestPullErrors(t *testing.T) {
	t.Parallel()
	t.Run("404 repo", func(t *testing.T) {
		b := setup(t, Config{})
		_, err := b.client.Pull(t.Context(), b.models, "acme/missing", PullOptions{})
		require.ErrorIs(t, err, ErrRepoNotFound, "Pull")
		require.ErrorContains(t, err, "acme/missing", "Pull names the repo")
		require.ErrorContains(t, err, "without a token", "Pull says a token may be missing")
		entries, _ := os.ReadDir(b.models)
		require.Empty(t, entries, "models dir after a 404")
	})
	t.Run("401", func(t *testing.T) {
		b := setup(t, Config{})
		b.hub.status = http.StatusUnauthorized
		_, err := b.client.Pull(t.Context(), b.models, "acme/tiny-encoder", PullOptions{})
		require.ErrorIs(t, err, ErrUnauthorized, "Pull")
	})
	t.Run("503 retried", func(t *testing.T) {
		b := setup(t, Config{MaxTries: 3})
		b.hub.apiFailures = 2
		_, err := b.client.Pull(t.Context(), b.models, "acme/tiny-encoder", PullOptions{})
		require.NoError(t, err, "Pull after two 503s: want success on the third try")
	})
	t.Run("503 exhausted", func(t *testing.T) {
		b := setup(t, Config{MaxTries: 2})
		b.hub.apiFailures = 5
		_, err := b.client.Pull(t.Context(), b.models, "acme/tiny-encoder", PullOptions{})
		var se *StatusError
		require.ErrorAs(t, err, &se, "Pull: want the 503 StatusError after 2 tries")
		require.Equal(t, http.StatusServiceUnavailable, se.StatusCode, "Pull: want the 503 StatusError after 2 tries")
		require.Len(t, b.hub.seen(), 2, "requests: want 2 (MaxTries)")
	})
	t.Run("missing required file", func(t *testing.T) {
		b := setup(t, Config{})
		delete(b.hub.files, FileModel)
		_, err := b.client.Pull(t.Context(), b.models, "acme/tiny-encoder", PullOptions{})
		require.ErrorIs(t, err, ErrMissingFile, "Pull")
		require.ErrorContains(t, err, FileModel, "Pull names the file")
	})
	t.Run("too large by list", func(t *testing.T) {
		b := setup(t, Config{MaxFileSize: 200_000})
		_, err := b.client.Pull(t.Context(), b.models, "acme/tiny-encoder", PullOptions{})
		require.ErrorIs(t, err, ErrTooLarge, "Pull")
		require.Len(t, b.hub.seen(), 1, "requests: want only the file list")
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
		require.ErrorIs(t, err, ErrTooLarge, "Pull")
		final := filepath.Join(b.dir(), filepath.FromSlash(FileModel))
		for _, p := range []string{final, final + partSuffix} {
			_, err := os.Stat(p)
			require.Error(t, err, "%s left behind", p)
		}
	})
	t.Run("bad revision", func(t *testing.T) {
		b := setup(t, Config{})
		for _, rev := range []string{"../main", "a b", "-x", "main\n", "refs//x"} {
			_, err := b.client.Pull(t.Context(), b.models, "acme/tiny-encoder", PullOptions{Revision: rev})
			require.ErrorIs(t, err, ErrInvalidRevision, "revision %q", rev)
		}
		require.Empty(t, b.hub.seen(), "requests for bad revisions")
	})
}

func TestPullRefusesHostileRepoIDs(t *testing.T) {
	t.Parallel()
	b := setup(t, Config{})
	for _, id := range []string{"", "acme", "../../etc/passwd", "/etc/passwd", "acme/..", "acme/../x", "../acme",
		"a/b/c", `acme\x`, "acme/x y", "acme/.hidden", "acme/-x", "acme/x\x00", "acme/%2e%2e", "acme/x?y=1",
		"acme/x#frag", "http://evil/x", "acme/" + strings.Repeat("x", 97), "acme/a..b"} {
		_, err := b.client.Pull(t.Context(), b.models, id, PullOptions{})
		require.ErrorIs(t, err, ErrInvalidRepoID, "Pull(%q)", id)
	}
	require.Empty(t, b.hub.seen(), "requests for hostile ids")
	entries, _ := os.ReadDir(b.models)
	require.Empty(t, entries, "models dir after hostile ids")
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
		require.FailNow(t, "the transfer never started")
	}
	final := filepath.Join(b.dir(), filepath.FromSlash(FileModel))
	_, err := os.Stat(final)
	require.ErrorIs(t, err, os.ErrNotExist, "final file exists mid-transfer")
	// The server has sent half the file; wait until the client has written
	// some of it, or there would be nothing to resume (and, on a loaded
	// machine, cancel could land before the first byte is on disk).
	deadline := time.Now().Add(30 * time.Second)
	for {
		fi, err := os.Stat(final + partSuffix)
		if err == nil && fi.Size() > 0 {
			break
		}
		require.False(t, time.Now().After(deadline), "no bytes in the .part file mid-transfer (stat: %v)", err)
		time.Sleep(5 * time.Millisecond)
	}
	_, err = b.client.Pull(t.Context(), b.models, "acme/tiny-encoder", PullOptions{})
	require.ErrorIs(t, err, ErrLocked, "concurrent pull")
	cancel()
	require.ErrorIs(t, <-errc, context.Canceled, "cancelled pull")
	_, err = os.Stat(final)
	require.ErrorIs(t, err, os.ErrNotExist, "final file exists after the cancelled pull")
	res, err := b.client.Pull(t.Context(), b.models, "acme/tiny-encoder", PullOptions{})
	require.NoError(t, err)
	b.checkFiles(t)
	require.Equal(t, "resumed", res.Files[0].Action, "model.onnx")
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
	_, err := b.client.Pull(t.Context(), b.models, "acme/tiny-encoder", PullOptions{})
	require.NoError(t, err)
	b.checkFiles(t)
	found := false
	for _, s := range b.hub.seen() {
		found = found || (s.server == "cdn" && s.rng == "bytes=50000-")
	}
	require.True(t, found, "no resumed request after the stall: %v", b.hub.seen())
}

func TestNewValidatesConfig(t *testing.T) {
	t.Parallel()
	for _, cfg := range []Config{
		{Endpoint: "ftp://x"}, {Endpoint: "not a url"}, {Endpoint: "https://"}, {MaxFileSize: -1},
		{StallTimeout: -time.Second}, {Token: "a\nb"},
	} {
		_, err := New(cfg)
		require.Error(t, err, "New(%+v) accepted", cfg)
	}
}
