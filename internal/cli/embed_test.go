package cli

import (
	"encoding/json"
	"math"
	"strconv"
	"strings"
	"testing"

	"github.com/masx-ai/masx/model/onnx/onnxtest"
)

func TestEmbedCommand(t *testing.T) {
	dir := onnxtest.Tiny(t)
	code, out, errOut := runCLI(t, "embed", "--model", dir, "--force-cpu", "true", "Hello, world!", "")
	if code != ExitOK {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if len(lines) != 2 {
		t.Fatalf("got %d lines; want one per text:\n%s", len(lines), out)
	}
	for i, l := range lines {
		fields := strings.Fields(l)
		if len(fields) != 32 {
			t.Fatalf("line %d has %d numbers; want 32", i, len(fields))
		}
		var norm float64
		for _, f := range fields {
			x, err := strconv.ParseFloat(f, 64)
			if err != nil {
				t.Fatalf("line %d: %v", i, err)
			}
			norm += x * x
		}
		if math.Abs(norm-1) > 1e-4 {
			t.Errorf("line %d: |v|² = %v; want 1", i, norm)
		}
	}

	code, out, errOut = runMasx(t, invocation{Stdin: strings.NewReader("first\nsecond text\n")}, "embed", "--model", dir, "--json", "--max-length", "3", "-")
	if code != ExitOK {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	dec := json.NewDecoder(strings.NewReader(out))
	for i := 0; dec.More(); i++ {
		var o embedOutput
		if err := dec.Decode(&o); err != nil {
			t.Fatal(err)
		}
		if o.Index != i || len(o.Vector) != 32 || o.Tokens > 3 || o.Truncated != (i == 1) {
			t.Errorf("result %d = index %d, %d dims, %d tokens, truncated %v", i, o.Index, len(o.Vector), o.Tokens, o.Truncated)
		}
	}
}

func TestEmbedCommandUsage(t *testing.T) {
	dir := onnxtest.Tiny(t)
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"embed", "text"}, "no model"},
		{[]string{"embed", "--model", dir}, "at least one TEXT"},
		{[]string{"embed", "--model", dir, "--max-length", "-1", "x"}, "--max-length"},
		{[]string{"embed", "--model", t.TempDir() + "/missing", "x"}, "missing"},
		{[]string{"embed", "--model", "not a repo id", "x"}, "not a repo id"},
		{[]string{"bench", "embed", "--callers", "0"}, "--callers"},
	} {
		code, _, errOut := runCLI(t, c.args...)
		if code != ExitUsage || !strings.Contains(errOut, c.want) {
			t.Errorf("masx %s: exit %d, %q; want exit 2 mentioning %q", strings.Join(c.args, " "), code, errOut, c.want)
		}
	}
	code, _, errOut := runCLI(t, "embed", "--model", dir, "--ort-lib", t.TempDir()+"/libonnxruntime.so.1", "x")
	if code != ExitFailure || !strings.Contains(errOut, "ONNX Runtime unavailable") {
		t.Errorf("embed with a missing library: exit %d, %q; want exit 1 naming ONNX Runtime", code, errOut)
	}
}

func TestBenchEmbedCommand(t *testing.T) {
	dir := onnxtest.Tiny(t)
	code, out, errOut := runCLI(t, "bench", "embed", "--model", dir, "--json", "--force-cpu", "true",
		"--batch-size", "4", "--duration", "200ms", "--callers", "8", "--seq-len", "16")
	if code != ExitOK {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	var rep map[string]any
	if err := json.Unmarshal([]byte(out), &rep); err != nil {
		t.Fatalf("%v: %s", err, out)
	}
	for _, k := range []string{"unbatched_items_per_sec", "batched_items_per_sec", "speedup", "runtime_overhead_pct", "padding_efficiency", "raw_batch1_items_per_sec", "batching_ceiling"} {
		if _, ok := rep[k].(float64); !ok {
			t.Errorf("JSON lacks number %q: %s", k, out)
		}
	}
}
