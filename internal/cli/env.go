package cli

import (
	"context"
	"errors"
	"fmt"
	"log/slog"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/masx-ai/masx/concurrency/device"
	"github.com/masx-ai/masx/concurrency/executor"
	"github.com/masx-ai/masx/concurrency/inference"
	"github.com/masx-ai/masx/config"
	"github.com/masx-ai/masx/crawl"
	"github.com/masx-ai/masx/crawl/fetch"
	"github.com/masx-ai/masx/crawl/render"
	"github.com/masx-ai/masx/etl/jobs"
	"github.com/masx-ai/masx/etl/pipeline"
	"github.com/masx-ai/masx/model/hub"
	"github.com/masx-ai/masx/nlp/embed"
	"github.com/masx-ai/masx/nlp/translate"
	"github.com/masx-ai/masx/nlp/vectorize"
	"github.com/masx-ai/masx/store"
	"github.com/masx-ai/masx/store/open"
)

// etlEnv is one process's ETL machinery: the device decision, the shared
// executors, the inference runtime, the fetcher and browser pool, the
// store, the pipeline over them, and its stall watchdog (MASX_STALL_AFTER). Everything is created once and shared
// by every flashpoint, so batches and pools span the whole run.
type etlEnv struct {
	Settings  *config.Settings
	Device    device.Config
	Executors *executor.Executors
	Runtime   *inference.Runtime
	Fetcher   *fetch.Fetcher
	Browser   *render.Pool
	Client    *crawl.RenderClient
	Store     store.Store
	Pipeline  *pipeline.Pipeline
	Progress  *pipeline.Progress
	Vectors   vectorize.Vectorizer
	// Translator is MASX_TRANSLATOR's backend; Summarizer MASX_SUMMARIZER's
	// (nil: extractive).
	Translator translate.Translator
	Summarizer pipeline.ClusterSummarizer
	Registry   *prometheus.Registry
	Jobs       *jobs.Jobs // set by newJobsEnv

	closers []func(context.Context) error
}

// envOptions adjusts what newETLEnv builds.
type envOptions struct {
	DBURL    string // overrides the settings' database URL
	Method   crawl.Method
	Registry *prometheus.Registry
	Logger   *slog.Logger
}

// newETLEnv builds the ETL machinery from settings. Close releases it in
// reverse order, draining each part.
//
// It runs past 80 lines because it is the one place that builds the parts
// in dependency order (device, executors, store, runtime and vectors,
// fetcher, browser, crawl client, pipeline, watchdog), each with its
// closer; the store, the pipeline and the watchdog have functions of their
// own, and the rest stays beside the settings adapters it calls.
func newETLEnv(ctx context.Context, s *config.Settings, o envOptions) (env *etlEnv, err error) {
	env = &etlEnv{Settings: s, Progress: &pipeline.Progress{}, Registry: o.Registry}
	if env.Registry == nil {
		env.Registry = prometheus.NewRegistry()
	}
	log := o.Logger
	if log == nil {
		log = slog.Default()
	}
	defer func() {
		if err != nil {
			_ = env.Close(context.WithoutCancel(ctx))
		}
	}()

	if env.Device, err = detectDevice(s); err != nil {
		return env, AsUsage(err)
	}
	if env.Executors, err = executor.New(executorConfig(s)); err != nil {
		return env, err
	}
	env.closers = append(env.closers, env.Executors.Shutdown)
	if err = env.Executors.Register(env.Registry); err != nil {
		return env, err
	}

	if err = env.openStore(ctx, s, o.DBURL); err != nil {
		return env, err
	}

	// The inference runtime hosts the neural models; without one
	// configured, vectors come from TF-IDF/LSA and no model is loaded.
	rc := runtimeConfig(s, env.Device, env.Executors)
	rc.Logger, rc.Registerer = log, env.Registry
	if env.Runtime, err = inference.New(rc); err != nil {
		return env, err
	}
	if env.Vectors, err = newVectorizer(s, env.Runtime); err != nil {
		return env, err
	}
	if env.Translator, err = newTranslator(s, env.Runtime); err != nil {
		return env, err
	}
	if env.Summarizer, err = newClusterSummarizer(s); err != nil {
		return env, err
	}
	if err = env.Runtime.Start(ctx); err != nil {
		return env, err
	}
	env.closers = append(env.closers, env.Runtime.Stop)

	if env.Fetcher, err = fetch.New(fetchConfig(s)); err != nil {
		return env, err
	}
	env.closers = append(env.closers, func(context.Context) error { env.Fetcher.Close(); return nil })
	method := o.Method
	if method == "" {
		method = crawl.MethodAuto
	}
	if method != crawl.MethodHTTP {
		rc := renderConfig(s)
		rc.Robots = env.Fetcher.CheckRobots // robots.txt holds for the browser too
		if env.Browser, err = render.New(rc); err != nil {
			return env, err
		}
		env.closers = append(env.closers, env.Browser.Stop)
	}
	cc := crawlConfig(s, env.Fetcher, env.Browser)
	cc.IO, cc.CPU, cc.Registerer, cc.Logger = env.Executors.IO, env.Executors.CPU, env.Registry, log
	if env.Client, err = crawl.New(cc); err != nil {
		return env, err
	}

	if err = env.newPipeline(s, method, log); err != nil || s.StallAfter <= 0 {
		return env, err
	}
	return env, env.startWatchdog(ctx, s, log)
}

// openStore opens dbURL, or the configured database when it is empty.
func (env *etlEnv) openStore(ctx context.Context, s *config.Settings, dbURL string) error {
	if dbURL == "" {
		dbURL = s.ResolvedDBURL()
	}
	st, err := open.Open(ctx, dbURL)
	if err != nil {
		if errors.Is(err, store.ErrBadURL) {
			err = AsUsage(err)
		}
		return fmt.Errorf("opening the store: %w", err)
	}
	env.Store = st
	env.closers = append(env.closers, func(context.Context) error { return env.Store.Close() })
	return nil
}

// newPipeline builds the pipeline over the parts already built.
func (env *etlEnv) newPipeline(s *config.Settings, method crawl.Method, log *slog.Logger) error {
	var err error
	env.Pipeline, err = pipeline.New(pipeline.Config{
		MinTextChars: s.MinTextChars,
		Method:       method,
		Cluster:      clusterPolicy(s),
	}, pipeline.Deps{
		Store:             env.Store,
		Getter:            env.Client,
		Vectorizer:        env.Vectors,
		Translator:        env.Translator,
		Executors:         env.Executors,
		Logger:            log,
		Progress:          env.Progress,
		Registerer:        env.Registry,
		ClusterSummarizer: env.Summarizer,
	})
	return err
}

// startWatchdog starts the stall watchdog, which makes a hung pipeline
// visible: one warning naming the stuck stage, and masx_pipeline_stalled
// on /metrics. Closers run last-first, so it still watches while jobs
// drain and stops before the pools and the runtime it samples.
func (env *etlEnv) startWatchdog(ctx context.Context, s *config.Settings, log *slog.Logger) error {
	wd, err := pipeline.NewWatchdog(pipeline.WatchdogConfig{
		Progress:   env.Progress,
		StallAfter: s.StallAfter,
		Pools:      []*executor.Pool{env.Executors.IO, env.Executors.CPU},
		ModelQueue: env.Runtime.QueueDepth,
		Logger:     log,
		Registerer: env.Registry,
	})
	if err != nil {
		return err
	}
	if err = wd.Start(ctx); err != nil {
		return err
	}
	env.closers = append(env.closers, wd.Stop)
	return nil
}

// Close stops everything newETLEnv started, last first; each part drains.
func (e *etlEnv) Close(ctx context.Context) error {
	var errs []error
	for i := len(e.closers) - 1; i >= 0; i-- {
		if err := e.closers[i](ctx); err != nil {
			errs = append(errs, err)
		}
	}
	e.closers = nil
	return errors.Join(errs...)
}

// newVectorizer is the vectorizer the settings select: the ONNX sentence
// model MASX_EMBED_MODEL, registered with rt, or TF-IDF/LSA. The pipeline
// and `masx eval cluster` both get theirs here.
func newVectorizer(s *config.Settings, rt *inference.Runtime) (vectorize.Vectorizer, error) {
	if s.EmbedModel == "" {
		return vectorize.NewTFIDF(vectorize.Options{Dim: s.VectorDim})
	}
	m, err := hub.Resolve(s.ResolvedModelsDir(), s.EmbedModel)
	if err != nil {
		return nil, AsUsage(fmt.Errorf("MASX_EMBED_MODEL=%q: %w", s.EmbedModel, err))
	}
	emb, err := embed.Register(rt, embedConfig(s, m.Dir))
	if err != nil {
		return nil, fmt.Errorf("MASX_EMBED_MODEL=%q: %w", s.EmbedModel, err)
	}
	return perText{emb}, nil
}

// perText marks a neural embedder as per-text, so the pipeline embeds each
// article as it streams and batches form across articles in the runtime.
type perText struct{ *embed.Embedder }

func (perText) PerText() bool { return true }
