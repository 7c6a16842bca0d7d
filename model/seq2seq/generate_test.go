package seq2seq

import (
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/stretchr/testify/require"
)

// Which reference checks what:
//   - testdata/goldens.json comes from transformers.js (scripts/seq2seq-goldens.mjs)
//     run on the same generated folders: an independent implementation of the
//     loading, the logits processors and greedy search, on onnxruntime-node.
//     It checks every greedy case, every family, both decoder layouts
//     (transformers.js itself loads only the merged decoder).
//   - references.json comes from the generator's numpy model (full
//     recompute, float64, no ONNX Runtime): it checks greedy and beam search
//     (transformers.js has no real beam search) against transformers'
//     formula, written down in beam.go and in the generator.

type goldens struct {
	Models map[string]struct {
		Folder string `json:"folder"`
		Cases  []struct {
			Name    string    `json:"name"`
			Results [][]int64 `json:"results"`
		} `json:"cases"`
	} `json:"models"`
}

func readGoldens(t *testing.T) goldens {
	t.Helper()
	var g goldens
	data, err := os.ReadFile(filepath.Join("testdata", "goldens.json"))
	require.NoError(t, err)
	require.NoError(t, json.Unmarshal(data, &g))
	return g
}

func TestGreedyMatchesTransformersJS(t *testing.T) {
	gold := readGoldens(t)
	for _, fam := range families {
		dir := familyDir(t, fam)
		gm, ok := gold.Models[fam]
		require.True(t, ok, "goldens for %s", fam)
		require.Equal(t, familySpec(fam).Name(), gm.Folder,
			"the generator changed since the goldens were made: regenerate them with scripts/seq2seq-goldens.mjs (see its header)")
		cases := map[string]testCase{}
		for _, c := range readCases(t, dir) {
			cases[c.Name] = c
		}
		require.NotEmpty(t, gm.Cases)
		for _, layout := range []string{LayoutMerged, LayoutPair} {
			m := loadModel(t, dir, Options{Layout: layout})
			require.Equal(t, layout, m.Files().Layout)
			for _, gc := range gm.Cases {
				c := cases[gc.Name]
				out := generateAll(t, m, c.requests(c.config(t, m)))
				got := make([][]int64, len(out))
				for i, r := range out {
					got[i] = r.IDs
				}
				require.Equal(t, gc.Results, got, "%s %s case %s", fam, layout, gc.Name)
				requireVaried(t, got)
			}
		}
	}
}

// requireVaried fails on the tiny-random-model collapse (one token
// repeated): rows must differ from each other, and most must hold several
// distinct tokens, or exact agreement would prove little.
func requireVaried(t *testing.T, rows [][]int64) {
	t.Helper()
	varied, distinctRows := 0, map[string]bool{}
	for _, r := range rows {
		set := map[int64]bool{}
		for _, id := range r {
			set[id] = true
		}
		if len(set) >= 4 {
			varied++
		}
		b, _ := json.Marshal(r)
		distinctRows[string(b)] = true
	}
	require.GreaterOrEqual(t, varied*2, len(rows), "rows with ≥ 4 distinct tokens: %v", rows)
	require.Greater(t, len(distinctRows), len(rows)/2, "distinct rows: %v", rows)
}

func TestMatchesNumpyReference(t *testing.T) {
	for _, fam := range families {
		dir := familyDir(t, fam)
		refs := readReferences(t, dir)
		for _, layout := range []string{LayoutMerged, LayoutPair} {
			m := loadModel(t, dir, Options{Layout: layout})
			beams := 0
			for _, c := range readCases(t, dir) {
				g := c.config(t, m)
				if g.NumBeams > 1 {
					beams++
				}
				out := generateAll(t, m, c.requests(g))
				ref := refs[c.Name]
				require.Len(t, ref.Results, len(out), "%s case %s", fam, c.Name)
				for i, r := range out {
					require.Equal(t, ref.Results[i].IDs, r.IDs, "%s %s case %s row %d", fam, layout, c.Name, i)
					require.InDelta(t, ref.Results[i].Score, r.Score, 1e-4, "%s %s case %s row %d score", fam, layout, c.Name, i)
				}
			}
			require.GreaterOrEqual(t, beams, 3, "beam cases for %s", fam)
		}
	}
}

// Decoding with the KV cache equals recomputing the whole sequence each
// step: the same ids, and logits within 1e-4 at every step.
func TestCacheMatchesRecompute(t *testing.T) {
	for _, fam := range families {
		dir := familyDir(t, fam)
		for _, layout := range []string{LayoutMerged, LayoutPair} {
			cached := loadModel(t, dir, Options{Layout: layout})
			full := loadModel(t, dir, Options{Layout: layout, Recompute: true})
			c := readCases(t, dir)[0]
			g := c.config(t, cached)
			a := generateAll(t, cached, c.requests(g))
			b := generateAll(t, full, c.requests(g))
			require.Equal(t, a, b, "%s %s: cached vs recomputed ids", fam, layout)

			// Step by step on one batch: feed the cached run's tokens to both.
			ctx := context.Background()
			sc, err := cached.be.start(ctx, c.Srcs, false)
			require.NoError(t, err)
			sf, err := full.be.start(ctx, c.Srcs, true)
			require.NoError(t, err)
			seqs := make([][]int64, len(c.Srcs))
			for i := range seqs {
				seqs[i] = []int64{g.DecoderStartTokenID}
			}
			V := cached.Vocab()
			for step := range 12 {
				lc, err := sc.step(ctx, seqs)
				require.NoError(t, err)
				lf, err := sf.step(ctx, seqs)
				require.NoError(t, err)
				for i := range lc {
					require.InDelta(t, lf[i], lc[i], 1e-4, "%s %s step %d logit %d", fam, layout, step, i)
				}
				for r := range seqs {
					seqs[r] = append(seqs[r], int64(argmax(lc[r*V:(r+1)*V])))
				}
			}
			sc.close()
			sf.close()
		}
	}
}

// A source decodes the same alone and inside a batch of mixed lengths, for
// greedy and beam search, on both layouts.
func TestBatchInvariance(t *testing.T) {
	for _, fam := range families {
		dir := familyDir(t, fam)
		for _, layout := range []string{LayoutMerged, LayoutPair} {
			m := loadModel(t, dir, Options{Layout: layout})
			for _, c := range readCases(t, dir) {
				if c.Name != "greedy" && c.Name != "beam4" {
					continue
				}
				g := c.config(t, m)
				batch := generateAll(t, m, c.requests(g))
				for i, src := range c.Srcs {
					alone := generateAll(t, m, []Request{{IDs: src, Config: &g}})
					require.Equal(t, batch[i].IDs, alone[0].IDs, "%s %s %s row %d alone vs batched", fam, layout, c.Name, i)
					require.InDelta(t, batch[i].Score, alone[0].Score, 1e-6)
				}
				// Mixed configs in one call: each group decodes on its own.
				mixed := c.requests(g)
				other := g
				other.MaxNewTokens = 3
				mixed = slices.Insert(mixed, 1, Request{IDs: c.Srcs[0], Config: &other})
				out := generateAll(t, m, mixed)
				require.Equal(t, batch[0].IDs, out[0].IDs)
				require.Equal(t, batch[1].IDs, out[2].IDs)
				require.LessOrEqual(t, len(out[1].IDs), 3)
			}
		}
	}
}

// One model serves several generations at once (ONNX Runtime sessions
// allow concurrent runs; each generation has its own cache), with the
// results of running them one after the other.
func TestConcurrentGenerations(t *testing.T) {
	dir := familyDir(t, "bart")
	m := loadModel(t, dir, Options{})
	cases := readCases(t, dir)
	want := make([][]Result, len(cases))
	for i, c := range cases {
		want[i] = generateAll(t, m, c.requests(c.config(t, m)))
	}
	type got struct {
		i   int
		out []Result
		err error
	}
	ch := make(chan got, len(cases))
	for i, c := range cases {
		reqs := c.requests(c.config(t, m))
		go func() {
			out, errs, err := m.Generate(context.Background(), reqs)
			ch <- got{i, out, errors.Join(append(errs, err)...)}
		}()
	}
	for range cases {
		g := <-ch
		require.NoError(t, g.err)
		require.Equal(t, want[g.i], g.out, "case %s", cases[g.i].Name)
	}
}
