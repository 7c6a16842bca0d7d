package cli

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"time"

	"github.com/spf13/cobra"
	"github.com/stretchr/testify/require"

	"github.com/masx-ai/masx/crawl"
	"github.com/masx-ai/masx/nlp/cluster"
)

// parse runs a command built with a capturing run function and returns
// what its flags and arguments parsed to, without running it.
func parse[O any](t *testing.T, newCmd func(*App, func(context.Context, *O) error) *cobra.Command, args ...string) (*O, error) {
	t.Helper()
	var got *O
	cmd := newCmd(testApp(t, nil, &bytes.Buffer{}, &bytes.Buffer{}), func(_ context.Context, o *O) error { got = o; return nil })
	cmd.SetArgs(args)
	cmd.SetOut(&bytes.Buffer{})
	cmd.SetErr(&bytes.Buffer{})
	err := cmd.ExecuteContext(t.Context())
	return got, err
}

func TestFlagsParseIntoOptions(t *testing.T) {
	bp, err := parse(t, newBenchPipelineCmd, "--articles", "40", "--flashpoints", "2", "--method", "http", "--latency", "5ms", "--embed-model", "m", "--json")
	require.NoError(t, err)
	require.Equal(t, 40, bp.Articles)
	require.Equal(t, 2, bp.Flashpoints)
	require.Equal(t, crawl.MethodHTTP, bp.Method)
	require.Equal(t, 5*time.Millisecond, bp.Latency)
	require.Equal(t, "m", bp.EmbedModel)
	require.True(t, bp.JSON)

	_, err = parse(t, newBenchPipelineCmd, "--articles", "2", "--flashpoints", "3")
	require.ErrorIs(t, err, ErrUsage)

	bs, err := parse(t, newBenchScaleCmd, "--db", "postgres://x@h/db", "--workers", "1,2", "--concurrency", "2")
	require.NoError(t, err)
	require.Equal(t, []int{1, 2}, bs.Workers)

	c, err := parse(t, newClusterCmd, "--input", "-", "--min-samples", "3")
	require.NoError(t, err)
	require.Equal(t, "auto", c.Algo)
	require.Equal(t, &cluster.Config{MinClusterSize: cluster.DefaultMinClusterSize, MinSamples: 3, Epsilon: cluster.DefaultPolicyEpsilon,
		Selection: cluster.SelectionEOM, Metric: cluster.MetricEuclidean}, c.HDBSCAN, "auto keeps the policy's epsilon")
	c, err = parse(t, newClusterCmd, "--input", "v.jsonl", "--algo", "kmeans")
	require.NoError(t, err)
	require.Nil(t, c.HDBSCAN)
	require.Zero(t, c.K, "k is picked from the input size")
	_, err = parse(t, newClusterCmd, "--input", "v.jsonl", "--algo", "kmeans", "--epsilon", "1")
	require.ErrorContains(t, err, "--epsilon applies to --algo auto or hdbscan")

	l, err := parse(t, newLangidCmd, "Guten", "Tag")
	require.NoError(t, err)
	require.Equal(t, "Guten Tag", l.Text)
	require.False(t, l.FromStdin)
	l, err = parse(t, newLangidCmd, "-")
	require.NoError(t, err)
	require.True(t, l.FromStdin)

	tk, err := parse(t, newTokenizeCmd, "--tokenizer", "t.json", "--max-length", "8", "--pad", "hi")
	require.NoError(t, err)
	require.Equal(t, "hi", tk.Text)
	require.True(t, tk.Pad)
	_, err = parse(t, newTokenizeCmd, "--tokenizer", "t.json", "--pad", "hi")
	require.ErrorContains(t, err, "--pad pads to --max-length")
}

// Run functions work without cobra: options in, output out.
func TestRunFunctionsWithoutCobra(t *testing.T) {
	ctx := t.Context()
	var out, errb bytes.Buffer
	app := testApp(t, strings.NewReader("Der Bundestag hat am Donnerstag ein neues Gesetz beschlossen."), &out, &errb)
	require.NoError(t, langidRun(ctx, &langidOptions{App: app, FromStdin: true}))
	require.Equal(t, "de", strings.Fields(out.String())[0])

	out.Reset()
	require.NoError(t, settingsRun(ctx, &settingsOptions{App: app, Markdown: true}))
	require.Contains(t, out.String(), "| `MASX_DATA_DIR` | `--data-dir` |")

	out.Reset()
	app.Stdin = strings.NewReader(summarizeText)
	require.NoError(t, summarizeRun(ctx, &summarizeOptions{App: app, Path: "-", Sentences: 2}))
	require.Len(t, strings.Split(strings.TrimSpace(out.String()), "\n"), 2)

	out.Reset()
	app.Stdin = strings.NewReader("[0, 0]\n[0, 1]\n[9, 9]\n[9, 8]\n")
	require.NoError(t, clusterRun(ctx, &clusterOptions{App: app, Input: "-", Algo: "kmeans", K: 2, JSON: true}))
	require.JSONEq(t, `{"algorithm":"kmeans","n_clusters":2,"noise":0,"labels":[0,0,1,1]}`, out.String())
}
