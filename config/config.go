// Package config loads masx settings from flags, the environment and an
// optional .env file, in that order of precedence, and records where each
// value came from.
//
// Every setting is a field of [Settings] with a struct tag naming its
// environment variable, its default and its help text. That one table drives
// loading, validation, the CLI flags, `masx doctor` and the README's settings
// table, so they cannot drift apart.
//
// Validation is strict on purpose: a value that does not parse, a negative
// size or an unknown enum word is an [*Error] naming the variable and the
// value. Nothing ever falls back silently to a default, because a typo in
// BATCH_SIZE that quietly runs with 32 is worse than a refusal to start.
package config

import (
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/joho/godotenv"
)

// Settings holds every setting masx honours. The seed's names (BATCH_SIZE,
// MAX_THREADS, RENDER_*) are kept as they are; settings masx adds carry the
// MASX_ prefix. Each field's tag states its default.
type Settings struct {
	// Device selection.
	ForceCPU bool `env:"MASX_FORCE_CPU" default:"false" help:"Use the CPU even when a GPU is present; wins over MASX_FORCE_GPU."`
	ForceGPU bool `env:"MASX_FORCE_GPU" default:"false" help:"Require a CUDA GPU; start-up fails when none is usable."`
	DeviceID int  `env:"MASX_DEVICE_ID" default:"0" help:"Index of the GPU to use; checked against the device count."`
	FP16     bool `env:"MASX_FP16" default:"true" help:"Load fp16 model variants (model_fp16.onnx) on a GPU when present."`

	// GPU micro-batching.
	BatchSize     int `env:"BATCH_SIZE" default:"32" min:"1" help:"Maximum items per model batch."`
	BatchDelayMS  int `env:"BATCH_DELAY_MS" default:"50" help:"Longest time the oldest queued item waits before its batch is flushed (ms)."`
	BatchQueueMax int `env:"BATCH_QUEUE_MAX" default:"1000" min:"1" help:"Maximum items queued plus in flight per model; past it callers wait or get ErrQueueFull."`

	// Shared executors.
	MaxThreads int `env:"MAX_THREADS" default:"20" min:"1" help:"Size of the shared I/O pool (blocking calls)."`
	MaxProcs   int `env:"MAX_PROCS" default:"4" min:"1" help:"Size of the shared CPU pool (CPU-heavy work, CPU inference)."`

	// Rendering and fetching.
	RenderMaxPages  int           `env:"RENDER_MAX_PAGES" default:"5" min:"1" help:"Browser pages rendering at once."`
	RenderQueueMax  int           `env:"RENDER_QUEUE_MAX" default:"100" min:"1" help:"Render requests that may wait for a page; past it ErrQueueFull."`
	RenderTimeoutS  int           `env:"RENDER_TIMEOUT_S" default:"30" min:"1" help:"Hard deadline for one fetch or one browser visit (s)."`
	RenderRetries   int           `env:"RENDER_RETRIES" default:"3" help:"Retries on network errors, 429 and 5xx, with exponential backoff."`
	MaxPageBytes    int           `env:"MASX_MAX_PAGE_BYTES" default:"10485760" min:"1" help:"Largest page body accepted, counted after decompression (bytes)."`
	HostConcurrency int           `env:"MASX_HOST_CONCURRENCY" default:"2" min:"1" help:"Requests at once to one host."`
	HostDelayMS     int           `env:"MASX_HOST_DELAY_MS" default:"250" help:"Minimum delay between two requests to one host (ms)."`
	RespectRobots   bool          `env:"MASX_RESPECT_ROBOTS" default:"true" help:"Honour robots.txt."`
	UserAgent       string        `env:"MASX_USER_AGENT" default:"masx/0.1 (+https://github.com/masx-ai/masx)" help:"User-Agent sent by the fetcher, the browser, feed downloads and the model hub client."`
	AllowPrivate    bool          `env:"MASX_ALLOW_PRIVATE" default:"false" help:"Allow fetching loopback, private and link-local addresses (tests, the demo)."`
	ChromiumPath    string        `env:"MASX_CHROMIUM_PATH" default:"auto" help:"Chromium binary used for rendering; auto: Debian's headless shell when installed, else /usr/bin/chromium. Never downloaded."`
	ChromiumSandbox string        `env:"MASX_CHROMIUM_SANDBOX" default:"auto" oneof:"auto|on|off" help:"Chromium's sandbox, which confines the renderers that run pages' scripts. auto: on unless masx runs as root or user namespaces are unavailable; on: required, the browser does not start without it; off: --no-sandbox. masx doctor says which is in force and why."`
	MinTextChars    int           `env:"MASX_MIN_TEXT_CHARS" default:"1000" help:"Extracted text shorter than this sends the fetch to the browser, then drops the article."`
	ExtractTimeout  time.Duration `env:"MASX_EXTRACT_TIMEOUT" default:"10s" help:"Longest extraction of one page; past it the article ends extract_timeout (pages are cut after 5,000 text nodes first, which keeps extraction under a second)."`

	// Models and ONNX Runtime.
	CacheDir   string `env:"MASX_CACHE_DIR" default:"" help:"Cache folder for the ONNX Runtime library and models; empty means $XDG_CACHE_HOME/masx or ~/.cache/masx."`
	ORTLib     string `env:"MASX_ORT_LIB" default:"" help:"Path to libonnxruntime.so; empty means the copy scripts/setup.sh puts in the cache folder."`
	ORTThreads int    `env:"MASX_ORT_THREADS" default:"0" help:"ONNX Runtime intra-op threads; 0 means MAX_PROCS."`
	ModelsDir  string `env:"MASX_MODELS_DIR" default:"" help:"Where models are stored; empty means <cache>/models."`
	HFEndpoint string `env:"MASX_HF_ENDPOINT" default:"https://huggingface.co" help:"Model hub base URL (a mirror may be used)."`
	HFToken    string `env:"HF_TOKEN" default:"" secret:"true" help:"Hugging Face token for private or gated model repositories (masx models pull)."`
	EmbedModel string `env:"MASX_EMBED_MODEL" default:"" help:"ONNX sentence model (folder or installed repo id); empty uses TF-IDF/LSA vectors."`
	VectorDim  int    `env:"MASX_VECTOR_DIM" default:"256" min:"1" help:"Dimensions of TF-IDF/LSA vectors (capped by the number of documents)."`

	// Translation and abstractive summaries.
	Translator       string `env:"MASX_TRANSLATOR" default:"none" help:"Translation of non-English articles into English: none; apertium:<url> (an Apertium APY server); libretranslate:<url> (a LibreTranslate server); onnx:<model dir> is reserved for NLLB-200, M2M100 and Marian through the inference runtime and is refused with an error until that backend is wired."`
	TranslatorAPIKey string `env:"MASX_TRANSLATOR_API_KEY" default:"" secret:"true" help:"API key sent to the translation server (LibreTranslate's api_key)."`
	Summarizer       string `env:"MASX_SUMMARIZER" default:"extractive" help:"Cluster summaries: extractive; or openai:<base url> (an OpenAI-compatible chat-completions server such as llama.cpp, vLLM or Ollama, e.g. openai:http://127.0.0.1:8080/v1)."`
	SummarizerModel  string `env:"MASX_SUMMARIZER_MODEL" default:"" help:"Model name sent to an openai: summarizer; empty sends none (llama.cpp serves the model it loaded)."`
	SummarizerPrompt string `env:"MASX_SUMMARIZER_PROMPT" default:"" help:"Prompt template of an openai: summarizer; {{articles}} is replaced by the cluster's article summaries, one per line. Empty: the built-in prompt."`
	SummarizerAPIKey string `env:"MASX_SUMMARIZER_API_KEY" default:"" secret:"true" help:"Bearer token for an openai: summarizer."`

	// Clustering.
	ClusterPolicy string `env:"MASX_CLUSTER_POLICY" default:"original" oneof:"stories|original" help:"How a flashpoint's articles become stories. original (the default for now: stories still splits one demo story by language): the original system's policy; stories: the number of stories comes from the data (HDBSCAN cores, then k-means refinement; silhouette-chosen k under 100 articles) (NMI 0.945 / ARI 0.893 on GoogleNews-TS); the original uses k = max(2, floor(sqrt(n/2))) under 50 articles, else HDBSCAN with noise."`

	// Pipeline, storage and service.
	FlashpointConcurrency int           `env:"MASX_FLASHPOINT_CONCURRENCY" default:"2" min:"1" help:"Flashpoints processed at once."`
	DataDir               string        `env:"MASX_DATA_DIR" default:"./masx-data" help:"Folder for the embedded SQLite database and run files."`
	DBURL                 string        `env:"MASX_DB_URL" default:"" help:"Database URL (sqlite://path or postgres://…); empty means sqlite://<data dir>/masx.db."`
	JobTimeout            time.Duration `env:"MASX_JOB_TIMEOUT" default:"2h" help:"Longest run of one flashpoint job before it is cancelled."`
	JobRescueAfter        time.Duration `env:"MASX_JOB_RESCUE_AFTER" default:"0s" min:"0" help:"How long a job may stay running before it counts as abandoned (its worker died) and is retried; 0 means MASX_JOB_TIMEOUT + 5m."`
	JobMaxAttempts        int           `env:"MASX_JOB_MAX_ATTEMPTS" default:"5" min:"1" help:"Attempts per flashpoint job; transient failures are retried with backoff until then."`
	JobQueueMax           int           `env:"MASX_JOB_QUEUE_MAX" default:"10000" min:"1" help:"Unfinished flashpoints accepted over all runs; past it a new run gets ErrQueueFull (HTTP 429)."`
	WorkerGrace           time.Duration `env:"MASX_WORKER_GRACE" default:"30s" help:"On SIGTERM, how long in-flight jobs may finish before they are cancelled (and retried elsewhere)."`
	StallAfter            time.Duration `env:"MASX_STALL_AFTER" default:"2m" min:"0" help:"How long the pipeline may make no progress (nothing fetched, analysed or stored) with work pending before one warning names the stuck stage and masx_pipeline_stalled is 1; 0 turns the watchdog off."`
	APIKey                string        `env:"MASX_API_KEY" default:"" secret:"true" help:"API key for masx serve (X-API-Key or Authorization: Bearer)."`
	Listen                string        `env:"MASX_LISTEN" default:"127.0.0.1:8080" help:"Address masx serve listens on."`

	// Logging.
	LogLevel  string `env:"MASX_LOG_LEVEL" default:"info" oneof:"debug|info|warn|error" help:"Log level."`
	LogFormat string `env:"MASX_LOG_FORMAT" default:"text" oneof:"text|json" help:"Log format."`

	sources map[string]Source
}

// Source says where a setting's value came from.
type Source string

// The sources, lowest precedence first.
const (
	SourceDefault Source = "default"
	SourceDotEnv  Source = ".env"
	SourceEnv     Source = "env"
	SourceFlag    Source = "flag"
)

// Error reports a setting whose value is unusable. Callers treat it as a
// usage error (exit code 2).
type Error struct {
	Var    string // environment variable, e.g. BATCH_SIZE
	Value  string // the offending value, verbatim
	Source Source // where the value came from
	Want   string // what was expected
}

func (e *Error) Error() string {
	return fmt.Sprintf("setting %s=%q (from %s): want %s", e.Var, e.Value, e.Source, e.Want)
}

// ErrInvalid matches every [*Error] with errors.Is.
var ErrInvalid = errors.New("invalid setting")

// Is makes errors.Is(err, ErrInvalid) true for every *Error.
func (e *Error) Is(target error) bool { return target == ErrInvalid }

// Options says where Load reads from. The zero value reads nothing but the
// defaults.
type Options struct {
	// LookupEnv reads the environment; os.LookupEnv in production, a map in
	// tests. Nil means no environment.
	LookupEnv func(string) (string, bool)
	// DotEnv is the path of an optional .env file. A missing file is not an
	// error; an unreadable or malformed one is.
	DotEnv string
	// Flags holds values given on the command line, keyed by environment
	// variable name.
	Flags map[string]string
}

// FromProcess returns Options reading the real environment and ./.env.
func FromProcess(flags map[string]string) Options {
	return Options{LookupEnv: os.LookupEnv, DotEnv: ".env", Flags: flags}
}

// Spec describes one setting, as read from the Settings struct tags.
type Spec struct {
	Var     string // environment variable
	Flag    string // long flag name, without dashes
	Default string
	Help    string
	Kind    string // bool, int, string, duration
	OneOf   []string
	Secret  bool // never displayed: Effective shows RedactedSet or RedactedEmpty
	field   int
	min     int
	zeroOK  bool // a duration with min:"0" accepts 0 (meaning "derive it")
}

// Specs lists every setting in declaration order. The slice is a copy:
// changing it changes nothing for Load or later callers.
func Specs() []Spec {
	out := slices.Clone(specs)
	for i := range out {
		out[i].OneOf = slices.Clone(out[i].OneOf)
	}
	return out
}

var specs = buildSpecs()

func buildSpecs() []Spec {
	t := reflect.TypeOf(Settings{})
	var out []Spec
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		env, ok := f.Tag.Lookup("env")
		if !ok {
			continue
		}
		s := Spec{
			Var:     env,
			Flag:    FlagName(env),
			Default: f.Tag.Get("default"),
			Help:    f.Tag.Get("help"),
			Secret:  f.Tag.Get("secret") == "true",
			field:   i,
		}
		if v := f.Tag.Get("oneof"); v != "" {
			s.OneOf = strings.Split(v, "|")
		}
		if v := f.Tag.Get("min"); v != "" {
			s.min, _ = strconv.Atoi(v)
			s.zeroOK = s.min == 0
		}
		switch {
		case f.Type == reflect.TypeOf(time.Duration(0)):
			s.Kind = "duration"
		case f.Type.Kind() == reflect.Bool:
			s.Kind = "bool"
		case f.Type.Kind() == reflect.Int:
			s.Kind = "int"
		case f.Type.Kind() == reflect.String:
			s.Kind = "string"
		default:
			panic("config: unsupported field type " + f.Type.String())
		}
		out = append(out, s)
	}
	return out
}

// FlagName turns an environment variable into its flag name:
// MASX_DEVICE_ID → device-id, BATCH_SIZE → batch-size.
func FlagName(env string) string {
	return strings.ReplaceAll(strings.ToLower(strings.TrimPrefix(env, "MASX_")), "_", "-")
}

// Defaults returns the settings with every default applied.
func Defaults() *Settings {
	s, err := Load(Options{})
	if err != nil {
		panic("config: bad default: " + err.Error()) // a programmer error in the tags
	}
	return s
}

// Load reads settings: defaults, then the .env file, then the environment,
// then flags. The first invalid value stops loading with an [*Error].
func Load(opts Options) (*Settings, error) {
	var dot map[string]string
	if opts.DotEnv != "" {
		m, err := godotenv.Read(opts.DotEnv)
		switch {
		case err == nil:
			dot = m
		case errors.Is(err, os.ErrNotExist):
		default:
			return nil, fmt.Errorf("reading %s: %w", opts.DotEnv, err)
		}
	}
	s := &Settings{sources: make(map[string]Source, len(specs))}
	v := reflect.ValueOf(s).Elem()
	for _, sp := range specs {
		raw, src := sp.Default, SourceDefault
		if val, ok := dot[sp.Var]; ok {
			raw, src = val, SourceDotEnv
		}
		if opts.LookupEnv != nil {
			if val, ok := opts.LookupEnv(sp.Var); ok {
				raw, src = val, SourceEnv
			}
		}
		if val, ok := opts.Flags[sp.Var]; ok {
			raw, src = val, SourceFlag
		}
		if err := sp.set(v.Field(sp.field), raw); err != nil {
			err.Source = src
			return nil, err
		}
		s.sources[sp.Var] = src
	}
	return s, nil
}

func (sp Spec) set(f reflect.Value, raw string) *Error {
	bad := func(want string) *Error { return &Error{Var: sp.Var, Value: raw, Want: want} }
	val := strings.TrimSpace(raw)
	switch sp.Kind {
	case "bool":
		b, ok := ParseBool(val)
		if !ok {
			return bad("a boolean (1/0, true/false, yes/no)")
		}
		f.SetBool(b)
	case "int":
		n, err := strconv.Atoi(val)
		if err != nil {
			return bad("a whole number")
		}
		if n < sp.min {
			if sp.min == 0 {
				return bad("a number ≥ 0")
			}
			return bad(fmt.Sprintf("a number ≥ %d", sp.min))
		}
		f.SetInt(int64(n))
	case "duration":
		d, err := time.ParseDuration(val)
		if err == nil && d == 0 && sp.zeroOK {
			f.SetInt(0)
			break
		}
		if err != nil || d <= 0 {
			if sp.zeroOK {
				return bad("0 or a positive duration such as 90s or 2h")
			}
			return bad("a positive duration such as 90s or 2h")
		}
		f.SetInt(int64(d))
	case "string":
		if len(sp.OneOf) > 0 {
			low := strings.ToLower(val)
			found := false
			for _, o := range sp.OneOf {
				if o == low {
					found = true
				}
			}
			if !found {
				return bad("one of " + strings.Join(sp.OneOf, ", "))
			}
			val = low
		}
		f.SetString(val)
	}
	return nil
}

// ParseBool accepts 1/0, true/false and yes/no in any case.
func ParseBool(s string) (value, ok bool) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "1", "true", "yes":
		return true, true
	case "0", "false", "no":
		return false, true
	}
	return false, false
}

// Source returns where the named setting (by environment variable) came from.
func (s *Settings) Source(envVar string) Source {
	if src, ok := s.sources[envVar]; ok {
		return src
	}
	return SourceDefault
}

// Effective is one setting as loaded, for display.
type Effective struct {
	Var    string `json:"var"`
	Value  string `json:"value"`
	Source Source `json:"source"`
}

// Redacted values of secret settings in [Settings.Effective].
const (
	RedactedSet   = "(set)"
	RedactedEmpty = "(empty)"
)

// Effective lists every setting with its value and source. A secret's value
// is never shown: it reads [RedactedSet] or [RedactedEmpty].
func (s *Settings) Effective() []Effective {
	v := reflect.ValueOf(s).Elem()
	out := make([]Effective, 0, len(specs))
	for _, sp := range specs {
		val := fmt.Sprint(v.Field(sp.field).Interface())
		switch {
		case sp.Secret && val == "":
			val = RedactedEmpty
		case sp.Secret:
			val = RedactedSet
		default:
			val = RedactPassword(val)
		}
		out = append(out, Effective{Var: sp.Var, Value: val, Source: s.Source(sp.Var)})
	}
	return out
}

// RedactPassword hides the password of a URL with user info
// (postgres://masx:secret@db/masx → postgres://masx:xxxxx@db/masx) or in a
// password= query parameter; any other value is returned as it is. Settings
// that are not secret themselves may still carry one: MASX_DB_URL does.
func RedactPassword(v string) string {
	if !strings.Contains(v, "://") {
		return v
	}
	u, err := url.Parse(v)
	if err != nil {
		return v
	}
	if q := u.Query(); q.Has("password") {
		q.Set("password", "xxxxx")
		u.RawQuery = q.Encode()
	}
	return u.Redacted()
}

// BatchDelay is BATCH_DELAY_MS as a duration.
func (s *Settings) BatchDelay() time.Duration {
	return time.Duration(s.BatchDelayMS) * time.Millisecond
}

// RenderTimeout is RENDER_TIMEOUT_S as a duration.
func (s *Settings) RenderTimeout() time.Duration {
	return time.Duration(s.RenderTimeoutS) * time.Second
}

// HostDelay is MASX_HOST_DELAY_MS as a duration.
func (s *Settings) HostDelay() time.Duration {
	return time.Duration(s.HostDelayMS) * time.Millisecond
}

// ResolvedCacheDir is MASX_CACHE_DIR, or $XDG_CACHE_HOME/masx, or
// ~/.cache/masx. scripts/setup.sh uses the same rule.
func (s *Settings) ResolvedCacheDir() string {
	if s.CacheDir != "" {
		return s.CacheDir
	}
	if x := os.Getenv("XDG_CACHE_HOME"); x != "" {
		return filepath.Join(x, "masx")
	}
	if h, err := os.UserHomeDir(); err == nil {
		return filepath.Join(h, ".cache", "masx")
	}
	return filepath.Join(os.TempDir(), "masx-cache")
}

// ResolvedModelsDir is MASX_MODELS_DIR or <cache>/models.
func (s *Settings) ResolvedModelsDir() string {
	if s.ModelsDir != "" {
		return s.ModelsDir
	}
	return filepath.Join(s.ResolvedCacheDir(), "models")
}

// ResolvedORTLib is MASX_ORT_LIB or the library setup.sh installs in the
// cache folder.
func (s *Settings) ResolvedORTLib() string {
	if s.ORTLib != "" {
		return s.ORTLib
	}
	return filepath.Join(s.ResolvedCacheDir(), "onnxruntime", "1.29.0", "libonnxruntime.so.1")
}

// ResolvedORTThreads is MASX_ORT_THREADS, or MAX_PROCS when it is 0.
func (s *Settings) ResolvedORTThreads() int {
	if s.ORTThreads > 0 {
		return s.ORTThreads
	}
	return s.MaxProcs
}

// ResolvedDBURL is MASX_DB_URL, or sqlite://<data dir>/masx.db.
func (s *Settings) ResolvedDBURL() string {
	if s.DBURL != "" {
		return s.DBURL
	}
	return "sqlite://" + filepath.Join(s.DataDir, "masx.db")
}
