// Package pipeline runs the ETL for flashpoints: articles stream through
// bounded stages, then each flashpoint's articles are clustered and the
// clusters summarized and stored.
//
//	feeds ─▶ fetch/render + extract (FetchWorkers, I/O pool, per-host politeness)
//	      ─▶ analyze: length check, language id, compress (non-English) (CPU pool)
//	         ─▶ translate (model, no slot held) ─▶ summarize (CPU pool)
//	         ─▶ embed (model, no slot held)
//	      ─▶ store (batched transactions)
//	barrier per flashpoint ─▶ vectorize (TF-IDF/LSA) ─▶ cluster ─▶ cluster summaries ─▶ store
//
// Stages are connected by small buffered channels, so an article moves on as
// soon as its stage is done and a slow stage holds back the ones before it
// (backpressure) instead of letting work pile up in memory. The only barrier
// is clustering, which needs all of a flashpoint's articles.
//
// Models are never called from a task on the CPU pool. Their batches run on
// that pool too, so a task that held a slot while it waited for its batch
// would, once every slot was held that way, wait for ever (the deadlock
// executor.CheckWait now refuses). Model steps run in the stage goroutines,
// between CPU steps, holding no slot.
//
// Every input article ends in the store with a status (news.Status) and,
// when it failed, the reason. Writes are idempotent on (run, flashpoint,
// url): a rerun of the same run skips articles that already have a terminal
// status, and a cancelled run marks what was in flight as cancelled, so the
// rerun picks exactly those up again.
package pipeline

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"slices"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/masx-ai/masx/concurrency/executor"
	"github.com/masx-ai/masx/crawl"
	"github.com/masx-ai/masx/crawl/extract"
	"github.com/masx-ai/masx/crawl/fetch"
	"github.com/masx-ai/masx/crawl/netguard"
	"github.com/masx-ai/masx/crawl/render"
	"github.com/masx-ai/masx/news"
	"github.com/masx-ai/masx/nlp/cluster"
	"github.com/masx-ai/masx/nlp/langid"
	"github.com/masx-ai/masx/nlp/summarize"
	"github.com/masx-ai/masx/nlp/translate"
	"github.com/masx-ai/masx/nlp/vectorize"
	"github.com/masx-ai/masx/store"
)

// Defaults.
const (
	MinTextCharsDefault     = crawl.DefaultMinTextChars
	FetchWorkersDefault     = 8
	CompressBudgetDefault   = 4000
	SummarySentencesDefault = 5
	WriteBatchDefault       = 64
	WriteIntervalDefault    = 500 * time.Millisecond
	languageSampleChars     = 1000
)

// Config tunes a Pipeline. Zero fields take the documented defaults.
type Config struct {
	// MinTextChars drops articles whose extracted text is shorter
	// (MASX_MIN_TEXT_CHARS). Default 1000.
	MinTextChars int
	// FetchWorkers is how many articles of one flashpoint are fetched at
	// once. Every fetch also goes through the shared I/O pool
	// (MAX_THREADS) and the fetcher's per-host limits. Default 8.
	FetchWorkers int
	// AnalyzeWorkers is how many articles of one flashpoint are analysed
	// at once; the work itself runs on the shared CPU pool. Default: the
	// CPU pool's limit (MAX_PROCS).
	AnalyzeWorkers int
	// Method is how pages are got: auto (HTTP, then the browser), http
	// or browser. Default auto.
	Method crawl.Method
	// CompressBudget caps, in characters, the compressed text of a
	// non-English article before translation. Default 4000.
	CompressBudget int
	// SummarySentences is the length of article and cluster summaries.
	// Default 5.
	SummarySentences int
	// WriteBatch and WriteInterval bound how many finished articles wait
	// before they are written in one transaction. Defaults 64 and 500ms.
	WriteBatch    int
	WriteInterval time.Duration
	// Seed makes clustering deterministic. Default 0 (a valid seed).
	Seed uint64
	// Cluster is the clustering policy (MASX_CLUSTER_POLICY). Default:
	// cluster.PolicyStories, the count chosen from the data. Its Seed and
	// Workers are the pipeline's.
	Cluster cluster.PolicyConfig
}

func (c Config) withDefaults(cpuLimit int) (Config, error) {
	for name, v := range map[string]int{"MinTextChars": c.MinTextChars,
		"FetchWorkers": c.FetchWorkers, "AnalyzeWorkers": c.AnalyzeWorkers, "CompressBudget": c.CompressBudget,
		"SummarySentences": c.SummarySentences, "WriteBatch": c.WriteBatch} {
		if v < 0 {
			return c, fmt.Errorf("pipeline: Config.%s = %d: want ≥ 0", name, v)
		}
	}
	def := func(v *int, d int) {
		if *v == 0 {
			*v = d
		}
	}
	def(&c.MinTextChars, MinTextCharsDefault)
	def(&c.FetchWorkers, FetchWorkersDefault)
	def(&c.AnalyzeWorkers, max(cpuLimit, 1))
	def(&c.CompressBudget, CompressBudgetDefault)
	def(&c.SummarySentences, SummarySentencesDefault)
	def(&c.WriteBatch, WriteBatchDefault)
	if c.WriteInterval <= 0 {
		c.WriteInterval = WriteIntervalDefault
	}
	if c.Method == "" {
		c.Method = crawl.MethodAuto
	}
	if _, err := crawl.ParseMethod(string(c.Method)); err != nil {
		return c, fmt.Errorf("pipeline: Config.Method: %w", err)
	}
	if err := c.Cluster.Validate(); err != nil {
		return c, fmt.Errorf("pipeline: Config.Cluster: %w", err)
	}
	return c, nil
}

// Getter gets and extracts a page; *crawl.RenderClient is the real one.
type Getter interface {
	RenderPage(ctx context.Context, url string, method crawl.Method) (*crawl.Result, error)
}

// PerTextVectorizer is implemented by vectorizers whose vector for a text
// does not depend on the other texts (neural embedders). The pipeline then
// embeds each article in the streaming stage, so batches form across
// articles in the inference runtime; corpus vectorizers (TF-IDF) run at the
// clustering barrier instead, on the CPU pool. A per-text vectorizer is a
// model: it is called holding no pool slot, and takes the slots it needs.
type PerTextVectorizer interface {
	vectorize.Vectorizer
	PerText() bool
}

// Deps are the parts a Pipeline runs on. Store, Getter, Vectorizer and
// Executors are required.
type Deps struct {
	Store  store.Store
	Getter Getter
	LangID *langid.Detector // default langid.Default()
	// Translator is called holding no pool slot (it is a model, or a
	// server): it takes the slots it needs. Default translate.Keep.
	Translator translate.Translator
	Vectorizer vectorize.Vectorizer
	// ClusterSummarizer, when set, writes each cluster's summary from its
	// articles' summaries in place of the extractive one (a language
	// model behind a server, or a seq2seq model). It is called holding no
	// pool slot; when it fails, the cluster keeps the extractive summary
	// and the failure is logged.
	ClusterSummarizer ClusterSummarizer
	Executors         *executor.Executors
	Logger            *slog.Logger
	Progress          *Progress // optional: live counters for progress bars
	// Registerer, when set, receives the pipeline's Prometheus series
	// (articles by status, time per stage, flashpoints in progress).
	Registerer prometheus.Registerer
}

// ClusterSummarizer writes one cluster's summary from the summaries of
// its articles (in English where they were translated).
type ClusterSummarizer interface {
	Name() string
	SummarizeCluster(ctx context.Context, docs []string) (string, error)
}

// Pipeline processes flashpoints. It is safe for concurrent use: the job
// workers of the scale-out mode call ProcessFlashpoint from many goroutines.
type Pipeline struct {
	cfg  Config
	deps Deps
	log  *slog.Logger
	// barrier lets one flashpoint at a time vectorize and cluster: the
	// TF-IDF/LSA fit is the run's largest working set (~50 MB per 1,000
	// articles), and it is CPU-bound, so overlapping two buys little.
	barrier chan struct{}
	metrics *metrics
}

// New validates cfg and deps.
func New(cfg Config, deps Deps) (*Pipeline, error) {
	switch {
	case deps.Store == nil:
		return nil, errors.New("pipeline: Deps.Store is nil")
	case deps.Getter == nil:
		return nil, errors.New("pipeline: Deps.Getter is nil")
	case deps.Vectorizer == nil:
		return nil, errors.New("pipeline: Deps.Vectorizer is nil")
	case deps.Executors == nil:
		return nil, errors.New("pipeline: Deps.Executors is nil")
	}
	c, err := cfg.withDefaults(deps.Executors.CPU.Limit())
	if err != nil {
		return nil, err
	}
	if deps.LangID == nil {
		if deps.LangID, err = langid.Default(); err != nil {
			return nil, fmt.Errorf("pipeline: loading language id: %w", err)
		}
	}
	if deps.Translator == nil {
		deps.Translator = translate.Keep{}
	}
	if deps.Logger == nil {
		deps.Logger = slog.New(slog.DiscardHandler)
	}
	if deps.Progress == nil {
		deps.Progress = &Progress{}
	}
	m := newMetrics()
	if deps.Registerer != nil {
		for _, c := range m.collectors() {
			if err := deps.Registerer.Register(c); err != nil {
				return nil, fmt.Errorf("pipeline: registering metrics: %w", err)
			}
		}
	}
	deps.Progress.metrics.Store(m)
	return &Pipeline{cfg: c, deps: deps, log: deps.Logger, barrier: make(chan struct{}, 1), metrics: m}, nil
}

// Config returns the effective configuration.
func (p *Pipeline) Config() Config { return p.cfg }

// item is one article on its way through the stages.
type item struct {
	a       news.Article
	article *extract.Article
	started time.Time
}

func (it *item) finish(s news.Status, err error) {
	it.a.Status = s
	if err != nil {
		it.a.Error = err.Error()
	}
}

func (it *item) time(stage string, since time.Time) {
	if it.a.Timings == nil {
		it.a.Timings = map[string]float64{}
	}
	it.a.Timings[stage] = float64(time.Since(since).Microseconds()) / 1000
}

// ErrRetryLater is returned by ProcessFlashpoint, after storing and
// clustering everything else, when some articles were refused only for now
// (news.StatusRetryLater): a later attempt of the same run processes just
// those. The job layer retries it with backoff.
var ErrRetryLater = errors.New("some articles are to be retried later")

// FlashpointReport says what happened to one flashpoint.
type FlashpointReport struct {
	FlashpointID string
	Articles     int // input articles, duplicates included
	Skipped      int // already finished by an earlier attempt of this run
	ByStatus     map[news.Status]int
	Clusters     int
	Algorithm    string
	// Unclustered counts the ok articles that fit no story (stored with
	// cluster ID −1).
	Unclustered int
	// VectorTexts counts the articles by the text their vector was made
	// from (TextOriginal, TextTranslated; see VectorText).
	VectorTexts map[string]int
	Duration    time.Duration
}

// Dropped is an input feed that never enters the stages (a duplicate URL,
// an invalid record); it is stored with its status and reason so every
// input article ends in storage.
type Dropped struct {
	Feed   news.Feed
	Status news.Status // news.StatusDuplicate or news.StatusInvalid
	Reason string
}

// Work is one flashpoint to process and the feeds dropped from it.
type Work struct {
	Flashpoint news.Flashpoint
	Dropped    []Dropped
}

// ProcessFlashpoint runs every stage for one flashpoint of run runID and
// stores the results. Feeds already finished in this run are skipped;
// dropped feeds are stored with their status. When ctx ends, in-flight and
// unstarted articles are stored as cancelled and ctx's error is returned.
func (p *Pipeline) ProcessFlashpoint(ctx context.Context, runID string, w Work) (FlashpointReport, error) {
	rep, err := p.processFlashpoint(ctx, runID, w)
	if n := rep.ByStatus[news.StatusRetryLater]; err == nil && n > 0 {
		// Everything else is stored and clustered; the caller (a job)
		// tries again later, and the next attempt fetches only these.
		err = fmt.Errorf("flashpoint %s: %w: %d article(s) refused for now (robots.txt unreachable)", w.Flashpoint.ID, ErrRetryLater, n)
	}
	result := "ok"
	if err != nil {
		result = "error"
	}
	p.metrics.flashpoints.WithLabelValues(result).Inc()
	return rep, err
}

func (p *Pipeline) processFlashpoint(ctx context.Context, runID string, w Work) (FlashpointReport, error) {
	start := time.Now()
	fp := w.Flashpoint
	rep := FlashpointReport{FlashpointID: fp.ID, Articles: len(fp.Feeds) + len(w.Dropped), ByStatus: map[news.Status]int{}}
	prog := p.deps.Progress
	prog.flashpointStarted()
	defer prog.flashpointDone()

	// Bookkeeping reads and writes survive cancellation, so a stopped run
	// still gives every article a status.
	bctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), time.Minute)
	defer cancel()
	done, err := p.deps.Store.ArticleStatuses(bctx, runID, fp.ID)
	if err != nil {
		return rep, fmt.Errorf("flashpoint %s: reading earlier results: %w", fp.ID, err)
	}
	var todo []news.Feed
	for _, f := range fp.Feeds {
		if done[f.URL].Terminal() {
			rep.Skipped++
			continue
		}
		todo = append(todo, f)
	}
	prog.addTotal(len(todo))

	// A failed write ends the flashpoint: nothing more could be stored.
	ctx, stop := context.WithCancelCause(ctx)
	defer stop(nil)
	wr := newWriter(p, runID, fp.ID, stop)
	p.storeDropped(ctx, wr, runID, fp.ID, w.Dropped, done)
	ok := p.stream(ctx, wr, runID, fp.ID, todo)
	if err := wr.flush(ctx); err != nil {
		return rep, err
	}
	for s, n := range wr.counts {
		rep.ByStatus[s] += n
	}
	if err := ctx.Err(); err != nil {
		rep.Duration = time.Since(start)
		return rep, err
	}

	// Barrier: cluster this run's finished articles of the flashpoint,
	// including those an earlier attempt finished.
	if rep.Skipped > 0 {
		if ok, err = p.withEarlier(ctx, runID, fp.ID, ok); err != nil {
			return rep, err
		}
	}
	err = p.clusterAndStore(ctx, runID, fp.ID, ok, &rep)
	rep.Duration = time.Since(start)
	return rep, err
}

// storeDropped stores the feeds dropped before the stages with their
// status, unless an earlier attempt of the run already did.
func (p *Pipeline) storeDropped(ctx context.Context, wr *writer, runID, fpID string, dropped []Dropped, done map[string]news.Status) {
	for _, d := range dropped {
		if done[d.Feed.URL].Terminal() {
			continue
		}
		it := p.newItem(runID, fpID, d.Feed)
		it.finish(d.Status, errors.New(d.Reason))
		wr.add(ctx, it)
	}
}

// stream sends todo through the fetch and analyze stages into the writer
// and returns the articles kept for clustering. When ctx ends, the feeds
// that never entered the stages are stored as cancelled too.
func (p *Pipeline) stream(ctx context.Context, wr *writer, runID, fpID string, todo []news.Feed) []clusterMember {
	prog := p.deps.Progress
	sinkCh, sent := p.startStages(ctx, runID, fpID, todo)
	var ok []clusterMember
	for it := range sinkCh {
		prog.addTimings(it.a.Timings)
		if it.a.Status == news.StatusOK {
			ok = append(ok, memberOf(&it.a))
		}
		wr.add(ctx, it)
	}
	// Unstarted feeds of a cancelled run still end with a status.
	if ctx.Err() != nil {
		for _, f := range todo {
			if _, in := sent.Load(f.URL); !in {
				it := p.newItem(runID, fpID, f)
				it.finish(news.StatusCancelled, ctx.Err())
				wr.add(ctx, it)
			}
		}
	}
	return ok
}

// startStages starts the stage goroutines for todo: one that feeds the
// items, FetchWorkers fetchers and AnalyzeWorkers analyzers. Every item
// comes out on the returned channel, which is closed once all of them are
// done, so the caller owns them by draining it. sent holds the URL of
// each item that entered the stages.
func (p *Pipeline) startStages(ctx context.Context, runID, fpID string, todo []news.Feed) (<-chan *item, *sync.Map) {
	prog := p.deps.Progress
	fetchCh := make(chan *item, p.cfg.FetchWorkers)
	analyzeCh := make(chan *item, p.cfg.AnalyzeWorkers)
	sinkCh := make(chan *item, p.cfg.WriteBatch)
	sent := new(sync.Map) // url → true once an item entered the stages

	go func() {
		defer close(fetchCh)
		for _, f := range todo {
			it := p.newItem(runID, fpID, f)
			select {
			case fetchCh <- it:
				sent.Store(f.URL, true)
			case <-ctx.Done():
				return
			}
		}
	}()
	var fetchWG, analyzeWG sync.WaitGroup
	for range p.cfg.FetchWorkers {
		fetchWG.Go(func() {
			for it := range fetchCh {
				prog.fetchStarted()
				fetched := p.fetch(ctx, it)
				prog.fetchEnded()
				if fetched {
					analyzeCh <- it
				} else {
					sinkCh <- it
				}
			}
		})
	}
	for range p.cfg.AnalyzeWorkers {
		analyzeWG.Go(func() {
			for it := range analyzeCh {
				prog.analyzeStarted()
				p.analyze(ctx, it)
				prog.analyzeEnded()
				sinkCh <- it
			}
		})
	}
	go func() {
		fetchWG.Wait()
		close(analyzeCh)
		analyzeWG.Wait()
		close(sinkCh)
	}()
	return sinkCh, sent
}

// withEarlier adds to ok the articles an earlier attempt of the run kept,
// so the clusters cover the whole flashpoint.
func (p *Pipeline) withEarlier(ctx context.Context, runID, fpID string, ok []clusterMember) ([]clusterMember, error) {
	earlier, err := p.deps.Store.Articles(ctx, store.ArticleQuery{RunID: runID, FlashpointID: fpID, Statuses: []news.Status{news.StatusOK}})
	if err != nil {
		return ok, fmt.Errorf("flashpoint %s: reading earlier articles: %w", fpID, err)
	}
	have := map[string]bool{}
	for _, m := range ok {
		have[m.url] = true
	}
	for i := range earlier {
		if !have[earlier[i].URL] {
			ok = append(ok, memberOf(&earlier[i]))
		}
	}
	return ok, nil
}

func (p *Pipeline) newItem(runID, fpID string, f news.Feed) *item {
	now := time.Now().UTC()
	f.FlashpointID = fpID
	if f.Domain == "" {
		f.Domain, _ = news.DomainOf(f.URL)
	}
	return &item{
		a:       news.Article{Feed: f, RunID: runID, Status: news.StatusPending, ClusterID: cluster.Noise, CreatedAt: now, UpdatedAt: now},
		started: time.Now(),
	}
}

// fetch gets and extracts the page; false means the article is finished
// (failed) and goes straight to the store.
func (p *Pipeline) fetch(ctx context.Context, it *item) bool {
	if ctx.Err() != nil {
		it.finish(news.StatusCancelled, ctx.Err())
		return false
	}
	t0 := time.Now()
	url := it.a.URL // the task may outlive Run; it must not touch the item
	res, err := executor.Run(ctx, p.deps.Executors.IO, func(ctx context.Context) (*crawl.Result, error) {
		return p.deps.Getter.RenderPage(ctx, url, p.cfg.Method)
	})
	it.time("fetch", t0)
	p.deps.Progress.fetched()
	if res != nil {
		it.a.ResolvedBy = string(res.ResolvedBy)
		it.a.FinalURL = res.FinalURL
		it.article = res.Article
	}
	if err == nil && (res == nil || res.Article == nil) {
		err = extract.ErrNoContent
	}
	if err != nil {
		it.finish(classify(ctx, err, it.article), err)
		return false
	}
	return true
}

// classify maps a failed get onto an article status.
func classify(ctx context.Context, err error, best *extract.Article) news.Status {
	switch {
	case ctx.Err() != nil:
		return news.StatusCancelled
	case errors.Is(err, netguard.ErrBlocked), errors.Is(err, fetch.ErrRobotsDisallowed):
		return news.StatusBlocked
	case errors.Is(err, fetch.ErrRobotsUnavailable):
		return news.StatusRetryLater
	case errors.Is(err, fetch.ErrTooLarge), errors.Is(err, render.ErrTooLarge), errors.Is(err, extract.ErrTooLarge):
		return news.StatusTooLarge
	case errors.Is(err, crawl.ErrExtractTimeout):
		return news.StatusExtractTimeout
	case best != nil && strings.TrimSpace(best.Text) != "":
		return news.StatusDroppedShort
	}
	// extract_failed only when every method got the page and found no
	// article in it; a method that could not get the page (404, a PDF, a
	// reset) makes it a fetch failure.
	var pe *crawl.PageError
	if errors.As(err, &pe) && len(pe.Errors) > 0 {
		for _, me := range pe.Errors {
			if !errors.Is(me.Err, extract.ErrNoContent) {
				return news.StatusFetchFailed
			}
		}
		return news.StatusExtractFailed
	}
	if errors.Is(err, extract.ErrNoContent) {
		return news.StatusExtractFailed
	}
	return news.StatusFetchFailed
}

// analyze runs the text stages. The CPU steps (length check, language id,
// compression, extractive summary) run on the shared CPU pool. The model
// steps (translation, neural embeddings) are called from this stage
// goroutine, holding no slot: a model's batches need CPU slots themselves,
// and a caller that held one while it waited for its batch would deadlock
// the pool once every slot was held that way (executor.CheckWait refuses
// such a call). Translators and per-text vectorizers therefore take the
// slots they need themselves.
func (p *Pipeline) analyze(ctx context.Context, it *item) {
	err := p.analyzeSteps(ctx, it)
	p.deps.Progress.analyzed()
	if err != nil && it.a.Status == news.StatusPending {
		if ctx.Err() != nil {
			it.finish(news.StatusCancelled, ctx.Err())
		} else {
			it.finish(news.StatusFailed, err)
		}
	}
	it.time("total", it.started)
}

func (p *Pipeline) analyzeSteps(ctx context.Context, it *item) error {
	if err := p.onCPU(ctx, it, p.prepare); err != nil || it.a.Status != news.StatusPending {
		return err
	}
	if err := p.translate(ctx, it); err != nil {
		return err
	}
	if err := p.onCPU(ctx, it, p.summarize); err != nil {
		return err
	}
	if err := p.embed(ctx, it); err != nil {
		return err
	}
	it.finish(news.StatusOK, nil)
	return nil
}

// onCPU runs step on the CPU pool. The step works on a copy: Run returns at
// once when ctx ends, and the task may still be running then, so it must
// not share the item. The copy's result is adopted when the step returns.
func (p *Pipeline) onCPU(ctx context.Context, it *item, step func(*item) error) error {
	tmp := &item{a: it.a, article: it.article, started: it.started}
	tmp.a.Timings = maps.Clone(it.a.Timings)
	res, err := executor.Run(ctx, p.deps.Executors.CPU, func(context.Context) (news.Article, error) {
		err := step(tmp)
		return tmp.a, err
	})
	if res.RunID != "" {
		it.a = res
	}
	return err
}

// prepare keeps the extracted text, drops short articles, identifies the
// language and compresses non-English text for translation (CPU).
func (p *Pipeline) prepare(it *item) error {
	art := it.article
	text := strings.TrimSpace(art.Text)
	it.a.RawText = text
	if it.a.Title == "" {
		it.a.Title = art.Title
	}
	if it.a.Image == "" {
		it.a.Image = art.Image
	}
	if n := utf8.RuneCountInString(text); n < p.cfg.MinTextChars {
		it.finish(news.StatusDroppedShort, fmt.Errorf("extracted text has %d characters, want ≥ %d", n, p.cfg.MinTextChars))
		return nil
	}

	t0 := time.Now()
	lr := p.deps.LangID.Detect(LanguageSample(text))
	it.a.DetectedLang, it.a.LangConfidence = lr.Lang, lr.Confidence
	it.time("langid", t0)
	if lr.Lang == translate.English {
		it.a.RawTextEN, it.a.ProcessedText, it.a.Translated = text, text, false
		return nil
	}
	t0 = time.Now()
	it.a.CompressedText = summarize.Compress(text, summarize.Budget{Max: p.cfg.CompressBudget})
	it.time("compress", t0)
	return nil
}

// translate turns a non-English article's compressed text into English
// (model or server step: no slot held). A text the translator cannot
// translate keeps its own text, with the reason stored: the article is
// still processed, summarized and clustered, in its own language.
func (p *Pipeline) translate(ctx context.Context, it *item) error {
	it.a.TextUsed = news.TextOriginal
	if it.a.DetectedLang == translate.English {
		return nil
	}
	tr := p.deps.Translator
	t0 := time.Now()
	res, err := translate.One(ctx, tr, it.a.CompressedText, it.a.DetectedLang)
	it.time("translate", t0)
	if err != nil {
		return fmt.Errorf("translating from %s with %s: %w", it.a.DetectedLang, tr.Name(), err)
	}
	it.a.Translator, it.a.Translated = tr.Name(), res.Translated
	if res.Translated {
		it.a.RawTextEN, it.a.ProcessedText, it.a.TextUsed = res.Text, res.Text, news.TextTranslation
	} else {
		it.a.ProcessedText, it.a.TranslationError = it.a.CompressedText, res.Reason()
	}
	p.deps.Progress.translated(tr.Name(), translationOutcome(res))
	return nil
}

// Translation outcomes, as counted in Progress and
// masx_pipeline_translations_total.
const (
	TranslationDone          = "translated"
	TranslationUnsupported   = "unsupported"    // the backend lacks the pair
	TranslationNotConfigured = "not_configured" // MASX_TRANSLATOR=none
	TranslationFailed        = "failed"         // the backend failed after its retries
)

func translationOutcome(r translate.Result) string {
	switch {
	case r.Translated:
		return TranslationDone
	case errors.Is(r.Err, translate.ErrUnsupported):
		return TranslationUnsupported
	case errors.Is(r.Err, translate.ErrNotConfigured):
		return TranslationNotConfigured
	}
	return TranslationFailed
}

// summarize keeps the article's most central sentences (CPU).
func (p *Pipeline) summarize(it *item) error {
	t0 := time.Now()
	sents := summarize.Summarize(it.a.ProcessedText, p.cfg.SummarySentences)
	it.time("summarize", t0)
	if len(sents) == 0 {
		return errors.New("summarizing: no sentence to keep")
	}
	it.a.Summary = strings.Join(sents, " ")
	return nil
}

// embed gives the article its vector when the vectorizer is a per-text
// model (model step: no slot held); corpus vectorizers run at the
// clustering barrier instead.
func (p *Pipeline) embed(ctx context.Context, it *item) error {
	v, ok := p.perText()
	if !ok {
		return nil
	}
	t0 := time.Now()
	text, _ := VectorText(&it.a)
	vecs, err := v.Vectorize(ctx, []string{text})
	it.time("embed", t0)
	if err != nil {
		return fmt.Errorf("embedding with %s: %w", v.Name(), err)
	}
	if len(vecs) == 1 {
		it.a.Embedding = vecs[0]
	}
	return nil
}

// perText returns the vectorizer when it is a per-text model.
func (p *Pipeline) perText() (PerTextVectorizer, bool) {
	v, ok := p.deps.Vectorizer.(PerTextVectorizer)
	return v, ok && v.PerText()
}

// LanguageSample is the part of a text language identification reads: its
// first languageSampleChars characters (enough for a confident answer, and
// a bound on CPU for huge texts). The analyze stage and `masx eval cluster`
// both use it, so eval identifies languages exactly as the pipeline does.
func LanguageSample(text string) string {
	const n = languageSampleChars
	if len(text) <= n*4 && utf8.RuneCountInString(text) <= n {
		return text
	}
	i := 0
	for k := range text {
		if i == n {
			return text[:k]
		}
		i++
	}
	return text
}

// clusterMember keeps what clustering and cluster summaries need of an
// article, and nothing else, so a large flashpoint stays small in memory.
type clusterMember struct {
	url, domain, lang, image, summary, text string
	textSource                              string // VectorText's choice
	embedding                               []float32
}

func memberOf(a *news.Article) clusterMember {
	lang := a.DetectedLang
	if lang == "" {
		lang = a.Language
	}
	text, source := VectorText(a)
	return clusterMember{url: a.URL, domain: a.Domain, lang: lang, image: a.Image,
		summary: a.Summary, text: text, textSource: source, embedding: a.Embedding}
}

// clusterAndStore vectorizes, clusters (Stories) and summarizes the
// members, stores the clusters and each article's assignment, and fills
// rep's clustering fields.
func (p *Pipeline) clusterAndStore(ctx context.Context, runID, fpID string, ms []clusterMember, rep *FlashpointReport) error {
	slices.SortFunc(ms, func(a, b clusterMember) int { return cmp.Compare(a.url, b.url) }) // order-independent results
	if len(ms) == 0 {
		return p.deps.Store.ReplaceClusters(ctx, runID, fpID, nil)
	}
	select {
	case p.barrier <- struct{}{}:
	case <-ctx.Done():
		return ctx.Err()
	}
	defer func() { <-p.barrier }()
	t0 := time.Now()
	in := make([]StoriesInput, len(ms))
	rep.VectorTexts = map[string]int{}
	for i, m := range ms {
		in[i] = StoriesInput{Text: m.text, Embedding: m.embedding}
		rep.VectorTexts[m.textSource]++
	}
	policy := p.cfg.Cluster
	policy.Seed = p.cfg.Seed
	st, err := Stories(ctx, p.deps.Executors, p.deps.Vectorizer, policy, in)
	if err != nil {
		return fmt.Errorf("flashpoint %s: %w", fpID, err)
	}
	if st.Vectorized > 0 {
		p.deps.Progress.addStageTime("vectorize", st.Vectorized)
	}
	p.deps.Progress.addStageTime("cluster", time.Since(t0))
	rep.Algorithm, rep.Unclustered = st.Algorithm, st.Noise()

	t0 = time.Now()
	clusters, err := executor.Run(ctx, p.deps.Executors.CPU, func(context.Context) ([]news.Cluster, error) {
		return summarizeClusters(runID, fpID, ms, st.Labels, p.cfg.SummarySentences), nil
	})
	if err != nil {
		return err
	}
	rep.Clusters = len(clusters)
	p.deps.Progress.addStageTime("cluster_summary", time.Since(t0))
	if err := p.abstractSummaries(ctx, fpID, ms, clusters); err != nil {
		return err
	}
	if err := p.deps.Store.ReplaceClusters(ctx, runID, fpID, clusters); err != nil {
		return fmt.Errorf("flashpoint %s: storing clusters: %w", fpID, err)
	}
	if err := p.assign(ctx, runID, fpID, ms, st.Labels, st.Vectors); err != nil {
		return fmt.Errorf("flashpoint %s: storing cluster assignments: %w", fpID, err)
	}
	return nil
}

// abstractSummaries replaces the clusters' extractive summaries with the
// ClusterSummarizer's, when one is configured (model or server step: no
// slot held). A failure keeps the extractive summary; only ctx ending is
// an error.
func (p *Pipeline) abstractSummaries(ctx context.Context, fpID string, ms []clusterMember, clusters []news.Cluster) error {
	cs := p.deps.ClusterSummarizer
	if cs == nil {
		return nil
	}
	summary := make(map[string]string, len(ms))
	for _, m := range ms {
		summary[m.url] = m.summary
	}
	t0 := time.Now()
	for i := range clusters {
		docs := make([]string, 0, len(clusters[i].URLs))
		for _, u := range clusters[i].URLs {
			docs = append(docs, summary[u])
		}
		s, err := cs.SummarizeCluster(ctx, docs)
		if ctx.Err() != nil {
			return ctx.Err()
		}
		if err != nil {
			p.log.Warn("cluster summary: keeping the extractive one", "flashpoint", fpID, "cluster", clusters[i].ClusterID, "summarizer", cs.Name(), "err", err)
			continue
		}
		clusters[i].Summary = s
	}
	p.deps.Progress.addStageTime("cluster_summary_"+cs.Name(), time.Since(t0))
	return nil
}

// assign stores each article's cluster and vector. It pages through the
// stored articles so memory stays bounded however large the flashpoint.
func (p *Pipeline) assign(ctx context.Context, runID, fpID string, ms []clusterMember, labels []int, vecs [][]float32) error {
	type asg struct {
		label int
		vec   []float32
	}
	by := make(map[string]asg, len(ms))
	for i, m := range ms {
		by[m.url] = asg{labels[i], vecs[i]}
	}
	const page = 256
	for off := 0; ; off += page {
		as, err := p.deps.Store.Articles(ctx, store.ArticleQuery{RunID: runID, FlashpointID: fpID,
			Statuses: []news.Status{news.StatusOK}, Limit: page, Offset: off})
		if err != nil {
			return err
		}
		for i := range as {
			if a, ok := by[as[i].URL]; ok {
				as[i].ClusterID, as[i].Embedding = a.label, a.vec
				as[i].UpdatedAt = time.Now().UTC()
			}
		}
		if len(as) > 0 {
			if err := p.deps.Store.PutArticles(ctx, as); err != nil {
				return err
			}
		}
		if len(as) < page {
			return nil
		}
	}
}

// summarizeClusters builds the stored clusters: noise and clusters under 2
// articles are skipped; every other cluster is summarized (the original
// summarized only its last batch and wrote failed ones as nulls).
func summarizeClusters(runID, fpID string, ms []clusterMember, labels []int, sentences int) []news.Cluster {
	groups := map[int][]int{}
	for i, l := range labels {
		if l != cluster.Noise {
			groups[l] = append(groups[l], i)
		}
	}
	ids := make([]int, 0, len(groups))
	for l, members := range groups {
		if len(members) >= 2 {
			ids = append(ids, l)
		}
	}
	slices.Sort(ids)
	now := time.Now().UTC()
	out := make([]news.Cluster, 0, len(ids))
	for _, l := range ids {
		members := groups[l]
		c := news.Cluster{RunID: runID, FlashpointID: fpID, ClusterID: l, ArticleCount: len(members), CreatedAt: now,
			TopDomains: []string{}, Languages: []string{}, URLs: []string{}, Images: []string{}}
		docs := make([]string, 0, len(members))
		domains, langs := map[string]int{}, map[string]int{}
		for _, i := range members {
			m := ms[i]
			docs = append(docs, m.summary)
			c.URLs = append(c.URLs, m.url)
			if m.image != "" && !slices.Contains(c.Images, m.image) {
				c.Images = append(c.Images, m.image)
			}
			if m.domain != "" {
				domains[m.domain]++
			}
			if m.lang != "" {
				langs[m.lang]++
			}
		}
		c.TopDomains = topKeys(domains, 3)
		c.Languages = topKeys(langs, 0)
		c.Summary = summarize.ClusterSummary(docs, sentences)
		out = append(out, c)
	}
	return out
}

// topKeys returns the keys by descending count (ties by key); n ≤ 0 means
// all.
func topKeys(m map[string]int, n int) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.SortFunc(keys, func(a, b string) int {
		if c := cmp.Compare(m[b], m[a]); c != 0 {
			return c
		}
		return cmp.Compare(a, b)
	})
	if n > 0 && len(keys) > n {
		keys = keys[:n]
	}
	return keys
}
