package pipeline

import (
	"context"
	"fmt"
	"time"

	"github.com/masx-ai/masx/news"
)

// writer batches finished articles into one store transaction per
// WriteBatch articles or WriteInterval, whichever comes first.
type writer struct {
	p      *Pipeline
	runID  string
	fpID   string
	buf    []news.Article
	last   time.Time
	counts map[news.Status]int
	err    error
}

func newWriter(p *Pipeline, runID, fpID string) *writer {
	return &writer{p: p, runID: runID, fpID: fpID, last: time.Now(), counts: map[news.Status]int{},
		buf: make([]news.Article, 0, p.cfg.WriteBatch)}
}

func (w *writer) add(ctx context.Context, it *item) {
	it.a.UpdatedAt = time.Now().UTC()
	w.counts[it.a.Status]++
	w.buf = append(w.buf, it.a)
	if len(w.buf) >= w.p.cfg.WriteBatch || time.Since(w.last) >= w.p.cfg.WriteInterval {
		_ = w.flush(ctx)
	}
}

// flush writes what is buffered. It runs without the caller's cancellation
// (bounded by its own timeout), so the results of a run stopped with
// Ctrl-C are still stored. The first error sticks: later flushes report it
// and keep draining so the stages never block on a failed store.
func (w *writer) flush(ctx context.Context) error {
	if w.err == nil && len(w.buf) > 0 {
		wctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 60*time.Second)
		t0 := time.Now()
		if err := w.p.deps.Store.PutArticles(wctx, w.buf); err != nil {
			w.err = fmt.Errorf("flashpoint %s: storing %d articles: %w", w.fpID, len(w.buf), err)
		}
		cancel()
		w.p.deps.Progress.addStageTime("store", time.Since(t0))
	}
	w.buf = w.buf[:0]
	w.last = time.Now()
	return w.err
}
