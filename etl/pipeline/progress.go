package pipeline

import (
	"maps"
	"sync"
	"sync/atomic"
	"time"

	"github.com/masx-ai/masx/news"
)

// Progress counts articles through the stages of every flashpoint of a
// run, for progress bars and log lines. Its zero value is ready; all
// methods are safe for concurrent use.
type Progress struct {
	nTotal, nFetched, nAnalyzed, nStored atomic.Int64
	fpStarted, fpDone                    atomic.Int64
	// inFetch and inAnalyze are gauges, not counters: articles inside that
	// stage now. The stall watchdog reads them to name the stuck stage.
	inFetch, inAnalyze atomic.Int64

	// metrics mirrors the counters into Prometheus once a Pipeline is
	// built on this Progress.
	metrics atomic.Pointer[metrics]

	mu       sync.Mutex
	byStatus map[news.Status]int64
	stage    map[string]time.Duration
	transl   map[string]int64
}

// Snapshot is a copy of the counters.
type Snapshot struct {
	// Stored (and ByStatus) count articles whose write transaction
	// committed: what the store holds, not what was handed to it.
	Total, Fetched, Analyzed, Stored int64
	FlashpointsStarted               int64
	FlashpointsDone                  int64
	// Fetching and Analyzing are the articles inside the fetch and the
	// analyze stage now (entered it, not yet out of it).
	Fetching, Analyzing int64
	ByStatus            map[news.Status]int64
	// StageTime sums time spent per stage over all articles ("fetch",
	// "langid", "compress", "translate", "summarize", "embed", "vectorize",
	// "cluster", "cluster_summary", "store").
	StageTime map[string]time.Duration
	// Translations counts non-English articles through the translate
	// stage by outcome (TranslationDone, TranslationUnsupported,
	// TranslationNotConfigured, TranslationFailed).
	Translations map[string]int64
}

func (p *Progress) addTotal(n int) { p.nTotal.Add(int64(n)) }
func (p *Progress) fetched()       { p.nFetched.Add(1) }
func (p *Progress) analyzed()      { p.nAnalyzed.Add(1) }

// fetchStarted and fetchEnded bracket one article's fetch, analyzeStarted
// and analyzeEnded its analysis. They sit around the stage calls in the
// stage loops, not inside the stages, so every way out of a stage (a
// cancelled context included) leaves the gauge right.
func (p *Progress) fetchStarted()   { p.inFetch.Add(1) }
func (p *Progress) fetchEnded()     { p.inFetch.Add(-1) }
func (p *Progress) analyzeStarted() { p.inAnalyze.Add(1) }
func (p *Progress) analyzeEnded()   { p.inAnalyze.Add(-1) }

func (p *Progress) flashpointStarted() {
	p.fpStarted.Add(1)
	if m := p.metrics.Load(); m != nil {
		m.inProgress.Inc()
	}
}

func (p *Progress) flashpointDone() {
	p.fpDone.Add(1)
	if m := p.metrics.Load(); m != nil {
		m.inProgress.Dec()
	}
}

// stored counts one article whose write has committed (see writer).
func (p *Progress) stored(s news.Status) {
	p.nStored.Add(1)
	if m := p.metrics.Load(); m != nil {
		m.stored(s)
	}
	p.mu.Lock()
	if p.byStatus == nil {
		p.byStatus = map[news.Status]int64{}
	}
	p.byStatus[s]++
	p.mu.Unlock()
}

func (p *Progress) addStageTime(stage string, d time.Duration) {
	if m := p.metrics.Load(); m != nil {
		m.stageTime(stage, d)
	}
	p.mu.Lock()
	if p.stage == nil {
		p.stage = map[string]time.Duration{}
	}
	p.stage[stage] += d
	p.mu.Unlock()
}

func (p *Progress) addTimings(t map[string]float64) {
	if m := p.metrics.Load(); m != nil {
		m.timings(t)
	}
	p.mu.Lock()
	if p.stage == nil {
		p.stage = map[string]time.Duration{}
	}
	for k, ms := range t {
		if k != "total" {
			p.stage[k] += time.Duration(ms * float64(time.Millisecond))
		}
	}
	p.mu.Unlock()
}

// translated counts one article through the translate stage.
func (p *Progress) translated(backend, outcome string) {
	if m := p.metrics.Load(); m != nil {
		m.translated.WithLabelValues(backend, outcome).Inc()
	}
	p.mu.Lock()
	if p.transl == nil {
		p.transl = map[string]int64{}
	}
	p.transl[outcome]++
	p.mu.Unlock()
}

// Snapshot returns the current counters.
func (p *Progress) Snapshot() Snapshot {
	p.mu.Lock()
	defer p.mu.Unlock()
	return Snapshot{
		Total: p.nTotal.Load(), Fetched: p.nFetched.Load(), Analyzed: p.nAnalyzed.Load(), Stored: p.nStored.Load(),
		FlashpointsStarted: p.fpStarted.Load(), FlashpointsDone: p.fpDone.Load(),
		Fetching: p.inFetch.Load(), Analyzing: p.inAnalyze.Load(),
		ByStatus: maps.Clone(p.byStatus), StageTime: maps.Clone(p.stage), Translations: maps.Clone(p.transl),
	}
}
