package cli

import (
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/masx-ai/masx/api"
	"github.com/masx-ai/masx/concurrency/batch"
	"github.com/masx-ai/masx/concurrency/device"
	"github.com/masx-ai/masx/concurrency/executor"
	"github.com/masx-ai/masx/concurrency/inference"
	"github.com/masx-ai/masx/config"
	"github.com/masx-ai/masx/crawl"
	"github.com/masx-ai/masx/crawl/fetch"
	"github.com/masx-ai/masx/crawl/render"
	"github.com/masx-ai/masx/etl/input"
	"github.com/masx-ai/masx/etl/jobs"
	"github.com/masx-ai/masx/etl/pipeline"
	"github.com/masx-ai/masx/model/hub"
	"github.com/masx-ai/masx/model/onnx"
	"github.com/masx-ai/masx/nlp/cluster"
	"github.com/masx-ai/masx/nlp/embed"
	"github.com/masx-ai/masx/nlp/summarize/openai"
	"github.com/masx-ai/masx/nlp/translate/libretranslate"
	"github.com/masx-ai/masx/nlp/vectorize"
)

// TestSettingDefaultsAreTheLibraries proves that each default is one value:
// the settings table's default of a setting equals the default of the
// library field it configures.
//
// The table's defaults are struct-tag strings in package config, which
// cannot refer to a Go constant, and config stays free of library imports;
// so the two are written twice and this test holds them equal. A setting
// with no library counterpart is listed in owned, with the reason.
func TestSettingDefaultsAreTheLibraries(t *testing.T) {
	t.Parallel()
	d := config.Defaults()
	cases := []struct {
		setting   string
		got, want any
	}{
		{"MASX_FORCE_CPU", d.ForceCPU, device.Options{}.ForceCPU},
		{"MASX_FORCE_GPU", d.ForceGPU, device.Options{}.ForceGPU},
		{"MASX_DEVICE_ID", d.DeviceID, device.Options{}.DeviceID},
		{"BATCH_SIZE", d.BatchSize, batch.MaxBatchSizeDefault},
		{"BATCH_DELAY_MS", d.BatchDelay(), batch.MaxDelayDefault},
		{"BATCH_QUEUE_MAX", d.BatchQueueMax, batch.QueueMaxDefault},
		{"MAX_THREADS", d.MaxThreads, executor.DefaultMaxThreads},
		{"MAX_PROCS", d.MaxProcs, executor.DefaultMaxProcs},
		{"RENDER_MAX_PAGES", d.RenderMaxPages, render.DefaultMaxPages},
		{"RENDER_QUEUE_MAX", d.RenderQueueMax, render.DefaultQueueMax},
		{"RENDER_TIMEOUT_S", d.RenderTimeout(), render.DefaultTimeout},
		{"RENDER_TIMEOUT_S", d.RenderTimeout(), fetch.DefaultTimeout},
		{"RENDER_RETRIES", d.RenderRetries, fetch.DefaultRetries},
		{"MASX_MAX_PAGE_BYTES", d.MaxPageBytes, fetch.DefaultMaxBytes},
		{"MASX_MAX_PAGE_BYTES", d.MaxPageBytes, render.DefaultMaxHTMLBytes},
		{"MASX_HOST_CONCURRENCY", d.HostConcurrency, fetch.DefaultHostConcurrency},
		{"MASX_HOST_DELAY_MS", d.HostDelay(), fetch.DefaultHostDelay},
		{"MASX_RESPECT_ROBOTS", !d.RespectRobots, fetch.Config{}.IgnoreRobots},
		{"MASX_USER_AGENT", d.UserAgent, fetch.DefaultUserAgent},
		{"MASX_USER_AGENT", d.UserAgent, input.DefaultUserAgent},
		{"MASX_USER_AGENT", d.UserAgent, hub.DefaultUserAgent},
		{"MASX_ALLOW_PRIVATE", d.AllowPrivate, fetch.Config{}.AllowPrivate},
		{"MASX_ALLOW_PRIVATE", d.AllowPrivate, render.Config{}.AllowPrivate},
		{"MASX_CHROMIUM_PATH", d.ChromiumPath, render.AutoChromium},
		{"MASX_CHROMIUM_SANDBOX", d.ChromiumSandbox, render.SandboxAuto},
		{"MASX_MIN_TEXT_CHARS", d.MinTextChars, crawl.DefaultMinTextChars},
		{"MASX_MIN_TEXT_CHARS", d.MinTextChars, pipeline.MinTextCharsDefault},
		{"MASX_HF_ENDPOINT", d.HFEndpoint, hub.DefaultEndpoint},
		{"HF_TOKEN", d.HFToken, hub.Config{}.Token},
		{"MASX_VECTOR_DIM", d.VectorDim, vectorize.DefaultDim},
		// The CLI keeps the original policy until stories stops splitting the
		// demo's French Sahel articles into their own story (issue 18).
		{"MASX_CLUSTER_POLICY", d.ClusterPolicy, cluster.PolicyOriginal},
		{"MASX_JOB_TIMEOUT", d.JobTimeout, jobs.JobTimeoutDefault},
		{"MASX_JOB_RESCUE_AFTER", d.JobRescueAfter, jobs.Config{}.RescueAfter}, // 0: JobTimeout + 5m
		{"MASX_JOB_MAX_ATTEMPTS", d.JobMaxAttempts, jobs.MaxAttemptsDefault},
		{"MASX_JOB_QUEUE_MAX", d.JobQueueMax, jobs.QueueMaxDefault},
		{"MASX_STALL_AFTER", d.StallAfter, pipeline.StallAfterDefault},
		{"MASX_EXTRACT_TIMEOUT", d.ExtractTimeout, crawl.DefaultExtractTimeout},
		{"MASX_API_KEY", d.APIKey, api.Config{}.APIKey},
		{"MASX_LISTEN", d.Listen, api.DefaultAddr},
		{"MASX_TRANSLATOR_API_KEY", d.TranslatorAPIKey, libretranslate.Config{}.APIKey},
		{"MASX_SUMMARIZER_MODEL", d.SummarizerModel, openai.Config{}.Model},
		{"MASX_SUMMARIZER_PROMPT", d.SummarizerPrompt, openai.Config{}.Prompt}, // "": openai.PromptDefault
		{"MASX_SUMMARIZER_API_KEY", d.SummarizerAPIKey, openai.Config{}.APIKey},
	}
	owned := map[string]string{
		"MASX_FP16":                   "embed.Config.FP16 is opt-in; masx turns it on",
		"MASX_CACHE_DIR":              "a folder of the masx installation",
		"MASX_ORT_LIB":                "resolved in the cache folder, where scripts/setup.sh installs it",
		"MASX_ORT_THREADS":            "0 means MAX_PROCS, a rule of the composition root",
		"MASX_MODELS_DIR":             "a folder of the masx installation",
		"MASX_EMBED_MODEL":            "which model to load is the command's choice",
		"MASX_DATA_DIR":               "a folder of the masx installation",
		"MASX_DB_URL":                 "derived from MASX_DATA_DIR",
		"MASX_WORKER_GRACE":           "the commands' shutdown policy",
		"MASX_FLASHPOINT_CONCURRENCY": "the in-process River workers of run, demo and serve (--workers), which bound the flashpoints at once",
		"MASX_LOG_LEVEL":              "the commands' logger",
		"MASX_LOG_FORMAT":             "the commands' logger",
		"MASX_TRANSLATOR":             "which backend to build is the composition root's choice; none is translate.Keep",
		"MASX_SUMMARIZER":             "which summarizer to build is the composition root's choice; extractive is the pipeline's own",
	}
	checked := map[string]bool{}
	for _, c := range cases {
		require.EqualValues(t, c.want, c.got, "%s: the settings table and the library disagree", c.setting)
		checked[c.setting] = true
	}
	for _, sp := range config.Specs() {
		_, own := owned[sp.Var]
		switch {
		case checked[sp.Var] && own:
			t.Errorf("%s is both checked and listed as owned by masx", sp.Var)
		case !checked[sp.Var] && !own:
			t.Errorf("%s: add its library default to the cases, or to owned with the reason it has none", sp.Var)
		}
	}
}

// TestWiringMapsSettings loads settings from an environment and checks what
// each library is handed.
func TestWiringMapsSettings(t *testing.T) {
	t.Parallel()
	env := map[string]string{
		"MASX_FORCE_CPU": "1", "MASX_FORCE_GPU": "yes", "MASX_DEVICE_ID": "3",
		"MAX_THREADS": "40", "MAX_PROCS": "8",
		"BATCH_SIZE": "16", "BATCH_DELAY_MS": "7", "BATCH_QUEUE_MAX": "99",
		"RENDER_TIMEOUT_S": "7", "RENDER_RETRIES": "0", "MASX_MAX_PAGE_BYTES": "1000",
		"MASX_HOST_CONCURRENCY": "4", "MASX_HOST_DELAY_MS": "0", "MASX_RESPECT_ROBOTS": "false",
		"MASX_USER_AGENT": "probe/2", "MASX_ALLOW_PRIVATE": "true",
		"RENDER_MAX_PAGES": "2", "RENDER_QUEUE_MAX": "9", "MASX_CHROMIUM_PATH": "/opt/chromium",
		"MASX_CHROMIUM_SANDBOX": "on", "MASX_MIN_TEXT_CHARS": "500",
		"MASX_FP16": "false", "MASX_ORT_LIB": "/opt/ort.so", "MASX_ORT_THREADS": "3",
		"MASX_FLASHPOINT_CONCURRENCY": "5", "MASX_JOB_TIMEOUT": "1m", "MASX_JOB_RESCUE_AFTER": "2m",
		"MASX_JOB_MAX_ATTEMPTS": "2", "MASX_JOB_QUEUE_MAX": "77",
		"MASX_HF_ENDPOINT": "https://hf.example", "HF_TOKEN": "hf_x",
	}
	s, err := config.Load(config.Options{LookupEnv: func(k string) (string, bool) { v, ok := env[k]; return v, ok }})
	require.NoError(t, err)

	require.Equal(t, device.Options{ForceCPU: true, ForceGPU: true, DeviceID: 3}, deviceOptions(s))
	require.Equal(t, executor.Config{MaxThreads: 40, MaxProcs: 8}, executorConfig(s))
	dev := inference.CPUDevice("test")
	require.Equal(t, inference.Config{Device: dev, BatchSize: 16, BatchDelay: 7 * time.Millisecond, QueueMax: 99},
		runtimeConfig(s, dev, nil))
	require.Equal(t, embed.Config{Dir: "m", ORTLib: "/opt/ort.so", Threads: 3, MaxBatchSize: 16,
		MaxDelay: 7 * time.Millisecond, QueueMax: 99}, embedConfig(s, "m"))
	// RENDER_RETRIES=0 and MASX_HOST_DELAY_MS=0 mean none: negative for
	// the fetcher, whose 0 means its default.
	require.Equal(t, fetch.Config{Timeout: 7 * time.Second, MaxBytes: 1000, Retries: -1, HostConcurrency: 4,
		HostDelay: -1, IgnoreRobots: true, UserAgent: "probe/2", AllowPrivate: true}, fetchConfig(s))
	require.Equal(t, render.Config{ChromiumPath: "/opt/chromium", MaxPages: 2, QueueMax: 9, Timeout: 7 * time.Second,
		MaxHTMLBytes: 1000, UserAgent: "probe/2", AllowPrivate: true, Sandbox: render.SandboxOn}, renderConfig(s))
	require.Equal(t, crawl.Config{MinTextChars: 500, ExtractTimeout: 10 * time.Second}, crawlConfig(s, nil, nil))
	require.Equal(t, jobs.Config{Workers: 5, JobTimeout: time.Minute, RescueAfter: 2 * time.Minute,
		MaxAttempts: 2, QueueMax: 77}, jobsConfig(s))
	require.Equal(t, hub.Config{Endpoint: "https://hf.example", Token: "hf_x", UserAgent: "probe/2"}, hubConfig(s, nil))
	require.Equal(t, "/opt/ort.so", onnxInfo(s).Library)

	d := config.Defaults()
	require.Equal(t, device.Options{}, deviceOptions(d))
	fc := fetchConfig(d)
	require.Equal(t, fetch.DefaultRetries, fc.Retries)
	require.Equal(t, fetch.DefaultHostDelay, fc.HostDelay)
}

func TestDetectDeviceNamesTheSettings(t *testing.T) {
	t.Parallel()
	s := config.Defaults()
	s.ForceCPU, s.ForceGPU = true, true
	dev, err := detectDevice(s)
	require.NoError(t, err)
	require.Equal(t, device.CPU, dev.Type)
	require.Regexp(t, `^MASX_FORCE_CPU=1: forced to the CPU`, dev.Reason)

	s = config.Defaults()
	s.DeviceID = -1
	_, err = detectDevice(s)
	require.ErrorIs(t, err, device.ErrBadDeviceID)
	require.ErrorContains(t, err, "MASX_DEVICE_ID")
}

func TestWithSettingNames(t *testing.T) {
	t.Parallel()
	require.NoError(t, withSettingNames(nil))
	plain := errors.New("disk full")
	require.Same(t, plain, withSettingNames(plain), "an error no setting fixes is unchanged")

	for _, tt := range []struct {
		err     error
		setting string
	}{
		{fmt.Errorf("detecting: %w: NVML: library not found", device.ErrForcedGPUUnavailable), "MASX_FORCE_GPU"},
		{fmt.Errorf("%w 9: want 0..1", device.ErrBadDeviceID), "MASX_DEVICE_ID"},
		{fmt.Errorf("%w: library /x not found", onnx.ErrUnavailable), "MASX_ORT_LIB"},
		{fmt.Errorf("starting render pool: %w", render.ErrNoChromium), "MASX_CHROMIUM_PATH"},
		{fmt.Errorf("listing a/b: %w", hub.ErrRepoNotFound), "HF_TOKEN"},
		{fmt.Errorf("listing a/b: %w", hub.ErrUnauthorized), "HF_TOKEN"},
		{fmt.Errorf("jobs: %w", jobs.ErrQueueFull), "MASX_JOB_QUEUE_MAX"},
		{fmt.Errorf("api: %w", api.ErrInsecure), "MASX_API_KEY"},
	} {
		named := withSettingNames(AsUsage(tt.err))
		require.ErrorContains(t, named, tt.setting)
		require.ErrorContains(t, named, tt.err.Error(), "the library's message stays")
		require.ErrorIs(t, named, ErrUsage, "wrapping keeps the exit code")
		require.ErrorIs(t, named, errors.Unwrap(tt.err))
		require.Equal(t, named.Error(), withSettingNames(named).Error(), "named once")
	}
}

func TestDoctorRedactsSecrets(t *testing.T) {
	t.Setenv("HF_TOKEN", "hf_do_not_print")
	t.Setenv("MASX_API_KEY", "")
	t.Setenv("MASX_FORCE_CPU", "1")
	code, out, stderr := runCLI(t, "doctor")
	require.Equal(t, ExitOK, code, stderr)
	require.NotContains(t, out+stderr, "hf_do_not_print")
	require.Regexp(t, `HF_TOKEN\s+\(set\)\s+env`, out)
	require.Regexp(t, `MASX_API_KEY\s+\(empty\)\s+env`, out)
}
