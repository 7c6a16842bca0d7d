package cli

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/masx-ai/masx/nlp/cluster"
)

// writeVectors writes vectors as JSON lines into a temporary file.
func writeVectors(t *testing.T, vectors [][]float32, extra ...string) string {
	t.Helper()
	var b strings.Builder
	for _, v := range vectors {
		j, err := json.Marshal(v)
		if err != nil {
			t.Fatal(err)
		}
		b.Write(j)
		b.WriteByte('\n')
	}
	for _, l := range extra {
		b.WriteString(l + "\n")
	}
	p := filepath.Join(t.TempDir(), "vectors.jsonl")
	if err := os.WriteFile(p, []byte(b.String()), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestClusterCommandJSON(t *testing.T) {
	vectors, truth := cluster.GaussianBlobs(120, 32, 4, 1, 3)
	path := writeVectors(t, vectors, "", "   ") // trailing blank lines are skipped
	for _, tc := range []struct {
		args []string
		algo string
		k    int
	}{
		{nil, cluster.AlgorithmHDBSCAN, 4},
		{[]string{"--algo", "hdbscan", "--min-cluster-size", "10"}, cluster.AlgorithmHDBSCAN, 4},
		{[]string{"--algo", "kmeans", "--k", "4"}, cluster.AlgorithmKMeans, 4},
		{[]string{"--algo", "kmeans"}, cluster.AlgorithmKMeans, 7}, // min(10, max(2, ⌊√60⌋))
		{[]string{"--algo", "stories"}, cluster.AlgorithmHDBSCANRefined, 4},
	} {
		code, out, errOut := runCLI(t, append([]string{"cluster", "--input", path, "--json"}, tc.args...)...)
		if code != ExitOK {
			t.Fatalf("%v: exit %d: %s", tc.args, code, errOut)
		}
		var rep struct {
			Algorithm string `json:"algorithm"`
			NClusters int    `json:"n_clusters"`
			Noise     int    `json:"noise"`
			Labels    []int  `json:"labels"`
		}
		if err := json.Unmarshal([]byte(out), &rep); err != nil {
			t.Fatalf("%v: output %q: %v", tc.args, out, err)
		}
		if rep.Algorithm != tc.algo || rep.NClusters != tc.k || len(rep.Labels) != len(truth) {
			t.Errorf("%v: %q, %d clusters, %d labels; want %q, %d, %d", tc.args, rep.Algorithm, rep.NClusters, len(rep.Labels), tc.algo, tc.k, len(truth))
		}
	}
}

func TestClusterCommandReadsStdin(t *testing.T) {
	code, out, errOut := runMasx(t, invocation{Stdin: strings.NewReader("[0, 0]\n[0, 1]\n\n[9, 9]\n[9, 8]\n[0, 0.5]\n")},
		"cluster", "--input", "-", "--algo", "kmeans", "--k", "2", "--json")
	if code != ExitOK {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	if got, want := strings.TrimSpace(out), `{"algorithm":"kmeans","n_clusters":2,"noise":0,"labels":[0,0,1,1,0]}`; got != want {
		t.Errorf("output %s; want %s", got, want)
	}
}

func TestClusterCommandTable(t *testing.T) {
	vectors, _ := cluster.GaussianBlobs(12, 4, 2, 0.1, 3)
	code, out, errOut := runCLI(t, "cluster", "--input", writeVectors(t, vectors))
	if code != ExitOK {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	for _, want := range []string{"algorithm  kmeans", "vectors    12", "clusters   2", "cluster 0  6 vectors"} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
}

func TestClusterCommandInputErrors(t *testing.T) {
	good := []string{"[1, 2, 3]", "[4, 5, 6]"}
	file := func(lines ...string) string {
		p := filepath.Join(t.TempDir(), "v.jsonl")
		if err := os.WriteFile(p, []byte(strings.Join(lines, "\n")), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	for _, tc := range []struct {
		name string
		args []string
		want string
	}{
		{"not JSON", []string{"--input", file(append(good, "[1, 2, x]")...)}, "line 3: want a JSON array of numbers"},
		{"object", []string{"--input", file(append(good, `{"a": 1}`)...)}, "line 3: want a JSON array"},
		{"ragged", []string{"--input", file(append(good, "", "[1, 2]")...)}, "line 4: 2 numbers; want 3 like line 1"},
		{"null", []string{"--input", file(append(good, "[1, null, 3]")...)}, "line 3: value 1 is null"},
		{"empty array", []string{"--input", file("[]")}, "line 1: empty array"},
		{"too large", []string{"--input", file(append(good, "[1, 1e200, 3]")...)}, "line 3: value 1e+200 is too large"},
		{"out of range", []string{"--input", file("[1e400]")}, "line 1: want a JSON array of numbers"},
		{"missing file", []string{"--input", filepath.Join(t.TempDir(), "nope.jsonl")}, "opening vectors"},
		{"no input", nil, "needs --input"},
		{"bad algo", []string{"--input", file(good...), "--algo", "dbscan"}, `--algo is "dbscan"`},
		{"k with hdbscan", []string{"--input", file(good...), "--algo", "hdbscan", "--k", "3"}, "--k applies to --algo kmeans"},
		{"hdbscan flag with kmeans", []string{"--input", file(good...), "--algo", "kmeans", "--epsilon", "0.1"}, "--epsilon applies to"},
		{"k zero", []string{"--input", file(good...), "--algo", "kmeans", "--k", "0"}, "--k is 0"},
		{"min cluster size", []string{"--input", file(good...), "--min-cluster-size", "1"}, "--min-cluster-size is 1; want at least 2"},
		{"selection", []string{"--input", file(good...), "--algo", "hdbscan", "--selection", "best"}, `--selection is "best"`},
	} {
		code, _, errOut := runCLI(t, append([]string{"cluster"}, tc.args...)...)
		if code != ExitUsage || !strings.Contains(errOut, tc.want) {
			t.Errorf("%s: exit %d, stderr %q; want exit 2 and %q", tc.name, code, errOut, tc.want)
		}
	}
}

func TestBenchClusterJSON(t *testing.T) {
	code, out, errOut := runCLI(t, "bench", "cluster", "--n", "400", "--dim", "16", "--centers", "4", "--json")
	if code != ExitOK {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	var rep map[string]any
	if err := json.Unmarshal([]byte(out), &rep); err != nil {
		t.Fatalf("output %q: %v", out, err)
	}
	for _, key := range []string{"n", "dim", "seconds", "peak_rss_mb", "n_clusters", "auto_seconds", "auto_algorithm", "auto_n_clusters"} {
		if _, ok := rep[key]; !ok {
			t.Errorf("report lacks %q: %s", key, out)
		}
	}
	if rep["n"] != 400.0 || rep["dim"] != 16.0 || rep["n_clusters"] != 4.0 || rep["auto_n_clusters"] != 4.0 {
		t.Errorf("report %s; want n 400, dim 16 and 4 clusters both ways", out)
	}
	if s, _ := rep["seconds"].(float64); s <= 0 {
		t.Errorf("seconds = %v; want > 0", rep["seconds"])
	}
	if _, err := os.Stat("/proc/self/status"); err == nil {
		if mb, _ := rep["peak_rss_mb"].(float64); mb <= 0 {
			t.Errorf("peak_rss_mb = %v; want > 0 on Linux", rep["peak_rss_mb"])
		}
	}
	if code, _, errOut := runCLI(t, "bench", "cluster", "--n", "0"); code != ExitUsage || !strings.Contains(errOut, "--n is 0") {
		t.Errorf("--n 0: exit %d, %q; want exit 2 naming --n", code, errOut)
	}
}
