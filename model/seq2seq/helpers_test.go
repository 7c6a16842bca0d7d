package seq2seq

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/masx-ai/masx/model/onnx/onnxtest"
	"github.com/masx-ai/masx/model/testmodel"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

var families = []string{"marian", "nllb", "bart"}

// familySpec is the generated model a family's tests run on: both decoder
// layouts in one folder, with the numpy references.
func familySpec(family string) testmodel.Seq2SeqSpec {
	return testmodel.Seq2SeqSpec{Family: family, References: true}
}

// familyDir initialises ONNX Runtime and returns the family's model folder.
func familyDir(t testing.TB, family string) string {
	t.Helper()
	onnxtest.RequireORT(t)
	s := onnxtest.Settings(t)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	spec := familySpec(family)
	if err := testmodel.Check(ctx, spec.Python); err != nil {
		onnxtest.Missing(t, "the test model generator", err)
	}
	dir, err := testmodel.EnsureSeq2Seq(ctx, s.ResolvedCacheDir(), spec)
	require.NoError(t, err)
	return dir
}

func loadModel(t testing.TB, dir string, opts Options) *Model {
	t.Helper()
	opts.Threads = 1
	m, err := Load(context.Background(), dir, opts)
	require.NoError(t, err, "Load(%s)", dir)
	t.Cleanup(func() { _ = m.Close() })
	return m
}

type testCase struct {
	Name   string          `json:"name"`
	Srcs   [][]int64       `json:"srcs"`
	Params json.RawMessage `json:"params"`
}

func readCases(t testing.TB, dir string) []testCase {
	t.Helper()
	var cs []testCase
	data, err := os.ReadFile(filepath.Join(dir, "cases.json"))
	require.NoError(t, err)
	require.NoError(t, json.Unmarshal(data, &cs))
	return cs
}

// config overlays a case's parameters on the model's defaults, as
// transformers' generate(**kwargs) does.
func (c testCase) config(t testing.TB, m *Model) GenerationConfig {
	t.Helper()
	g := m.Defaults()
	var raw rawGen
	require.NoError(t, json.Unmarshal(c.Params, &raw), "case %s params", c.Name)
	require.NoError(t, raw.apply(&g), "case %s params", c.Name)
	return g
}

func (c testCase) requests(g GenerationConfig) []Request {
	rs := make([]Request, len(c.Srcs))
	for i, s := range c.Srcs {
		rs[i] = Request{IDs: s, Config: &g}
	}
	return rs
}

type reference struct {
	Name    string `json:"name"`
	Results []struct {
		IDs   []int64 `json:"ids"`
		Score float64 `json:"score"`
	} `json:"results"`
}

func readReferences(t testing.TB, dir string) map[string]reference {
	t.Helper()
	var rs []reference
	data, err := os.ReadFile(filepath.Join(dir, "references.json"))
	require.NoError(t, err)
	require.NoError(t, json.Unmarshal(data, &rs))
	out := map[string]reference{}
	for _, r := range rs {
		out[r.Name] = r
	}
	return out
}

func generateAll(t testing.TB, m *Model, reqs []Request) []Result {
	t.Helper()
	out, errs, err := m.Generate(context.Background(), reqs)
	require.NoError(t, err)
	for i, e := range errs {
		require.NoError(t, e, "request %d", i)
	}
	return out
}
