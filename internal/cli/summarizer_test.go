package cli

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// TestDemoWithOpenAISummarizer runs `masx demo` with MASX_SUMMARIZER
// pointing at a PROTOCOL TEST DOUBLE of an OpenAI-compatible
// chat-completions server (no such server with a model runs on the build
// machines): a loopback handler with the documented request and answer
// shapes, answering "LLM summary of N articles". Every stored cluster
// summary must be its answer, and each request must carry the settings'
// model and key.
func TestDemoWithOpenAISummarizer(t *testing.T) {
	var mu sync.Mutex
	var bad []string
	calls := 0
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var body struct {
			Model    string `json:"model"`
			Messages []struct {
				Content string `json:"content"`
			} `json:"messages"`
		}
		err := json.NewDecoder(r.Body).Decode(&body)
		mu.Lock()
		calls++
		switch {
		case err != nil:
			bad = append(bad, err.Error())
		case r.URL.Path != "/v1/chat/completions" || r.Header.Get("Authorization") != "Bearer sk-test" || body.Model != "tiny":
			bad = append(bad, r.URL.Path+" "+r.Header.Get("Authorization")+" "+body.Model)
		}
		mu.Unlock()
		n := 0
		if len(body.Messages) > 0 {
			n = strings.Count(body.Messages[len(body.Messages)-1].Content, "\n- ") // one line per article
		}
		_ = json.NewEncoder(w).Encode(map[string]any{"choices": []any{map[string]any{
			"message": map[string]any{"role": "assistant", "content": "LLM summary of " + strconv.Itoa(n) + " articles."}}}})
	}))
	defer srv.Close()
	env := map[string]string{"MASX_DATA_DIR": t.TempDir(), "MASX_DB_URL": "",
		"MASX_SUMMARIZER": "openai:" + srv.URL + "/v1", "MASX_SUMMARIZER_MODEL": "tiny", "MASX_SUMMARIZER_API_KEY": "sk-test"}
	code, _, stderr := runMasx(t, invocation{Env: env, Within: 5 * time.Minute}, "demo", "--method", "http")
	require.Equal(t, ExitOK, code, stderr)
	code, out, stderr := runCLI(t, "results", "--json")
	require.Equal(t, ExitOK, code, stderr)
	var cs []struct {
		Summary      string `json:"summary"`
		ArticleCount int    `json:"article_count"`
	}
	require.NoError(t, json.Unmarshal([]byte(out), &cs))
	require.NotEmpty(t, cs)
	for _, c := range cs {
		require.Equal(t, "LLM summary of "+strconv.Itoa(c.ArticleCount)+" articles.", c.Summary)
	}
	mu.Lock()
	defer mu.Unlock()
	require.Empty(t, bad)
	require.Equal(t, len(cs), calls, "one request per cluster")

	code, out, stderr = runCLI(t, "doctor", "--json")
	require.Equal(t, ExitOK, code, stderr)
	var doc doctorReport
	require.NoError(t, json.Unmarshal([]byte(out), &doc))
	require.Equal(t, "openai", doc.Summarizer.Backend)
	require.NotContains(t, out, "sk-test", "the key is a secret")
}

func TestSummarizerSettingIsChecked(t *testing.T) {
	code, _, stderr := runMasx(t, invocation{Env: map[string]string{"MASX_SUMMARIZER": "bart"}}, "demo", "--method", "http")
	require.Equal(t, ExitUsage, code)
	require.Contains(t, stderr, `MASX_SUMMARIZER="bart"`)
	require.Contains(t, stderr, "want extractive or openai:<base url>")
}
