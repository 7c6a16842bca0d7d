package pipeline

import (
	"context"
	"fmt"
	"time"

	"github.com/masx-ai/masx/news"
)

// writer batches finished articles into one store transaction per
// WriteBatch articles or WriteInterval, whichever comes first. Articles
// are counted (Progress, metrics, the report's ByStatus) once their
// transaction has committed, never when handed over, so the counts say
// what the store holds even when a write fails (a full disk).
type writer struct {
	p      *Pipeline
	stop   context.CancelCauseFunc // ends the flashpoint's stages
	runID  string
	fpID   string
	buf    []news.Article
	last   time.Time
	counts map[news.Status]int
	err    error
}

func newWriter(p *Pipeline, runID, fpID string, stop context.CancelCauseFunc) *writer {
	return &writer{p: p, stop: stop, runID: runID, fpID: fpID, last: time.Now(), counts: map[news.Status]int{},
		buf: make([]news.Article, 0, p.cfg.WriteBatch)}
}

func (w *writer) add(ctx context.Context, it *item) {
	it.a.UpdatedAt = time.Now().UTC()
	w.buf = append(w.buf, it.a)
	if len(w.buf) >= w.p.cfg.WriteBatch || time.Since(w.last) >= w.p.cfg.WriteInterval {
		_ = w.flush(ctx)
	}
}

// flush writes what is buffered. It runs without the caller's cancellation
// (bounded by its own timeout), so the results of a run stopped with
// Ctrl-C are still stored. The first error sticks and stops the
// flashpoint's stages (a full disk does not wait for every remaining
// article to be fetched and analysed); later flushes report it and keep
// draining so the stages never block on a failed store; what they drain
// is neither stored nor counted.
func (w *writer) flush(ctx context.Context) error {
	if w.err == nil && len(w.buf) > 0 {
		wctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 60*time.Second)
		t0 := time.Now()
		err := w.p.deps.Store.PutArticles(wctx, w.buf)
		cancel()
		prog := w.p.deps.Progress
		prog.addStageTime("store", time.Since(t0))
		if err != nil {
			w.err = fmt.Errorf("flashpoint %s: storing %d articles: %w", w.fpID, len(w.buf), err)
			w.stop(w.err)
		} else {
			for i := range w.buf {
				w.counts[w.buf[i].Status]++
				prog.stored(w.buf[i].Status)
			}
		}
	}
	w.buf = w.buf[:0]
	w.last = time.Now()
	return w.err
}
