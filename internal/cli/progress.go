package cli

import (
	"fmt"
	"io"
	"log/slog"
	"os"
	"strings"
	"sync"
	"time"

	"golang.org/x/term"

	"github.com/masx-ai/masx/etl/pipeline"
)

// progressView shows a run's progress: bars per stage redrawn in place on a
// terminal, a log line every few seconds otherwise (CI logs, files).
type progressView struct {
	p      *pipeline.Progress
	w      io.Writer
	tty    bool
	every  time.Duration
	log    *slog.Logger
	start  time.Time
	stop   chan struct{}
	done   sync.WaitGroup
	drawn  int // lines drawn last time (tty)
	closed sync.Once
}

func newProgressView(p *pipeline.Progress, w io.Writer, log *slog.Logger) *progressView {
	v := &progressView{p: p, w: w, log: log, start: time.Now(), stop: make(chan struct{}), every: 5 * time.Second}
	if f, ok := w.(*os.File); ok && term.IsTerminal(int(f.Fd())) {
		v.tty, v.every = true, 200*time.Millisecond
	}
	v.done.Go(v.loop)
	return v
}

func (v *progressView) loop() {
	t := time.NewTicker(v.every)
	defer t.Stop()
	for {
		select {
		case <-v.stop:
			v.render(true)
			return
		case <-t.C:
			v.render(false)
		}
	}
}

// Close draws the final state and stops the view.
func (v *progressView) Close() {
	v.closed.Do(func() { close(v.stop) })
	v.done.Wait()
}

func (v *progressView) render(final bool) {
	s := v.p.Snapshot()
	el := time.Since(v.start)
	if !v.tty {
		if final {
			return
		}
		v.log.Info("progress", "flashpoints_done", s.FlashpointsDone, "articles_total", s.Total,
			"fetched", s.Fetched, "analyzed", s.Analyzed, "stored", s.Stored,
			"articles_per_sec", fmt.Sprintf("%.1f", float64(s.Stored)/el.Seconds()))
		return
	}
	var b strings.Builder
	if v.drawn > 0 {
		fmt.Fprintf(&b, "\x1b[%dA", v.drawn) // back to the first bar
	}
	lines := []struct {
		name string
		n    int64
	}{{"fetch", s.Fetched}, {"analyze", s.Analyzed}, {"store", s.Stored}}
	for _, l := range lines {
		b.WriteString("\x1b[2K")
		b.WriteString(bar(l.name, l.n, s.Total, el))
		b.WriteByte('\n')
	}
	fmt.Fprintf(&b, "\x1b[2Kflashpoints %d/%d done\n", s.FlashpointsDone, s.FlashpointsStarted)
	v.drawn = len(lines) + 1
	_, _ = io.WriteString(v.w, b.String())
}

// bar renders "fetch   [#####.....]  120/400  35.2/s  ETA 8s".
func bar(name string, n, total int64, el time.Duration) string {
	const width = 30
	frac := 0.0
	if total > 0 {
		frac = min(float64(n)/float64(total), 1)
	}
	full := int(frac * width)
	rate := float64(n) / max(el.Seconds(), 1e-9)
	eta := "-"
	if rate > 0 && total > n {
		eta = time.Duration(float64(total-n) / rate * float64(time.Second)).Round(time.Second).String()
	}
	return fmt.Sprintf("%-8s [%s%s] %6d/%-6d %7.1f/s  ETA %s", name,
		strings.Repeat("#", full), strings.Repeat(".", width-full), n, total, rate, eta)
}
