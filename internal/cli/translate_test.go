package cli

import (
	"bytes"
	"encoding/json"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/masx-ai/masx/nlp/translate/apertium/apytest"
)

// TestDemoTranslatesWithApertium is the end-to-end test of issue 17's
// translation stage: `masx demo` with MASX_TRANSLATOR=apertium:<url>
// against a real Apertium server with only Spanish→English. The demo's
// three Spanish articles end translated; every other non-English article
// says why not; `masx results`, `masx translate` and `masx doctor` show it.
func TestDemoTranslatesWithApertium(t *testing.T) {
	apy := apytest.Start(t)
	env := map[string]string{"MASX_DATA_DIR": t.TempDir(), "MASX_DB_URL": "", "MASX_TRANSLATOR": "apertium:" + apy.URL}
	code, out, stderr := runMasx(t, invocation{Env: env, Within: 5 * time.Minute}, "demo", "--method", "http")
	require.Equal(t, ExitOK, code, stderr)
	// The run summary: the Spanish articles translated, fr, de, ar and ru
	// without a pair.
	m := regexp.MustCompile(`translation\s+apertium: 3 translated, (\d+) unsupported\n`).FindStringSubmatch(out)
	require.NotNil(t, m, out)

	code, out, stderr = runCLI(t, "results")
	require.Equal(t, ExitOK, code, stderr)
	require.Equal(t, 3, strings.Count(out, "[es→en, apertium]"), out)
	require.Regexp(t, regexp.MustCompile(`\[fr, not translated \(apertium\): unsupported language pair fr→en\]`), out)
	require.Contains(t, out, "non-English articles: ")
	require.Contains(t, out, "3 translated by apertium")

	code, out, stderr = runCLI(t, "translate", "--json", "El gobierno anunció un alto el fuego.")
	require.Equal(t, ExitOK, code, stderr)
	var rep translateReport
	require.NoError(t, json.Unmarshal([]byte(out), &rep))
	require.True(t, rep.Translated)
	require.Equal(t, "es", rep.Source)
	require.True(t, rep.Detected)
	require.Equal(t, "apertium", rep.Backend)
	require.Contains(t, strings.ToLower(rep.Text), "government announced")

	code, out, _ = runCLI(t, "translate", "--from", "fr", "Le gouvernement a annoncé un cessez-le-feu.")
	require.Equal(t, ExitFailure, code)
	require.Contains(t, out, "not translated: unsupported language pair fr→en")

	code, out, stderr = runCLI(t, "doctor", "--json")
	require.Equal(t, ExitOK, code, stderr)
	var doc doctorReport
	require.NoError(t, json.Unmarshal([]byte(out), &doc))
	require.Equal(t, "apertium", doc.Translator.Backend)
	require.Equal(t, []string{"es"}, doc.Translator.Languages)
}

func TestTranslateCommandInput(t *testing.T) {
	code, _, stderr := runCLI(t, "translate", "--from", "xx", "hola")
	require.Equal(t, ExitUsage, code)
	require.Contains(t, stderr, `--from "xx": want auto or an ISO 639-1 code`)
	code, _, stderr = runCLI(t, "translate", "--backend", "google:x", "hola")
	require.Equal(t, ExitUsage, code)
	require.Contains(t, stderr, `MASX_TRANSLATOR="google:x"`)
	require.Contains(t, stderr, "want none, apertium:<url>, libretranslate:<url> or onnx:<model dir>")
	code, _, stderr = runCLI(t, "translate", "--backend", "onnx:/nowhere", "hola")
	require.NotEqual(t, ExitOK, code)
	require.Contains(t, stderr, "onnx translator not built yet")
	code, _, stderr = runMasx(t, invocation{Stdin: strings.NewReader("  \n")}, "translate", "-")
	require.Equal(t, ExitUsage, code)
	require.Contains(t, stderr, "the text is empty")
	code, out, _ := runCLI(t, "translate", "--json", "--from", "es", "Hola.")
	require.Equal(t, ExitFailure, code, "MASX_TRANSLATOR=none translates nothing")
	require.Contains(t, out, `"reason":"no translator configured"`)
}

func TestTranslateFlagsParseIntoOptions(t *testing.T) {
	o, err := parse(t, newTranslateCmd, "--from", "es", "--backend", "apertium:http://127.0.0.1:2737", "--json", "Hola", "mundo")
	require.NoError(t, err)
	require.Equal(t, "Hola mundo", o.Text)
	require.Equal(t, "es", o.From)
	require.Equal(t, "apertium:http://127.0.0.1:2737", o.Backend)
	require.True(t, o.JSON)
	o, err = parse(t, newTranslateCmd, "-")
	require.NoError(t, err)
	require.True(t, o.FromStdin)
	require.Equal(t, "auto", o.From)
	_, err = parse(t, newTranslateCmd, "-", "more")
	require.ErrorIs(t, err, ErrUsage)

	// The run function without cobra: English needs no translation.
	var out bytes.Buffer
	app := testApp(t, strings.NewReader("The ceasefire held through the night in the capital, officials said."), &out, &bytes.Buffer{})
	require.NoError(t, translateRun(t.Context(), &translateOptions{App: app, FromStdin: true, From: "auto"}))
	require.Contains(t, out.String(), "language en (detected")
	require.Contains(t, out.String(), "backend none, not translated")
}
