package cli

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/masx-ai/masx/etl/demo"
	"github.com/masx-ai/masx/model/onnx/onnxtest"
	"github.com/masx-ai/masx/nlp/cluster"
)

// evalJSON is the part of `masx eval cluster --json` the tests read; the
// keys are those issue 18 lists.
type evalJSON struct {
	B3Precision  float64 `json:"b3_precision"`
	B3Recall     float64 `json:"b3_recall"`
	B3F1         float64 `json:"b3_f1"`
	PairwiseF1   float64 `json:"pairwise_f1"`
	ARI          float64 `json:"ari"`
	NMI          float64 `json:"nmi"`
	Clusters     int     `json:"clusters"`
	GoldClusters int     `json:"gold_clusters"`
	Unclustered  int     `json:"unclustered"`
	Articles     int     `json:"articles"`
	GivenK       *struct {
		ARI float64 `json:"ari"`
		NMI float64 `json:"nmi"`
	} `json:"given_k"`
	Config struct {
		Policy     string         `json:"policy"`
		Vectorizer string         `json:"vectorizer"`
		VectorText map[string]int `json:"vector_text"`
	} `json:"config"`
	Groups []struct {
		Group     string  `json:"group"`
		ARI       float64 `json:"ari"`
		Clusters  int     `json:"clusters"`
		Algorithm string  `json:"algorithm"`
	} `json:"groups"`
	Note string `json:"note"`
}

func writeGold(t *testing.T, lines []string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "gold.jsonl")
	require.NoError(t, os.WriteFile(p, []byte(strings.Join(lines, "\n")+"\n"), 0o600))
	return p
}

// twoEventsGold is the hard synthetic case as a gold file: per kind (a
// flashpoint, "topic"), 23 articles about two events of that kind.
func twoEventsGold(t *testing.T) string {
	var lines []string
	for kind := range 2 {
		for i, a := range cluster.TwoEvents(23, kind, 11) {
			b, err := json.Marshal(map[string]any{"id": fmt.Sprintf("%d-%d", kind, i), "title": a.Title, "text": a.Text,
				"lang": "en", "cluster": a.Event, "topic": fmt.Sprintf("kind%d", kind)})
			require.NoError(t, err)
			lines = append(lines, string(b))
		}
	}
	return writeGold(t, lines)
}

func evalCmd(t *testing.T, args ...string) evalJSON {
	t.Helper()
	code, out, errOut := runCLI(t, append([]string{"eval", "cluster", "--json"}, args...)...)
	require.Equal(t, ExitOK, code, errOut)
	var rep evalJSON
	require.NoError(t, json.Unmarshal([]byte(out), &rep), out)
	return rep
}

// Per flashpoint, two same-kind events: the default policy, not told k,
// scores at least as well as k-means told k (both in one run), and better
// than the original policy.
func TestEvalClusterTwoEvents(t *testing.T) {
	path := twoEventsGold(t)
	rep := evalCmd(t, "--gold", path, "--group-by", "topic", "--given-k", "--policy", "stories")
	require.Equal(t, cluster.PolicyStories, rep.Config.Policy)
	require.Contains(t, rep.Config.Vectorizer, "tfidf")
	require.Equal(t, map[string]int{"original": 46}, rep.Config.VectorText)
	require.Equal(t, 46, rep.Articles)
	require.Equal(t, 4, rep.GoldClusters, "2 events in each of 2 flashpoints")
	require.Len(t, rep.Groups, 2)
	require.NotNil(t, rep.GivenK)
	require.GreaterOrEqual(t, rep.ARI, rep.GivenK.ARI)
	require.GreaterOrEqual(t, rep.NMI, rep.GivenK.NMI)
	require.InDelta(t, 1, rep.ARI, 1e-9)
	require.Contains(t, rep.Note, "singletons")

	orig := evalCmd(t, "--gold", path, "--group-by", "topic", "--policy", "original")
	require.Equal(t, cluster.PolicyOriginal, orig.Config.Policy)
	require.Less(t, orig.ARI, rep.ARI)
	for _, g := range orig.Groups {
		require.Equal(t, 3, g.Clusters, "the original's k for 23 articles")
	}

	// The setting selects the policy too.
	t.Setenv("MASX_CLUSTER_POLICY", "stories")
	require.Equal(t, cluster.PolicyStories, evalCmd(t, "--gold", path).Config.Policy)
}

// The demo's six stories keep purity and ARI 1 with the default policy.
func TestEvalClusterDemoStories(t *testing.T) {
	var lines []string
	for _, g := range demo.Gold(true) {
		b, err := json.Marshal(g)
		require.NoError(t, err)
		lines = append(lines, string(b))
	}
	rep := evalCmd(t, "--gold", writeGold(t, lines), "--group-by", "topic", "--given-k", "--policy", "stories")
	require.Equal(t, 6, rep.GoldClusters)
	require.InDelta(t, 1, rep.ARI, 1e-9, "ARI")
	require.InDelta(t, 1, rep.B3Precision, 1e-9, "purity")
	require.Zero(t, rep.Unclustered)
	require.GreaterOrEqual(t, rep.ARI, rep.GivenK.ARI)
}

func TestEvalClusterText(t *testing.T) {
	code, out, errOut := runCLI(t, "eval", "cluster", "--gold", twoEventsGold(t), "--group-by", "topic", "--given-k", "--policy", "stories")
	require.Equal(t, ExitOK, code, errOut)
	for _, want := range []string{"B3 F1", "pair F1", "ARI", "NMI", "unclustered", "kind0", "k-means, k given", "policy stories", "singletons"} {
		require.Contains(t, out, want)
	}
}

func TestEvalClusterBadInput(t *testing.T) {
	ok := `{"id": 1, "title": "a", "text": "b", "cluster": "x", "topic": "t"}`
	for name, tc := range map[string]struct {
		lines []string
		args  []string
		want  string
	}{
		"not JSON":       {[]string{ok, "{nope"}, nil, "line 2: not a JSON object"},
		"no cluster":     {[]string{`{"id": 1, "title": "a"}`}, nil, `line 1: no "cluster" label`},
		"no text":        {[]string{`{"id": 1, "cluster": 3}`}, nil, `line 1: no "title" and no "text"`},
		"array cluster":  {[]string{`{"title": "a", "cluster": [1]}`}, nil, `field "cluster" is [1]`},
		"empty file":     {[]string{""}, nil, "holds no article"},
		"missing group":  {[]string{ok, `{"title": "a", "cluster": 1}`}, []string{"--group-by", "topic"}, `line 2: no "topic" field`},
		"bad policy":     {[]string{ok}, []string{"--policy", "magic"}, `--policy is "magic"`},
		"bad policy env": {[]string{ok}, []string{"--cluster-policy", "magic"}, "magic"},
		"missing file":   {nil, []string{"--gold", "/nonexistent/gold.jsonl"}, "opening --gold"},
	} {
		t.Run(name, func(t *testing.T) {
			args := []string{"eval", "cluster"}
			if tc.lines != nil {
				args = append(args, "--gold", writeGold(t, tc.lines))
			}
			code, _, errOut := runCLI(t, append(args, tc.args...)...)
			require.Equal(t, ExitUsage, code, errOut)
			require.Contains(t, errOut, tc.want)
		})
	}
	code, _, errOut := runCLI(t, "eval", "cluster")
	require.Equal(t, ExitUsage, code)
	require.Contains(t, errOut, "--gold is required")
}

// With MASX_EMBED_MODEL set, eval cluster embeds through the inference
// runtime as the pipeline does (the generated tiny model: real ONNX
// Runtime, random weights, so only the path is checked, not the scores),
// under MAX_PROCS 1 so a model call made while holding the only CPU slot
// would be refused.
func TestEvalClusterWithNeuralEmbedder(t *testing.T) {
	onnxtest.RequireORT(t)
	t.Setenv("MASX_EMBED_MODEL", onnxtest.Tiny(t))
	t.Setenv("MAX_PROCS", "1")
	rep := evalCmd(t, "--gold", twoEventsGold(t), "--group-by", "topic", "--policy", "stories")
	require.Equal(t, 46, rep.Articles)
	require.NotContains(t, rep.Config.Vectorizer, "tfidf")
	require.Equal(t, 46, rep.Config.VectorText["original"])
}
