package cli

import (
	"context"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/masx-ai/masx/config"
	"github.com/masx-ai/masx/nlp/translate"
)

// translatorReport is `masx doctor`'s view of MASX_TRANSLATOR: the backend
// in force and the languages it translates into English, asked of the
// server (Apertium's /listPairs, LibreTranslate's /languages).
type translatorReport struct {
	Setting   string   `json:"setting"` // as masx settings shows it (credentials redacted)
	Backend   string   `json:"backend"`
	Languages []string `json:"languages"` // source languages into English
	Error     string   `json:"error,omitempty"`
}

// summarizerReport is doctor's view of MASX_SUMMARIZER.
type summarizerReport struct {
	Setting string `json:"setting"`
	Backend string `json:"backend"`
	Error   string `json:"error,omitempty"`
}

// doctorProbeTimeout bounds doctor's question to a translation server.
const doctorProbeTimeout = 10 * time.Second

func effectiveValue(s *config.Settings, envVar string) string {
	for _, e := range s.Effective() {
		if e.Var == envVar {
			return e.Value
		}
	}
	return ""
}

func probeTranslator(ctx context.Context, s *config.Settings) translatorReport {
	r := translatorReport{Setting: effectiveValue(s, "MASX_TRANSLATOR"), Languages: []string{}}
	tr, err := newTranslator(s, nil)
	if err != nil {
		r.Error = err.Error()
		return r
	}
	r.Backend = tr.Name()
	d, ok := tr.(translate.Describer)
	if !ok {
		return r
	}
	ctx, cancel := context.WithTimeout(ctx, doctorProbeTimeout)
	defer cancel()
	langs, err := d.Languages(ctx)
	if err != nil {
		r.Error = fmt.Sprintf("asking the server: %v", err)
		return r
	}
	r.Languages = langs
	return r
}

func probeSummarizer(s *config.Settings) summarizerReport {
	r := summarizerReport{Setting: effectiveValue(s, "MASX_SUMMARIZER"), Backend: "extractive"}
	sum, err := newClusterSummarizer(s)
	switch {
	case err != nil:
		r.Error = err.Error()
	case sum != nil:
		r.Backend = sum.Name()
	}
	return r
}

func printTranslator(w io.Writer, t translatorReport, sm summarizerReport) {
	switch {
	case t.Error != "" && t.Backend == "":
		fmt.Fprintf(w, "translator  ERROR: %s\n", t.Error)
	case t.Backend == "none":
		fmt.Fprintf(w, "translator  none: non-English articles are analysed in their own language (MASX_TRANSLATOR)\n")
	case t.Error != "":
		fmt.Fprintf(w, "translator  %s (%s) ERROR: %s\n", t.Backend, t.Setting, t.Error)
	default:
		fmt.Fprintf(w, "translator  %s (%s): into English from %s\n", t.Backend, t.Setting, strings.Join(t.Languages, " "))
	}
	if sm.Error != "" {
		fmt.Fprintf(w, "summarizer  ERROR: %s\n", sm.Error)
	} else {
		fmt.Fprintf(w, "summarizer  %s (%s)\n", sm.Backend, sm.Setting)
	}
}
