package archtest

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

const module = "github.com/masx-ai/masx"

// role says what a package is for, which decides what it may import.
type role int

const (
	// library is a reusable package. It takes a Config of its own, whose
	// zero fields are its documented defaults, and imports neither config
	// nor the module's internal/ packages.
	library role = iota
	// settings is config, the settings table. Only the composition root
	// and test helpers read it.
	settings
	// testHelper is a package only tests import. It may read config, to
	// load what the environment names (MASX_ORT_LIB, …).
	testHelper
	// commandHelper is part of a command that lives outside internal/cli
	// (internal/bench). internal/cli builds its library Configs from the
	// settings, so it needs no config: the settings-to-Config adapters
	// stay in one file, internal/cli/wiring.go, which it cannot import
	// (internal/cli imports it).
	commandHelper
	// root is the composition root: the commands, and the tests that run
	// them. It may import anything below it.
	root
)

// wing is one row of the architecture: the package at path and those below
// it (a longer path overrides), their layer and their role.
type wing struct {
	path   string
	layer  int
	role   role
	driver bool   // a store driver: chosen by the composition root, never by a library
	what   string // what the packages hold
}

// architecture is the module's layering, bottom first.
//
// A package imports packages of its own wing (its first path element, or
// internal/x for internal/x/…) and packages of lower layers; never a peer
// wing of its layer or a higher layer. A library imports neither config nor
// internal/…; a store driver is imported by the store wing (store/open) and
// the composition root only; a test helper by tests and other test helpers
// only. Test files are exempt: they may import anything.
var architecture = []wing{
	// Layer 0: what every layer shares.
	{path: "news", layer: 0, role: library, what: "domain types: flashpoints, feeds, articles, clusters, runs"},
	{path: "config", layer: 0, role: settings, what: "the settings table; imports no masx package"},

	// Layer 1: the concurrency runtime.
	{path: "concurrency", layer: 1, role: library, what: "device decision, shared executors, batcher, inference runtime"},

	// Layer 2: three peer wings that never import each other.
	{path: "model", layer: 2, role: library, what: "tokenizer, ONNX Runtime sessions, model hub, test models"},
	{path: "crawl", layer: 2, role: library, what: "SSRF guard, fetcher, browser pool, extraction"},
	{path: "store", layer: 2, role: library, what: "the Store interface; store/open picks a driver from a URL"},
	{path: "store/sqlite", layer: 2, role: library, driver: true, what: "the embedded SQLite driver"},
	{path: "store/postgres", layer: 2, role: library, driver: true, what: "the PostgreSQL driver"},

	// Layers 3 to 5: language, the ETL, the HTTP API.
	{path: "nlp", layer: 3, role: library, what: "language id, summaries, vectors, embeddings, clustering"},
	{path: "etl", layer: 4, role: library, what: "inputs, the pipeline, durable jobs, the demo site"},
	{path: "api", layer: 5, role: library, what: "the HTTP API of masx serve"},

	// Layers 6 to 8: the composition root.
	{path: "internal/bench", layer: 6, role: commandHelper, what: "the measurements of masx bench"},
	{path: "internal/cli", layer: 7, role: root, what: "the commands; wiring.go turns settings into library Configs"},
	{path: "cmd", layer: 8, role: root, what: "main"},
	{path: "internal/e2e", layer: 8, role: root, what: "end-to-end tests of the built binary"},
	{path: "internal/archtest", layer: 8, role: root, what: "this test"},

	// Test helpers, in the wing they help test.
	{path: "model/hub/hubtest", layer: 2, role: testHelper, what: "a fake model hub"},
	{path: "model/onnx/onnxtest", layer: 2, role: testHelper, what: "loads ONNX Runtime from the environment's settings, so it reads config"},
	{path: "store/storetest", layer: 2, role: testHelper, what: "the store conformance suite"},
	{path: "store/postgres/pgtest", layer: 2, role: testHelper, what: "throwaway PostgreSQL servers"},
	{path: "api/dashboard/chromiumtest", layer: 5, role: testHelper, what: "a headless Chromium that records console errors, for dashboard tests"},
}

// edge is one import: from imports to. Paths are relative to the module.
type edge struct{ from, to string }

// knownViolations are forbidden imports on their way out, each with the
// change that removes it. An entry whose import is gone fails the test, so
// the list only shrinks.
var knownViolations = map[edge]string{}

func TestArchitecture(t *testing.T) {
	graph := moduleGraph(t)
	require.GreaterOrEqual(t, len(graph), 10, "packages go list found; want the whole module")
	require.Empty(t, check(graph, architecture, knownViolations), "forbidden imports")
	// A row that matches nothing is a stale description.
	pkgs := slices.Sorted(maps.Keys(graph))
	for _, w := range architecture {
		require.NotEmpty(t, w.what, "architecture row %q does not say what it holds", w.path)
		require.True(t, slices.ContainsFunc(pkgs, func(p string) bool { return under(p, w.path) }), "architecture row %q matches no package: remove it", w.path)
	}
}

// TestCheckFindsEachForbiddenImport feeds the checker a small module that
// keeps the rules, then adds one forbidden import at a time.
func TestCheckFindsEachForbiddenImport(t *testing.T) {
	clean := map[string][]string{
		"news":                 nil,
		"config":               nil,
		"concurrency/batch":    nil,
		"concurrency/executor": nil,
		"crawl/fetch":          nil,
		"crawl":                {"concurrency/executor", "crawl/fetch"},
		"store":                {"news"},
		"store/sqlite":         {"store", "news"},
		"store/postgres":       {"store"},
		"store/open":           {"store/sqlite", "store/postgres"},
		"store/storetest":      {"store", "news"},
		"model/onnx":           nil,
		"model/onnx/onnxtest":  {"model/onnx", "config"},
		"nlp/embed":            {"model/onnx", "concurrency/batch"},
		"etl/pipeline":         {"crawl", "nlp/embed", "store"},
		"etl/jobs":             {"etl/pipeline", "store"},
		"api":                  {"etl/jobs", "store"},
		"internal/bench/x":     {"crawl/fetch", "store/sqlite"},
		"internal/cli":         {"api", "config", "internal/bench/x", "store/open", "store/sqlite"},
		"cmd/masx":             {"internal/cli"},
	}
	require.Empty(t, check(clean, architecture, nil), "check(clean module)")
	for _, tt := range []struct {
		name string
		add  edge
		want string
	}{
		{"lower layer imports a higher one", edge{"crawl", "etl/pipeline"}, "crawl (layer 2) imports etl/pipeline (layer 4)"},
		{"peer wings", edge{"crawl/fetch", "store"}, "crawl/fetch (layer 2) imports store (layer 2)"},
		{"domain imports the runtime", edge{"news", "concurrency/batch"}, "news (layer 0) imports concurrency/batch (layer 1)"},
		{"library imports config", edge{"crawl/fetch", "config"}, "crawl/fetch imports config"},
		{"command helper imports config", edge{"internal/bench/x", "config"}, "internal/bench/x imports config"},
		{"config imports a library", edge{"config", "news"}, "config (layer 0) imports news (layer 0)"},
		{"library imports internal/", edge{"api", "internal/bench/x"}, "api imports internal/bench/x"},
		{"jobs imports a store driver", edge{"etl/jobs", "store/sqlite"}, "etl/jobs imports the store driver store/sqlite"},
		{"api imports a store driver", edge{"api", "store/postgres"}, "api imports the store driver store/postgres"},
		{"library imports a test helper", edge{"nlp/embed", "model/onnx/onnxtest"}, "nlp/embed imports the test helper model/onnx/onnxtest"},
		{"root imports a test helper", edge{"internal/cli", "store/storetest"}, "internal/cli imports the test helper store/storetest"},
		{"unclassified package", edge{"newwing/thing", "news"}, "newwing/thing is in no row of the architecture"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			g := withEdge(clean, tt.add)
			got := check(g, architecture, nil)
			require.True(t, slices.ContainsFunc(got, func(v string) bool { return strings.Contains(v, tt.want) }), "check = %q; want a violation containing %q", got, tt.want)
			// A known violation is let through, and only while it exists.
			known := map[edge]string{tt.add: "test"}
			if tt.name != "unclassified package" {
				require.Empty(t, check(g, architecture, known), "check with %v allowed", tt.add)
				got := check(clean, architecture, known)
				require.Len(t, got, 1, "check with a stale allowance: want one violation saying it is gone")
				require.Contains(t, got[0], "is gone", "check with a stale allowance")
			}
		})
	}
}

// check returns every forbidden import in graph (package → its non-test
// imports, both relative to the module), sorted, less those in known; and
// one violation per entry of known that graph no longer has.
func check(graph map[string][]string, arch []wing, known map[edge]string) []string {
	var out []string
	used := map[edge]bool{}
	for _, from := range slices.Sorted(maps.Keys(graph)) {
		wf, ok := classify(arch, from)
		if !ok {
			out = append(out, fmt.Sprintf("%s is in no row of the architecture: add its wing to the table in internal/archtest", from))
			continue
		}
		for _, to := range graph[from] {
			wt, ok := classify(arch, to)
			if !ok {
				continue // reported as a package of its own
			}
			vs := violations(from, wf, to, wt)
			if len(vs) == 0 {
				continue
			}
			if _, ok := known[edge{from, to}]; ok {
				used[edge{from, to}] = true
				continue
			}
			out = append(out, vs...)
		}
	}
	for e, why := range known {
		if !used[e] {
			out = append(out, fmt.Sprintf("the known violation %s → %s (%s) is gone: remove it from knownViolations", e.from, e.to, why))
		}
	}
	slices.Sort(out)
	return out
}

// violations lists the rules the import from → to breaks.
func violations(from string, wf wing, to string, wt wing) []string {
	var vs []string
	same := wingOf(from) == wingOf(to)
	if !same && wf.layer <= wt.layer {
		vs = append(vs, fmt.Sprintf("%s (layer %d) imports %s (layer %d): a package imports its own wing and lower layers only",
			from, wf.layer, to, wt.layer))
	}
	if wt.role == settings && wf.role != root && wf.role != testHelper {
		vs = append(vs, fmt.Sprintf("%s imports %s: only the composition root reads settings; a library takes a Config of its own, filled in internal/cli/wiring.go",
			from, to))
	}
	if under(to, "internal") && !same && (wf.role == library || wf.role == settings || wf.role == testHelper) {
		vs = append(vs, fmt.Sprintf("%s imports %s: a library does not import the module's internal/ packages", from, to))
	}
	if wt.driver && wingOf(from) != "store" && wf.role != root && wf.role != commandHelper {
		vs = append(vs, fmt.Sprintf("%s imports the store driver %s: the composition root opens the store and hands it in", from, to))
	}
	if wt.role == testHelper && wf.role != testHelper {
		vs = append(vs, fmt.Sprintf("%s imports the test helper %s: only tests may", from, to))
	}
	return vs
}

// classify returns the architecture row of pkg: the one with the longest
// path that pkg is at or under.
func classify(arch []wing, pkg string) (wing, bool) {
	var best wing
	found := false
	for _, w := range arch {
		if under(pkg, w.path) && (!found || len(w.path) > len(best.path)) {
			best, found = w, true
		}
	}
	return best, found
}

// wingOf is pkg's wing: its first path element, or internal/x.
func wingOf(pkg string) string {
	parts := strings.SplitN(pkg, "/", 3)
	if parts[0] == "internal" && len(parts) > 1 {
		return parts[0] + "/" + parts[1]
	}
	return parts[0]
}

// under reports whether pkg is dir or inside it.
func under(pkg, dir string) bool {
	return pkg == dir || strings.HasPrefix(pkg, dir+"/")
}

// moduleGraph lists the module's packages with `go list`, with cgo on and
// off (files differ by build tag), and returns each package's imports of
// module packages, relative to the module. Test files are not read.
func moduleGraph(t *testing.T) map[string][]string {
	t.Helper()
	dir := moduleRoot(t)
	graph := map[string][]string{}
	for _, cgo := range []string{"1", "0"} {
		cmd := exec.Command("go", "list", "-e", "-json=ImportPath,Imports,Error", "./...")
		cmd.Dir = dir
		cmd.Env = append(os.Environ(), "CGO_ENABLED="+cgo)
		var stderr bytes.Buffer
		cmd.Stderr = &stderr
		out, err := cmd.Output()
		require.NoError(t, err, "go list (CGO_ENABLED=%s):\n%s", cgo, stderr.Bytes())
		dec := json.NewDecoder(bytes.NewReader(out))
		for {
			var p struct {
				ImportPath string
				Imports    []string
				Error      *struct{ Err string }
			}
			err := dec.Decode(&p)
			if errors.Is(err, io.EOF) {
				break
			}
			require.NoError(t, err, "reading go list")
			require.Nil(t, p.Error, "go list %s (CGO_ENABLED=%s)", p.ImportPath, cgo)
			from := strings.TrimPrefix(p.ImportPath, module+"/")
			imports := graph[from]
			for _, imp := range p.Imports {
				if to, ok := strings.CutPrefix(imp, module+"/"); ok && !slices.Contains(imports, to) {
					imports = append(imports, to)
				}
			}
			graph[from] = imports
		}
	}
	return graph
}

// moduleRoot is the folder of the module's go.mod.
func moduleRoot(t *testing.T) string {
	t.Helper()
	gomod, err := exec.Command("go", "env", "GOMOD").Output()
	require.NoError(t, err, "go env GOMOD")
	return filepath.Dir(strings.TrimSpace(string(gomod)))
}

func withEdge(g map[string][]string, e edge) map[string][]string {
	out := make(map[string][]string, len(g)+1)
	for k, v := range g {
		out[k] = slices.Clone(v)
	}
	out[e.from] = append(out[e.from], e.to)
	return out
}
