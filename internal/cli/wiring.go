package cli

import (
	"errors"
	"log/slog"

	"github.com/masx-ai/masx/api"
	"github.com/masx-ai/masx/concurrency/device"
	"github.com/masx-ai/masx/concurrency/executor"
	"github.com/masx-ai/masx/concurrency/inference"
	"github.com/masx-ai/masx/config"
	"github.com/masx-ai/masx/crawl"
	"github.com/masx-ai/masx/crawl/fetch"
	"github.com/masx-ai/masx/crawl/render"
	"github.com/masx-ai/masx/etl/jobs"
	"github.com/masx-ai/masx/model/hub"
	"github.com/masx-ai/masx/model/onnx"
	"github.com/masx-ai/masx/nlp/cluster"
	"github.com/masx-ai/masx/nlp/embed"
)

// This file is the one place where settings become library configuration.
// Library packages know nothing of config: each takes a Config of its own
// whose zero fields are its documented defaults, and the functions below
// fill those Configs from loaded settings. Their defaults agree with the
// settings table; wiring_test.go proves it, setting by setting.
//
// Library errors do not name environment variables either. withSettingNames
// adds the setting to an error the user can fix with one, where the error
// is shown.

// deviceOptions maps MASX_FORCE_CPU, MASX_FORCE_GPU and MASX_DEVICE_ID.
func deviceOptions(s *config.Settings) device.Options {
	return device.Options{ForceCPU: s.ForceCPU, ForceGPU: s.ForceGPU, DeviceID: s.DeviceID}
}

// detectDevice is device.Detect for the settings. The decision's Reason and
// the error name the setting that forced them, as users set them.
func detectDevice(s *config.Settings) (device.Config, error) {
	dev, err := device.Detect(deviceOptions(s))
	switch {
	case dev.ForceCPU:
		dev.Reason = "MASX_FORCE_CPU=1: " + dev.Reason
	case dev.ForceGPU && err == nil:
		dev.Reason = "MASX_FORCE_GPU=1: " + dev.Reason
	}
	return dev, withSettingNames(err)
}

// executorConfig maps MAX_THREADS and MAX_PROCS.
func executorConfig(s *config.Settings) executor.Config {
	return executor.Config{MaxThreads: s.MaxThreads, MaxProcs: s.MaxProcs}
}

// clusterPolicy maps MASX_CLUSTER_POLICY.
func clusterPolicy(s *config.Settings) cluster.PolicyConfig {
	return cluster.PolicyConfig{Policy: s.ClusterPolicy}
}

// runtimeConfig maps the batching settings (BATCH_SIZE, BATCH_DELAY_MS,
// BATCH_QUEUE_MAX) onto a runtime for dev; ex may be nil.
func runtimeConfig(s *config.Settings, dev device.Config, ex *executor.Executors) inference.Config {
	return inference.Config{
		Device:     dev,
		Executors:  ex,
		BatchSize:  s.BatchSize,
		BatchDelay: s.BatchDelay(),
		QueueMax:   s.BatchQueueMax,
	}
}

// embedConfig is the Config of the sentence model in folder dir: the ONNX
// Runtime library and threads, MASX_FP16 and the batching settings.
func embedConfig(s *config.Settings, dir string) embed.Config {
	return embed.Config{
		Dir:          dir,
		ORTLib:       s.ResolvedORTLib(),
		Threads:      s.ResolvedORTThreads(),
		FP16:         s.FP16,
		MaxBatchSize: s.BatchSize,
		MaxDelay:     s.BatchDelay(),
		QueueMax:     s.BatchQueueMax,
	}
}

// onnxInfo probes the ONNX Runtime library the settings name.
func onnxInfo(s *config.Settings) onnx.Info {
	return onnx.Probe(s.ResolvedORTLib())
}

// fetchConfig maps the fetch settings. Where a setting's 0 means "none"
// (RENDER_RETRIES, MASX_HOST_DELAY_MS), the fetcher wants a negative value:
// its 0 means its default.
func fetchConfig(s *config.Settings) fetch.Config {
	c := fetch.Config{
		Timeout:         s.RenderTimeout(),
		MaxBytes:        int64(s.MaxPageBytes),
		Retries:         s.RenderRetries,
		HostConcurrency: s.HostConcurrency,
		HostDelay:       s.HostDelay(),
		IgnoreRobots:    !s.RespectRobots,
		UserAgent:       s.UserAgent,
		AllowPrivate:    s.AllowPrivate,
	}
	if c.Retries == 0 {
		c.Retries = -1
	}
	if c.HostDelay == 0 {
		c.HostDelay = -1
	}
	return c
}

// renderConfig maps the browser settings.
func renderConfig(s *config.Settings) render.Config {
	return render.Config{
		ChromiumPath: s.ChromiumPath,
		MaxPages:     s.RenderMaxPages,
		QueueMax:     s.RenderQueueMax,
		Timeout:      s.RenderTimeout(),
		MaxHTMLBytes: s.MaxPageBytes,
		UserAgent:    s.UserAgent,
		AllowPrivate: s.AllowPrivate,
		Sandbox:      s.ChromiumSandbox,
	}
}

// crawlConfig maps MASX_MIN_TEXT_CHARS onto a client of f and, for the
// browser method, p (nil without one).
func crawlConfig(s *config.Settings, f *fetch.Fetcher, p *render.Pool) crawl.Config {
	return crawl.Config{Fetcher: f, Pool: p, MinTextChars: s.MinTextChars, ExtractTimeout: s.ExtractTimeout}
}

// jobsConfig maps the job settings; Workers starts at
// MASX_FLASHPOINT_CONCURRENCY and the command may change it.
func jobsConfig(s *config.Settings) jobs.Config {
	return jobs.Config{
		Workers:     s.FlashpointConcurrency,
		JobTimeout:  s.JobTimeout,
		RescueAfter: s.JobRescueAfter,
		MaxAttempts: s.JobMaxAttempts,
		QueueMax:    s.JobQueueMax,
	}
}

// hubConfig maps MASX_HF_ENDPOINT, HF_TOKEN and MASX_USER_AGENT.
func hubConfig(s *config.Settings, log *slog.Logger) hub.Config {
	return hub.Config{Endpoint: s.HFEndpoint, Token: s.HFToken, UserAgent: s.UserAgent, Logger: log}
}

// settingHints says, for library errors a setting can fix, which one.
// The first match wins.
var settingHints = []struct {
	err  error
	hint string
}{
	{device.ErrForcedGPUUnavailable, "unset MASX_FORCE_GPU to fall back to the CPU"},
	{device.ErrBadDeviceID, "MASX_DEVICE_ID picks the GPU"},
	{onnx.ErrUnavailable, "MASX_ORT_LIB names the library"},
	{render.ErrNoChromium, "MASX_CHROMIUM_PATH names the binary"},
	{hub.ErrRepoNotFound, "HF_TOKEN sets a token for private and gated repositories"},
	{hub.ErrUnauthorized, "HF_TOKEN sets the token"},
	{jobs.ErrQueueFull, "MASX_JOB_QUEUE_MAX sets the limit"},
	{api.ErrInsecure, "set MASX_API_KEY, or pass --insecure if a proxy in front authenticates"},
}

// settingError is a library error with the setting that fixes it.
type settingError struct {
	err  error
	hint string
}

func (e *settingError) Error() string { return e.err.Error() + "; " + e.hint }
func (e *settingError) Unwrap() error { return e.err }

// withSettingNames adds to err the setting that fixes it, once; other
// errors come back unchanged. Wrapping keeps errors.Is and errors.As
// working, exit codes included.
func withSettingNames(err error) error {
	if err == nil || errors.As(err, new(*settingError)) {
		return err
	}
	for _, h := range settingHints {
		if errors.Is(err, h.err) {
			return &settingError{err: err, hint: h.hint}
		}
	}
	return err
}
