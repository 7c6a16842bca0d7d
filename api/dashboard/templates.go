package dashboard

import (
	"embed"
	"fmt"
	"html/template"
	"io"
	"io/fs"
	"net/http"
	"strings"
)

//go:embed templates/*.html
var templateFS embed.FS

//go:embed static/style.css static/live.js
var staticFS embed.FS

// pages are the page templates; each defines "content" inside "layout".
var pages = []string{"runs", "run", "flashpoint", "cluster", "missing", "submit", "login", "error", "report"}

// templates holds one parsed set per page: the layout and partials, and
// the page's own "content".
type templates struct{ byName map[string]*template.Template }

var funcs = template.FuncMap{
	"join": strings.Join,
	"inc":  func(i int) int { return i + 1 },
}

func parseTemplates() (*templates, error) {
	base, err := template.New("layout").Funcs(funcs).ParseFS(templateFS, "templates/layout.html", "templates/partials.html")
	if err != nil {
		return nil, fmt.Errorf("dashboard: parsing templates: %w", err)
	}
	t := &templates{byName: map[string]*template.Template{}}
	for _, name := range pages {
		c, err := base.Clone()
		if err == nil {
			c, err = c.ParseFS(templateFS, "templates/"+name+".html")
		}
		if err != nil {
			return nil, fmt.Errorf("dashboard: parsing template %s: %w", name, err)
		}
		t.byName[name] = c
	}
	return t, nil
}

func (t *templates) execute(w io.Writer, name string, p page) error {
	tt, ok := t.byName[name]
	if !ok {
		return fmt.Errorf("dashboard: no page template %q", name)
	}
	return tt.ExecuteTemplate(w, "layout", p)
}

// styleSheet is the stylesheet, which a self-contained report inlines.
func styleSheet() template.CSS {
	b, _ := fs.ReadFile(staticFS, "static/style.css") // embedded: cannot fail
	return template.CSS(b)
}

// serveStatic answers the embedded stylesheet and script.
func serveStatic(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		w.Header().Set("Allow", "GET, HEAD")
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		return
	}
	// Embedded files change only with the binary; an hour is enough.
	w.Header().Set("Cache-Control", "public, max-age=3600")
	http.ServeFileFS(w, r, staticFS, strings.TrimPrefix(r.URL.Path, "/"))
}
