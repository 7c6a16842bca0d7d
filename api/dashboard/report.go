package dashboard

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"time"

	"github.com/masx-ai/masx/news"
	"github.com/masx-ai/masx/store"
)

// reportBody is the whole report: the run and every flashpoint.
type reportBody struct {
	Run         runRow
	Flashpoints []flashpointBody
	Made        string
}

// Report renders run runID as one self-contained HTML file: the
// dashboard's templates with the stylesheet inlined, every flashpoint's
// clusters, map and timeline, every cluster's articles and every article
// that did not make it, linked by in-page anchors. It needs no script
// and loads nothing. A missing run gives store.ErrNotFound.
func Report(ctx context.Context, w io.Writer, st store.Store, runID string) error {
	t, err := parseTemplates()
	if err != nil {
		return err
	}
	l := links{report: true}
	row, err := loadRunRow(ctx, st, runID, l)
	if err != nil {
		return fmt.Errorf("dashboard: report of run %s: %w", runID, err)
	}
	b := reportBody{Run: row, Made: time.Now().UTC().Format("2006-01-02 15:04:05") + " UTC"}
	fps, err := st.Flashpoints(ctx, runID)
	if err != nil {
		return err
	}
	states, err := st.FlashpointStates(ctx, runID)
	if err != nil {
		return err
	}
	byID := map[string]news.FlashpointState{}
	for _, s := range states {
		byID[s.ID] = s
	}
	for _, fp := range fps {
		fb, err := loadFlashpoint(ctx, st, row.Run, fp, byID[fp.ID], l, DefaultPageSize)
		if err != nil {
			return fmt.Errorf("dashboard: report of run %s, flashpoint %s: %w", runID, fp.ID, err)
		}
		b.Flashpoints = append(b.Flashpoints, fb)
	}
	var buf bytes.Buffer
	if err := t.execute(&buf, "report", page{Title: "Run " + runID, Report: true, CSS: styleSheet(), Body: b}); err != nil {
		return fmt.Errorf("dashboard: rendering the report: %w", err)
	}
	_, err = w.Write(buf.Bytes())
	return err
}
