package hub

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/cenkalti/backoff/v5"
)

// Defaults of Config.
const (
	DefaultEndpoint        = "https://huggingface.co"
	DefaultRevision        = "main"
	DefaultMaxFileSize     = 16 << 30
	DefaultMaxTries        = 5
	DefaultInitialBackoff  = 500 * time.Millisecond
	DefaultMaxBackoff      = 30 * time.Second
	DefaultStallTimeout    = 60 * time.Second
	DefaultMetadataTimeout = 30 * time.Second
	// DefaultUserAgent is the one masx sends everywhere. It repeats
	// crawl/fetch.DefaultUserAgent, which this layer may not import;
	// internal/cli's wiring test proves the two equal.
	DefaultUserAgent = "masx/0.1 (+https://github.com/masx-ai/masx)"

	// maxMetadataBytes bounds the file-list answer.
	maxMetadataBytes = 32 << 20
)

var (
	// ErrRepoNotFound: the Hub answered 404 for the repository or revision.
	ErrRepoNotFound = errors.New("repository not found")
	// ErrUnauthorized: the Hub answered 401 or 403 (private or gated
	// repository; set Config.Token).
	ErrUnauthorized = errors.New("not authorized")
	// ErrMissingFile: the repository lacks a file masx requires.
	ErrMissingFile = errors.New("file missing from repository")
	// ErrChecksum: a downloaded file's sha256 differs from the Hub's.
	ErrChecksum = errors.New("checksum mismatch")
	// ErrSize: a downloaded file's size differs from the Hub's.
	ErrSize = errors.New("size mismatch")
	// ErrTooLarge: a file is larger than Config.MaxFileSize.
	ErrTooLarge = errors.New("file too large")
	// ErrLocked: another pull is writing the same model folder.
	ErrLocked = errors.New("model folder locked by another pull")
	// ErrInvalidRevision: a revision that is not a branch, tag or commit
	// name of safe characters.
	ErrInvalidRevision = errors.New("invalid revision")

	errStalled = errors.New("transfer stalled")
)

// StatusError is an HTTP answer the client does not accept.
type StatusError struct {
	URL        string
	StatusCode int
	Status     string
	RetryAfter time.Duration
}

func (e *StatusError) Error() string { return fmt.Sprintf("GET %s: %s", e.URL, e.Status) }

// Config configures a Client. Zero fields take the defaults named.
type Config struct {
	// Endpoint is the Hub's base URL (MASX_HF_ENDPOINT). Default
	// DefaultEndpoint.
	Endpoint string
	// Token, when set, is sent as "Authorization: Bearer <Token>" to the
	// Endpoint. Go's client drops it on redirects to other hosts (the CDN).
	Token string
	// HTTPClient does the requests. Default: a client with dial, TLS and
	// response-header timeouts and no overall timeout (model files are
	// large; StallTimeout guards transfers).
	HTTPClient *http.Client
	// MaxFileSize bounds one file, in bytes. Default DefaultMaxFileSize
	// (16 GiB).
	MaxFileSize int64
	// MaxTries bounds the attempts of one request, the first included;
	// an attempt that made progress starts a new round. Default 5.
	MaxTries uint
	// InitialBackoff is the first wait between attempts; it grows 1.5× per
	// attempt (±50% jitter) up to MaxBackoff. Defaults 500ms and 30s.
	InitialBackoff time.Duration
	MaxBackoff     time.Duration
	// StallTimeout fails a transfer that receives nothing for that long; it
	// is then retried, resuming. Default 60s.
	StallTimeout time.Duration
	// MetadataTimeout bounds one file-list request. Default 30s.
	MetadataTimeout time.Duration
	// UserAgent is sent with every request. Default DefaultUserAgent.
	UserAgent string
	// Logger receives retries and progress at debug level. Default: none.
	Logger *slog.Logger
}

// Client downloads model folders from a Hugging Face Hub (or a mirror with
// the same HTTP API). It is safe for concurrent use.
type Client struct {
	cfg      Config
	endpoint *url.URL
	http     *http.Client
}

// New validates cfg, fills defaults and returns a Client.
func New(cfg Config) (*Client, error) {
	if cfg.Endpoint == "" {
		cfg.Endpoint = DefaultEndpoint
	}
	u, err := url.Parse(strings.TrimRight(cfg.Endpoint, "/"))
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.RawQuery != "" || u.Fragment != "" {
		return nil, fmt.Errorf("hub config: Endpoint %q: want an http or https base URL such as %s", cfg.Endpoint, DefaultEndpoint)
	}
	switch {
	case cfg.MaxFileSize < 0:
		return nil, fmt.Errorf("hub config: MaxFileSize %d: want >= 0 (0 means %d)", cfg.MaxFileSize, int64(DefaultMaxFileSize))
	case cfg.InitialBackoff < 0, cfg.MaxBackoff < 0:
		return nil, fmt.Errorf("hub config: InitialBackoff %s / MaxBackoff %s: want >= 0", cfg.InitialBackoff, cfg.MaxBackoff)
	case cfg.StallTimeout < 0:
		return nil, fmt.Errorf("hub config: StallTimeout %s: want >= 0", cfg.StallTimeout)
	case cfg.MetadataTimeout < 0:
		return nil, fmt.Errorf("hub config: MetadataTimeout %s: want >= 0", cfg.MetadataTimeout)
	case strings.ContainsAny(cfg.Token, "\r\n"):
		return nil, errors.New("hub config: Token contains a line break")
	}
	if cfg.MaxFileSize == 0 {
		cfg.MaxFileSize = DefaultMaxFileSize
	}
	if cfg.MaxTries == 0 {
		cfg.MaxTries = DefaultMaxTries
	}
	if cfg.InitialBackoff == 0 {
		cfg.InitialBackoff = DefaultInitialBackoff
	}
	if cfg.MaxBackoff == 0 {
		cfg.MaxBackoff = DefaultMaxBackoff
	}
	if cfg.StallTimeout == 0 {
		cfg.StallTimeout = DefaultStallTimeout
	}
	if cfg.MetadataTimeout == 0 {
		cfg.MetadataTimeout = DefaultMetadataTimeout
	}
	if cfg.UserAgent == "" {
		cfg.UserAgent = DefaultUserAgent
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	hc := cfg.HTTPClient
	if hc == nil {
		hc = &http.Client{Transport: &http.Transport{
			Proxy:                 http.ProxyFromEnvironment,
			DialContext:           (&net.Dialer{Timeout: 10 * time.Second, KeepAlive: 30 * time.Second}).DialContext,
			TLSHandshakeTimeout:   10 * time.Second,
			ResponseHeaderTimeout: 30 * time.Second,
			IdleConnTimeout:       60 * time.Second,
			MaxIdleConnsPerHost:   2,
			ForceAttemptHTTP2:     true,
		}}
	}
	return &Client{cfg: cfg, endpoint: u, http: hc}, nil
}

// CloseIdleConnections closes the client's idle keep-alive connections.
func (c *Client) CloseIdleConnections() { c.http.CloseIdleConnections() }

// PullOptions tunes one Pull.
type PullOptions struct {
	// Revision is a branch, tag or commit. Default "main".
	Revision string
	// Progress, when set, is called after each file.
	Progress func(FileResult)
}

// FileResult says what Pull did with one file.
type FileResult struct {
	Path   string `json:"path"`   // relative to the model folder
	Size   int64  `json:"size"`   // bytes
	SHA256 string `json:"sha256"` // hex; empty when the Hub gave none and the file was already present
	// Action is "downloaded", "resumed" (continued a .part file) or
	// "present" (already there with the right size and checksum).
	Action string `json:"action"`
}

// PullResult is a completed pull.
type PullResult struct {
	Model    *Model       `json:"-"`
	RepoID   string       `json:"repo_id"`
	Path     string       `json:"path"`
	Revision string       `json:"revision"`
	Commit   string       `json:"commit,omitempty"`
	Files    []FileResult `json:"files"`
}

var (
	revisionRe = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._/-]{0,254}$`)
	hex40      = regexp.MustCompile(`^[0-9a-f]{40}$`)
	hex64      = regexp.MustCompile(`^[0-9a-f]{64}$`)
)

// ValidateRevision accepts branch, tag and commit names (refs/pr/1, v1.0,
// a commit hash) and refuses anything else.
func ValidateRevision(rev string) error {
	if !revisionRe.MatchString(rev) || strings.Contains(rev, "..") || strings.Contains(rev, "//") {
		return fmt.Errorf("%w %q: want a branch, tag or commit (letters, digits, '.', '_', '-', '/')", ErrInvalidRevision, rev)
	}
	return nil
}

// Pull downloads the Layout files of repoID into <modelsDir>/<org>/<name>
// and opens the folder. Files already present with the Hub's size and
// sha256 are kept; interrupted downloads resume from their .part file with
// a Range request. Every file is written to <name>.part, checked, synced
// and renamed, so a file under its final name is always complete. Transient
// failures (network errors, 408, 429, 5xx, stalls) are retried with
// exponential backoff.
func (c *Client) Pull(ctx context.Context, modelsDir, repoID string, opts PullOptions) (*PullResult, error) {
	dir, err := Dir(modelsDir, repoID)
	if err != nil {
		return nil, err
	}
	rev := opts.Revision
	if rev == "" {
		rev = DefaultRevision
	}
	if err := ValidateRevision(rev); err != nil {
		return nil, err
	}
	info, err := c.repoInfo(ctx, repoID, rev)
	if err != nil {
		return nil, err
	}
	ref := rev
	if hex40.MatchString(info.SHA) {
		ref = info.SHA // every file from the same commit
	}

	jobs, err := c.plan(info, repoID, rev)
	if err != nil {
		return nil, err
	}

	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("pulling %s: %w", repoID, err)
	}
	unlock, err := lockDir(dir)
	if err != nil {
		return nil, fmt.Errorf("pulling %s into %s: %w", repoID, dir, err)
	}
	defer unlock()

	res := &PullResult{RepoID: repoID, Path: dir, Revision: rev, Commit: info.SHA}
	for _, j := range jobs {
		u := c.fileURL(repoID, ref, j.rel)
		fr, err := c.fetchFile(ctx, u, dir, j.rel, j.want)
		if err != nil {
			return nil, fmt.Errorf("pulling %s@%s: %w", repoID, rev, err)
		}
		res.Files = append(res.Files, fr)
		if opts.Progress != nil {
			opts.Progress(fr)
		}
	}
	rec, _ := json.MarshalIndent(pullInfo{RepoID: repoID, Revision: rev, Commit: info.SHA,
		Endpoint: c.endpoint.String(), PulledAt: time.Now().UTC().Format(time.RFC3339)}, "", "  ")
	if err := writeFileAtomic(filepath.Join(dir, pullRecord), rec); err != nil {
		return nil, fmt.Errorf("pulling %s: %w", repoID, err)
	}
	m, err := Open(dir)
	if err != nil {
		return nil, err
	}
	m.RepoID = repoID
	res.Model = m
	return res, nil
}

// fileJob is one file of the layout to pull, with what the Hub says of it.
type fileJob struct {
	rel  string
	want expect
}

// plan lists the layout's files the repository has, with their expected
// sizes and checksums; a missing required file or one over MaxFileSize is
// an error before anything is downloaded.
func (c *Client) plan(info *repoInfo, repoID, rev string) ([]fileJob, error) {
	var jobs []fileJob
	for _, f := range Layout() {
		sib, ok := info.sibling(f.Path)
		if !ok {
			if f.Required {
				return nil, fmt.Errorf("pulling %s@%s: %w: no %s (masx needs an ONNX export with %s and %s)",
					repoID, rev, ErrMissingFile, f.Path, FileModel, FileTokenizer)
			}
			continue
		}
		w := expect{size: -1}
		if sib.Size != nil {
			w.size = *sib.Size
		}
		if sib.LFS != nil {
			if sib.LFS.Size > 0 {
				w.size = sib.LFS.Size
			}
			w.sha256 = strings.ToLower(sib.LFS.SHA256)
		}
		if w.size > c.cfg.MaxFileSize {
			return nil, fmt.Errorf("pulling %s@%s: %w: %s is %d bytes, over the %d-byte limit",
				repoID, rev, ErrTooLarge, f.Path, w.size, c.cfg.MaxFileSize)
		}
		jobs = append(jobs, fileJob{f.Path, w})
	}
	return jobs, nil
}

type sibling struct {
	RFilename string `json:"rfilename"`
	Size      *int64 `json:"size"`
	LFS       *struct {
		SHA256 string `json:"sha256"`
		Size   int64  `json:"size"`
	} `json:"lfs"`
}

type repoInfo struct {
	SHA      string    `json:"sha"`
	Siblings []sibling `json:"siblings"`
}

func (r *repoInfo) sibling(path string) (sibling, bool) {
	for _, s := range r.Siblings {
		if s.RFilename == path {
			return s, true
		}
	}
	return sibling{}, false
}

func (c *Client) repoURL(repoID string) string {
	org, name, _ := strings.Cut(repoID, "/")
	return c.endpoint.String() + "/" + url.PathEscape(org) + "/" + url.PathEscape(name)
}

func (c *Client) fileURL(repoID, ref, rel string) string {
	parts := strings.Split(rel, "/")
	for i, p := range parts {
		parts[i] = url.PathEscape(p)
	}
	return c.repoURL(repoID) + "/resolve/" + url.PathEscape(ref) + "/" + strings.Join(parts, "/")
}

// repoInfo asks for the file list with sizes and LFS checksums.
func (c *Client) repoInfo(ctx context.Context, repoID, rev string) (*repoInfo, error) {
	org, name, _ := strings.Cut(repoID, "/")
	u := c.endpoint.String() + "/api/models/" + url.PathEscape(org) + "/" + url.PathEscape(name) +
		"/revision/" + url.PathEscape(rev) + "?blobs=true"
	var info *repoInfo
	err := c.retry(ctx, "listing "+repoID, func() error {
		actx, cancel := context.WithTimeout(ctx, c.cfg.MetadataTimeout)
		defer cancel()
		req, err := c.newRequest(actx, u)
		if err != nil {
			return backoff.Permanent(err)
		}
		req.Header.Set("Accept", "application/json")
		resp, err := c.http.Do(req)
		if err != nil {
			return err
		}
		defer resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			return statusError(resp)
		}
		data, err := io.ReadAll(io.LimitReader(resp.Body, maxMetadataBytes+1))
		if err != nil {
			return err
		}
		if len(data) > maxMetadataBytes {
			return backoff.Permanent(fmt.Errorf("GET %s: answer larger than %d bytes", u, maxMetadataBytes))
		}
		var ri repoInfo
		if err := json.Unmarshal(data, &ri); err != nil {
			return backoff.Permanent(fmt.Errorf("GET %s: reading the file list: %w", u, err))
		}
		info = &ri
		return nil
	})
	if err == nil {
		return info, nil
	}
	var se *StatusError
	if errors.As(err, &se) {
		switch se.StatusCode {
		case http.StatusNotFound:
			return nil, fmt.Errorf("listing %s@%s: %w at %s (private and gated repositories also answer 404 without a token)",
				repoID, rev, ErrRepoNotFound, c.endpoint)
		case http.StatusUnauthorized, http.StatusForbidden:
			return nil, fmt.Errorf("listing %s@%s: %w (%s; the token lacks access)", repoID, rev, ErrUnauthorized, se.Status)
		}
	}
	return nil, fmt.Errorf("listing %s@%s: %w", repoID, rev, err)
}

func (c *Client) newRequest(ctx context.Context, u string) (*http.Request, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return nil, err
	}
	req.Header.Set("User-Agent", c.cfg.UserAgent)
	if c.cfg.Token != "" {
		req.Header.Set("Authorization", "Bearer "+c.cfg.Token)
	}
	return req, nil
}

func statusError(resp *http.Response) error {
	se := &StatusError{URL: resp.Request.URL.Redacted(), StatusCode: resp.StatusCode, Status: resp.Status}
	if s, err := strconv.Atoi(resp.Header.Get("Retry-After")); err == nil && s > 0 && s <= 600 {
		se.RetryAfter = time.Duration(s) * time.Second
	}
	switch {
	case resp.StatusCode == http.StatusRequestTimeout, resp.StatusCode == http.StatusTooManyRequests, resp.StatusCode >= 500:
		return se // transient
	}
	return backoff.Permanent(se)
}

// retry runs op with exponential backoff until it succeeds, fails
// permanently, runs out of tries or ctx ends.
func (c *Client) retry(ctx context.Context, what string, op func() error) error {
	b := &backoff.ExponentialBackOff{
		InitialInterval:     c.cfg.InitialBackoff,
		RandomizationFactor: 0.5,
		Multiplier:          1.5,
		MaxInterval:         c.cfg.MaxBackoff,
	}
	_, err := backoff.Retry(ctx, func() (struct{}, error) {
		err := op()
		if err != nil && ctx.Err() != nil {
			return struct{}{}, backoff.Permanent(context.Cause(ctx))
		}
		var se *StatusError
		if errors.As(err, &se) && se.RetryAfter > 0 {
			return struct{}{}, errors.Join(err, &backoff.RetryAfterError{Duration: se.RetryAfter})
		}
		return struct{}{}, err
	},
		backoff.WithBackOff(b),
		backoff.WithMaxTries(c.cfg.MaxTries),
		backoff.WithMaxElapsedTime(0), // bounded by MaxTries; a large file may take long
		backoff.WithNotify(func(err error, wait time.Duration) {
			c.cfg.Logger.Debug("hub: retrying", "what", what, "err", err, "wait", wait)
		}),
	)
	return err
}

// expect is what the Hub says a file is; size -1 and empty sha256 when
// unknown.
type expect struct {
	size   int64
	sha256 string
}

// fetchFile makes dir/rel a complete, checked copy of u.
func (c *Client) fetchFile(ctx context.Context, u, dir, rel string, want expect) (FileResult, error) {
	final := filepath.Join(dir, filepath.FromSlash(rel))
	fr := FileResult{Path: rel}
	if err := os.MkdirAll(filepath.Dir(final), 0o755); err != nil {
		return fr, err
	}
	if size, sum, ok := alreadyPresent(final, want); ok {
		fr.Size, fr.SHA256, fr.Action = size, sum, "present"
		return fr, nil
	}
	part := final + partSuffix
	fr.Action = "downloaded"
	if st, err := os.Stat(part); err == nil && st.Size() > 0 {
		fr.Action = "resumed"
	}
	var got download
	for {
		before := fileSize(part)
		err := c.retry(ctx, "downloading "+rel, func() error {
			var err error
			got, err = c.attempt(ctx, u, part, &want)
			return err
		})
		if err == nil {
			break
		}
		// A round of tries that moved the file forward earns another
		// round: a flaky link still finishes a large file.
		if ctx.Err() == nil && transientAfterRetry(err) && fileSize(part) > before {
			c.cfg.Logger.Debug("hub: progress made, retrying again", "file", rel, "bytes", fileSize(part))
			continue
		}
		return fr, fmt.Errorf("downloading %s: %w", rel, err)
	}
	if want.size >= 0 && got.size != want.size {
		_ = os.Remove(part)
		return fr, fmt.Errorf("downloading %s: %w: got %d bytes, want %d", rel, ErrSize, got.size, want.size)
	}
	if want.sha256 != "" && got.sha256 != want.sha256 {
		_ = os.Remove(part)
		return fr, fmt.Errorf("downloading %s: %w: sha256 %s, the Hub says %s (the file was removed; pull again)",
			rel, ErrChecksum, got.sha256, want.sha256)
	}
	if err := os.Rename(part, final); err != nil {
		return fr, fmt.Errorf("downloading %s: %w", rel, err)
	}
	if err := syncDir(filepath.Dir(final)); err != nil {
		return fr, fmt.Errorf("downloading %s: %w", rel, err)
	}
	fr.Size, fr.SHA256 = got.size, got.sha256
	return fr, nil
}

// transientAfterRetry reports whether an error that exhausted its tries is
// of a kind that more tries could fix.
func transientAfterRetry(err error) bool {
	for _, perm := range []error{ErrChecksum, ErrSize, ErrTooLarge, context.Canceled, context.DeadlineExceeded} {
		if errors.Is(err, perm) {
			return false
		}
	}
	var se *StatusError
	if errors.As(err, &se) {
		return se.StatusCode == http.StatusRequestTimeout || se.StatusCode == http.StatusTooManyRequests || se.StatusCode >= 500
	}
	var pe *fs.PathError
	return !errors.As(err, &pe)
}

func fileSize(p string) int64 {
	st, err := os.Stat(p)
	if err != nil {
		return 0
	}
	return st.Size()
}

// download is a finished transfer into the .part file.
type download struct {
	size   int64
	sha256 string
}

// attempt is one GET of u into part, resuming from part's size. It fills
// want from the response headers when the file list did not say.
func (c *Client) attempt(ctx context.Context, u, part string, want *expect) (download, error) {
	pf, err := openPart(part, want)
	if err != nil {
		return download{}, err
	}
	defer pf.f.Close()

	actx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	stall := time.AfterFunc(c.cfg.StallTimeout, func() { cancel(errStalled) })
	defer stall.Stop()
	resp, linked, err := c.get(actx, u, pf.have)
	if err != nil {
		return download{}, err
	}
	defer resp.Body.Close()
	total, done, err := pf.resume(resp, u, want)
	switch {
	case err != nil:
		return download{}, err
	case done:
		return finish(pf.f, pf.have)
	}
	if err := c.expectFrom(want, linked, resp.Header, total); err != nil {
		return download{}, err
	}

	limit := c.cfg.MaxFileSize - pf.have
	if want.size >= 0 {
		limit = want.size - pf.have
	}
	body := &stallReader{r: resp.Body, t: stall, d: c.cfg.StallTimeout}
	n, err := io.Copy(pf.f, io.LimitReader(body, limit+1))
	if n > limit {
		_ = pf.f.Close()
		_ = os.Remove(part)
		if want.size >= 0 {
			return download{}, backoff.Permanent(fmt.Errorf("%w: the server sent more than %d bytes", ErrSize, want.size))
		}
		return download{}, backoff.Permanent(fmt.Errorf("%w: over the %d-byte limit", ErrTooLarge, c.cfg.MaxFileSize))
	}
	if err != nil {
		return download{}, stalled(actx, err, c.cfg.StallTimeout)
	}
	if want.size >= 0 && pf.have+n < want.size {
		return download{}, fmt.Errorf("GET %s: body ended at byte %d of %d: %w", u, pf.have+n, want.size, io.ErrUnexpectedEOF)
	}
	return finish(pf.f, pf.have+n)
}

// partFile is a .part file being downloaded into: have bytes are there.
type partFile struct {
	f    *os.File
	have int64
}

// openPart opens part to append to it, starting over when it is already
// longer than the file wanted.
func openPart(part string, want *expect) (*partFile, error) {
	f, err := os.OpenFile(part, os.O_RDWR|os.O_CREATE, 0o644)
	if err != nil {
		return nil, backoff.Permanent(err)
	}
	pf := &partFile{f: f}
	if pf.have, err = f.Seek(0, io.SeekEnd); err != nil {
		_ = f.Close()
		return nil, backoff.Permanent(err)
	}
	if want.size >= 0 && pf.have > want.size {
		if err := pf.restart(); err != nil {
			_ = f.Close()
			return nil, err
		}
	}
	return pf, nil
}

// restart empties the file: the download starts over.
func (pf *partFile) restart() error {
	pf.have = 0
	if err := pf.f.Truncate(0); err != nil {
		return backoff.Permanent(err)
	}
	_, err := pf.f.Seek(0, io.SeekStart)
	return err
}

// get requests u from byte have on, and returns the response with the
// checksum and size headers of the Hub, which it puts on the redirect to
// its CDN for LFS files.
func (c *Client) get(ctx context.Context, u string, have int64) (*http.Response, http.Header, error) {
	req, err := c.newRequest(ctx, u)
	if err != nil {
		return nil, nil, backoff.Permanent(err)
	}
	// Byte ranges must refer to the file itself, never to a compressed
	// transfer of it.
	req.Header.Set("Accept-Encoding", "identity")
	if have > 0 {
		req.Header.Set("Range", fmt.Sprintf("bytes=%d-", have))
	}
	linked := http.Header{}
	hc := *c.http
	next := c.http.CheckRedirect
	hc.CheckRedirect = func(r *http.Request, via []*http.Request) error {
		if r.Response != nil {
			for _, k := range []string{"X-Linked-Etag", "X-Linked-Size"} {
				if v := r.Response.Header.Get(k); v != "" {
					linked.Set(k, v)
				}
			}
		}
		if next != nil {
			return next(r, via)
		}
		if len(via) >= 10 {
			return errors.New("stopped after 10 redirects")
		}
		return nil
	}
	resp, err := hc.Do(req)
	if err != nil {
		return nil, nil, stalled(ctx, err, c.cfg.StallTimeout)
	}
	for _, k := range []string{"X-Linked-Etag", "X-Linked-Size"} {
		if v := resp.Header.Get(k); v != "" && linked.Get(k) == "" {
			linked.Set(k, v)
		}
	}
	return resp, linked, nil
}

// resume checks the response against what the file has: it starts the
// file over when the server sends the whole file or resumes elsewhere, and
// says done when a refused range means the file is already complete.
// total is the whole file's size when the server says, else −1.
func (pf *partFile) resume(resp *http.Response, u string, want *expect) (total int64, done bool, err error) {
	switch resp.StatusCode {
	case http.StatusOK:
		if pf.have > 0 { // the server ignored the range: start over
			if err := pf.restart(); err != nil {
				return -1, false, err
			}
		}
		return resp.ContentLength, false, nil
	case http.StatusPartialContent:
		start, tot, ok := parseContentRange(resp.Header.Get("Content-Range"))
		if !ok || start != pf.have {
			if err := pf.restart(); err != nil {
				return -1, false, err
			}
			return -1, false, fmt.Errorf("GET %s: server resumed at %q, want byte %d", u, resp.Header.Get("Content-Range"), pf.have)
		}
		return tot, false, nil
	case http.StatusRequestedRangeNotSatisfiable:
		if want.size >= 0 && pf.have == want.size {
			return -1, true, nil
		}
		if err := pf.restart(); err != nil {
			return -1, false, err
		}
		return -1, false, fmt.Errorf("GET %s: range from byte %d refused", u, pf.have)
	default:
		return -1, false, statusError(resp)
	}
}

// expectFrom fills in the checksum and size want lacks from the response
// headers, and refuses a file over MaxFileSize.
func (c *Client) expectFrom(want *expect, linked, h http.Header, total int64) error {
	if want.sha256 == "" {
		if tag := etagHex(linked.Get("X-Linked-Etag")); hex64.MatchString(tag) {
			want.sha256 = tag
		} else if tag := etagHex(h.Get("ETag")); hex64.MatchString(tag) {
			want.sha256 = tag
		}
	}
	if want.size < 0 {
		if n, err := strconv.ParseInt(linked.Get("X-Linked-Size"), 10, 64); err == nil && n >= 0 {
			want.size = n
		} else if total >= 0 {
			want.size = total
		}
	}
	if want.size > c.cfg.MaxFileSize {
		return backoff.Permanent(fmt.Errorf("%w: %d bytes, over the %d-byte limit", ErrTooLarge, want.size, c.cfg.MaxFileSize))
	}
	return nil
}

// finish syncs the .part file and hashes it whole (resumed files were
// partly written by earlier attempts or processes).
func finish(f *os.File, size int64) (download, error) {
	if err := f.Sync(); err != nil {
		return download{}, backoff.Permanent(err)
	}
	h := sha256.New()
	if _, err := io.Copy(h, io.NewSectionReader(f, 0, size)); err != nil {
		return download{}, backoff.Permanent(err)
	}
	return download{size: size, sha256: hex.EncodeToString(h.Sum(nil))}, nil
}

// stalled turns an error caused by the stall timer into a clear one.
func stalled(actx context.Context, err error, d time.Duration) error {
	if errors.Is(context.Cause(actx), errStalled) {
		return fmt.Errorf("%w: nothing received for %s", errStalled, d)
	}
	return err
}

// stallReader pushes the stall deadline back on every read that returns
// data.
type stallReader struct {
	r io.Reader
	t *time.Timer
	d time.Duration
}

func (s *stallReader) Read(p []byte) (int, error) {
	n, err := s.r.Read(p)
	if n > 0 {
		s.t.Reset(s.d)
	}
	return n, err
}

// parseContentRange reads "bytes start-end/total" (total may be "*").
func parseContentRange(v string) (start, total int64, ok bool) {
	rest, found := strings.CutPrefix(v, "bytes ")
	if !found {
		return 0, 0, false
	}
	rng, tot, found := strings.Cut(rest, "/")
	if !found {
		return 0, 0, false
	}
	s, _, found := strings.Cut(rng, "-")
	if !found {
		return 0, 0, false
	}
	start, err := strconv.ParseInt(s, 10, 64)
	if err != nil || start < 0 {
		return 0, 0, false
	}
	total = -1
	if tot != "*" {
		if total, err = strconv.ParseInt(tot, 10, 64); err != nil {
			return 0, 0, false
		}
	}
	return start, total, true
}

// etagHex strips the quotes and weak marker of an ETag.
func etagHex(v string) string {
	v = strings.TrimPrefix(strings.TrimSpace(v), "W/")
	return strings.ToLower(strings.Trim(v, `"`))
}

// alreadyPresent reports whether final already holds the wanted file. With
// no size or checksum to compare it is not trusted.
func alreadyPresent(final string, want expect) (int64, string, bool) {
	st, err := os.Stat(final)
	if err != nil || !st.Mode().IsRegular() || want.size < 0 || st.Size() != want.size {
		return 0, "", false
	}
	if want.sha256 == "" {
		return st.Size(), "", true
	}
	f, err := os.Open(final)
	if err != nil {
		return 0, "", false
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return 0, "", false
	}
	sum := hex.EncodeToString(h.Sum(nil))
	return st.Size(), sum, sum == want.sha256
}

// writeFileAtomic writes data to path through a synced temporary file and a
// rename, so path holds either the old or the new content.
func writeFileAtomic(path string, data []byte) error {
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".*.tmp")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name()) // no-op after the rename
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return err
	}
	return syncDir(filepath.Dir(path))
}

// syncDir makes a rename in dir durable.
func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	if err := d.Sync(); err != nil && !errors.Is(err, errors.ErrUnsupported) {
		return err
	}
	return nil
}
