package archtest

import (
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// The module's tests assert with testify's require: a failed check stops
// the test, as t.Fatal does, and prints the values it compared. The rule
// checked here is the simple one: a _test.go file that reports failures
// with t.Fatal, t.Fatalf, t.Error or t.Errorf (on a *testing.T, a
// *testing.F or a testing.TB) imports require.
//
// Exceptions:
//   - A report from a goroutine other than the test's (an HTTP handler, a
//     worker): require must not be called there, since FailNow has to run
//     on the test's goroutine. Mark the line with allowComment and the
//     reason, or send the error back to the test's goroutine.
//   - Benchmarks (*testing.B) are not checked: require calls b.Helper on
//     every call, which costs inside a timed loop.
const allowComment = "//assert:allow"

// assertExempt are folders whose tests still assert with t.Fatalf and
// t.Errorf: converted by the CLI rework; remove when done. An entry that no
// longer holds such a file fails the test, so the list only shrinks.
var assertExempt = []string{
	"etl/demo",
	"etl/pipeline",
	"internal/bench",
	"internal/cli",
}

func TestTestsAssertWithRequire(t *testing.T) {
	root := moduleRoot(t)
	var bad []string
	stillNeeded := map[string]bool{}
	files := 0
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		name := d.Name()
		if d.IsDir() {
			// The folders the go command skips.
			if path != root && (name == "testdata" || name == "vendor" || strings.HasPrefix(name, ".") || strings.HasPrefix(name, "_")) {
				return filepath.SkipDir
			}
			return nil
		}
		if !strings.HasSuffix(name, "_test.go") {
			return nil
		}
		rel, err := filepath.Rel(root, path)
		if err != nil {
			return err
		}
		rel = filepath.ToSlash(rel)
		src, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		lines, err := assertionCalls(rel, src)
		if err != nil {
			return err
		}
		files++
		if len(lines) == 0 {
			return nil
		}
		if i := slices.IndexFunc(assertExempt, func(dir string) bool { return under(rel, dir) }); i >= 0 {
			stillNeeded[assertExempt[i]] = true
			return nil
		}
		for _, l := range lines {
			bad = append(bad, fmt.Sprintf("%s:%d", rel, l))
		}
		return nil
	})
	require.NoError(t, err, "walking the module")
	require.Greater(t, files, 100, "test files found under %s; want the whole module", root)
	require.Empty(t, bad, "these lines report a failed check with t.Fatal/t.Error in a file that does not "+
		"import github.com/stretchr/testify/require: assert with require, or mark a report made from "+
		"another goroutine with %s and the reason", allowComment)
	for _, dir := range assertExempt {
		require.True(t, stillNeeded[dir], "%s asserts with require now: remove it from assertExempt", dir)
	}
}

// TestAssertionCallsFindsEachCase feeds the checker small files.
func TestAssertionCallsFindsEachCase(t *testing.T) {
	const head = "package p\n\nimport \"testing\"\n\n"
	for _, tc := range []struct {
		name, src string
		want      []int // lines reported
	}{
		{"Fatalf in a test", head + "func TestX(t *testing.T) {\n\tt.Fatalf(\"x\")\n}\n", []int{6}},
		{"every reporting method", head + "func TestX(t *testing.T) {\n\tt.Fatal(1)\n\tt.Error(1)\n\tt.Errorf(\"x\")\n\tt.Log(1)\n\tt.Skip()\n}\n",
			[]int{6, 7, 8}},
		{"testing.TB helper", head + "func h(tb testing.TB) { tb.Errorf(\"x\") }\n", []int{5}},
		{"fuzz target and its body", head + "func FuzzX(f *testing.F) {\n\tf.Fatal(1)\n\tf.Fuzz(func(t *testing.T, s string) { t.Fatal(s) })\n}\n",
			[]int{6, 7}},
		{"a struct field", head + "type hub struct{ t *testing.T }\n\nfunc (h *hub) serve() { h.t.Errorf(\"x\") }\n", []int{7}},
		{"allowed line", head + "func TestX(t *testing.T) {\n\tgo func() { t.Errorf(\"x\") }() " + allowComment + " a worker\n}\n", nil},
		{"benchmark", head + "func BenchmarkX(b *testing.B) {\n\tb.Fatal(1)\n}\n", nil},
		{"shadowed name", head + "type e struct{}\n\nfunc (e) Error(string) {}\n\nfunc TestX(t *testing.T) {\n\tfunc(t e) { t.Error(\"x\") }(e{})\n}\n", nil},
		{"an error's Error method", head + "func TestX(t *testing.T) {\n\tvar err error\n\t_ = err.Error()\n}\n", nil},
		{"renamed testing import", "package p\n\nimport tst \"testing\"\n\nfunc TestX(t *tst.T) { t.Fatal(1) }\n", []int{5}},
		{"file importing require", "package p\n\nimport (\n\t\"testing\"\n\n\t\"github.com/stretchr/testify/require\"\n)\n\n" +
			"func TestX(t *testing.T) {\n\trequire.True(t, true)\n\tt.Fatal(1)\n}\n", nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := assertionCalls("x_test.go", []byte(tc.src))
			require.NoError(t, err)
			require.Equal(t, tc.want, got)
		})
	}
	_, err := assertionCalls("x_test.go", []byte("package p\nfunc {"))
	require.ErrorContains(t, err, "x_test.go", "a file that does not parse")
}

// reporting are the testing methods that report a failed check.
var reporting = map[string]bool{"Fatal": true, "Fatalf": true, "Error": true, "Errorf": true}

// assertionCalls returns the lines of a _test.go file that report a failed
// check with a reporting method of a *testing.T, *testing.F or testing.TB,
// lacking allowComment, unless the file imports testify's require.
func assertionCalls(name string, src []byte) ([]int, error) {
	fset := token.NewFileSet()
	f, err := parser.ParseFile(fset, name, src, parser.ParseComments|parser.SkipObjectResolution)
	if err != nil {
		return nil, err
	}
	testingName := ""
	for _, imp := range f.Imports {
		path, _ := strconv.Unquote(imp.Path.Value)
		switch path {
		case "github.com/stretchr/testify/require":
			return nil, nil
		case "testing":
			testingName = "testing"
			if imp.Name != nil {
				testingName = imp.Name.Name
			}
		}
	}
	if testingName == "" {
		return nil, nil
	}
	// isTesting reports whether a type is *testing.T, *testing.F or
	// testing.TB.
	isTesting := func(typ ast.Expr) bool {
		ptr := false
		if s, ok := typ.(*ast.StarExpr); ok {
			typ, ptr = s.X, true
		}
		sel, ok := typ.(*ast.SelectorExpr)
		if !ok {
			return false
		}
		if x, ok := sel.X.(*ast.Ident); !ok || x.Name != testingName {
			return false
		}
		return ptr && (sel.Sel.Name == "T" || sel.Sel.Name == "F") || !ptr && sel.Sel.Name == "TB"
	}
	// Struct fields of those types, reached as x.field.
	fields := map[string]bool{}
	ast.Inspect(f, func(n ast.Node) bool {
		if st, ok := n.(*ast.StructType); ok {
			for _, fl := range st.Fields.List {
				for _, id := range fl.Names {
					fields[id.Name] = fields[id.Name] || isTesting(fl.Type)
				}
			}
		}
		return true
	})
	allowed := map[int]bool{}
	for _, cg := range f.Comments {
		for _, c := range cg.List {
			if strings.HasPrefix(c.Text, allowComment) {
				allowed[fset.Position(c.Pos()).Line] = true
			}
		}
	}
	var lines []int
	// walk visits n with vars, the names in scope that are testing values;
	// each function's parameters and receiver shadow the outer names.
	var walk func(n ast.Node, vars map[string]bool)
	scope := func(outer map[string]bool, lists ...*ast.FieldList) map[string]bool {
		vars := make(map[string]bool, len(outer)+1)
		for k, v := range outer {
			vars[k] = v
		}
		for _, l := range lists {
			if l == nil {
				continue
			}
			for _, fl := range l.List {
				for _, id := range fl.Names {
					vars[id.Name] = isTesting(fl.Type)
				}
			}
		}
		return vars
	}
	walk = func(n ast.Node, vars map[string]bool) {
		ast.Inspect(n, func(n ast.Node) bool {
			switch n := n.(type) {
			case *ast.FuncDecl:
				if n.Body != nil {
					walk(n.Body, scope(vars, n.Recv, n.Type.Params))
				}
				return false
			case *ast.FuncLit:
				walk(n.Body, scope(vars, n.Type.Params))
				return false
			case *ast.CallExpr:
				sel, ok := n.Fun.(*ast.SelectorExpr)
				if !ok || !reporting[sel.Sel.Name] {
					return true
				}
				testingValue := false
				switch x := sel.X.(type) {
				case *ast.Ident:
					testingValue = vars[x.Name]
				case *ast.SelectorExpr:
					testingValue = fields[x.Sel.Name]
				}
				start, end := fset.Position(n.Pos()).Line, fset.Position(n.End()).Line
				if testingValue && !allowed[start] && !allowed[end] {
					lines = append(lines, start)
				}
			}
			return true
		})
	}
	walk(f, map[string]bool{})
	return lines, nil
}
