package openai_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/masx-ai/masx/nlp/summarize/openai"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// chatDouble is a PROTOCOL TEST DOUBLE of an OpenAI-compatible
// chat-completions server (llama.cpp, vLLM, Ollama): no such server with
// a model can run on the machines masx is built on, so this loopback
// server implements the documented request and response shapes
// (POST /v1/chat/completions, Bearer auth, choices[0].message.content,
// {"error": {"message": …}}) and error statuses. Its "model" answers with
// the first line of the articles it was given, enough to prove the
// prompt carried them; it proves the protocol, not summary quality.
type chatDouble struct {
	key  string
	mu   sync.Mutex
	got  []map[string]any
	fail []int
}

func (d *chatDouble) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "application/json")
	if r.Method != http.MethodPost || r.URL.Path != "/v1/chat/completions" {
		w.WriteHeader(http.StatusNotFound)
		_, _ = w.Write([]byte(`{"error":{"message":"not found"}}`))
		return
	}
	var body map[string]any
	if err := json.NewDecoder(r.Body).Decode(&body); err != nil {
		w.WriteHeader(http.StatusBadRequest)
		_, _ = w.Write([]byte(`{"error":{"message":"bad json"}}`))
		return
	}
	d.mu.Lock()
	d.got = append(d.got, body)
	var status int
	if len(d.fail) > 0 {
		status, d.fail = d.fail[0], d.fail[1:]
	}
	d.mu.Unlock()
	if status != 0 {
		w.WriteHeader(status)
		fmt.Fprintf(w, `{"error":{"message":%q}}`, http.StatusText(status))
		return
	}
	if d.key != "" && r.Header.Get("Authorization") != "Bearer "+d.key {
		w.WriteHeader(http.StatusUnauthorized)
		_, _ = w.Write([]byte(`{"error":{"message":"Incorrect API key provided"}}`))
		return
	}
	msgs := body["messages"].([]any)
	user := msgs[len(msgs)-1].(map[string]any)["content"].(string)
	first := ""
	for _, l := range strings.Split(user, "\n") {
		if strings.HasPrefix(l, "- ") {
			first = strings.TrimPrefix(l, "- ")
			break
		}
	}
	b, _ := json.Marshal(map[string]any{"choices": []any{map[string]any{
		"index": 0, "finish_reason": "stop", "message": map[string]any{"role": "assistant", "content": " Summary: " + first + " "},
	}}})
	_, _ = w.Write(b)
}

func TestOpenAISummarizesOverTheProtocol(t *testing.T) {
	d := &chatDouble{key: "k"}
	srv := httptest.NewServer(d)
	defer srv.Close()
	s, err := openai.New(openai.Config{BaseURL: srv.URL + "/v1", APIKey: "k", Model: "qwen2.5-0.5b",
		Prompt: "Story:\n{{articles}}\nEnd."})
	require.NoError(t, err)
	require.Equal(t, "openai", s.Name())
	out, err := s.SummarizeCluster(context.Background(), []string{"A ship hit a mine.\nNear Odesa.", "", "Grain exports stopped."})
	require.NoError(t, err)
	require.Equal(t, "Summary: A ship hit a mine. Near Odesa.", out)
	got := d.got[0]
	require.Equal(t, "qwen2.5-0.5b", got["model"])
	require.EqualValues(t, openai.MaxTokensDefault, got["max_tokens"])
	require.EqualValues(t, 0, got["temperature"])
	msgs := got["messages"].([]any)
	require.Equal(t, "Story:\n- A ship hit a mine. Near Odesa.\n- Grain exports stopped.\nEnd.", msgs[1].(map[string]any)["content"])
}

func TestOpenAIErrors(t *testing.T) {
	fast := func(url, key string) *openai.Summarizer {
		s, err := openai.New(openai.Config{BaseURL: url + "/v1", APIKey: key, RetryInitial: time.Millisecond})
		require.NoError(t, err)
		return s
	}
	d := &chatDouble{key: "k"}
	srv := httptest.NewServer(d)
	defer srv.Close()
	_, err := fast(srv.URL, "wrong").SummarizeCluster(context.Background(), []string{"x"})
	require.ErrorIs(t, err, openai.ErrRejected)
	require.ErrorContains(t, err, "Incorrect API key provided")
	require.Len(t, d.got, 1, "a 401 is not retried")

	d.fail = []int{503, 429}
	out, err := fast(srv.URL, "k").SummarizeCluster(context.Background(), []string{"x"})
	require.NoError(t, err, "503 and 429 are retried")
	require.Equal(t, "Summary: x", out)

	d.fail = []int{500, 500, 500}
	_, err = fast(srv.URL, "k").SummarizeCluster(context.Background(), []string{"x"})
	require.ErrorContains(t, err, "after 3 tries")

	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err = fast(srv.URL, "k").SummarizeCluster(ctx, []string{"x"})
	require.ErrorIs(t, err, context.Canceled)

	_, err = openai.New(openai.Config{BaseURL: "localhost:8080"})
	require.ErrorContains(t, err, "want the http(s) OpenAI base URL")
	_, err = openai.New(openai.Config{BaseURL: "http://x/v1", Prompt: "no placeholder"})
	require.ErrorContains(t, err, "want a template containing {{articles}}")
}
