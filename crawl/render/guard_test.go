package render

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/masx-ai/masx/crawl/netguard"
)

// TestGuard checks that the SSRF rules hold for everything a page does:
// scripts, workers, iframes, images, preconnect hints, WebSockets and
// redirects, and that nothing ever connects to the metadata address.
func TestGuard(t *testing.T) {
	secret, secretConns := countingServer(t)
	netLog := filepath.Join(t.TempDir(), "netlog.json")

	s := newSite(t)
	s.Config.Handler = withPages(s.Config.Handler, map[string]string{
		"/ssrf": fmt.Sprintf(`<!doctype html><html><head><title>SSRF</title>
<link rel="preconnect" href="%[1]s"><link rel="dns-prefetch" href="%[1]s">
<link rel="stylesheet" href="%[1]s/style.css"></head><body>
<p id="out">start</p>
<img src="%[1]s/pixel.png"><iframe src="%[1]s/frame"></iframe>
<iframe src="http://169.254.169.254/latest/meta-data/iam/"></iframe>
<script>
const out = (s) => document.getElementById('out').textContent += ' ' + s;
fetch('%[1]s/secret').then(r => r.text()).then(t => out('leak:' + t)).catch(() => out('secret-refused'));
fetch('http://169.254.169.254/latest/meta-data/').then(() => out('metadata-reached')).catch(() => out('metadata-refused'));
navigator.sendBeacon('%[1]s/beacon', 'x');
const w = new Worker(URL.createObjectURL(new Blob(["fetch('%[1]s/worker').then(() => postMessage('worker-leak')).catch(() => postMessage('worker-refused'))"])));
w.onmessage = (e) => out(e.data);
try { const ws = new WebSocket('%[2]s/ws'); ws.onerror = () => out('ws-refused'); ws.onopen = () => out('ws-leak'); } catch (e) { out('ws-refused'); }
</script><p>`+article(2)+`</p></body></html>`, secret.URL, strings.Replace(secret.URL, "http", "ws", 1)),
		"/to-secret":   "redirect:" + secret.URL + "/after-redirect",
		"/to-metadata": "redirect:http://169.254.169.254/latest/meta-data/",
	})
	// LoadResources: images must meet the guard, not only the blink
	// setting that keeps them from being requested at all by default.
	p := startPool(t, Config{Guard: guardFor(s.Server), LoadResources: true, extraArgs: map[string]string{"log-net-log": netLog}})
	ctx := context.Background()

	res, err := p.Render(ctx, s.URL+"/ssrf")
	require.NoError(t, err)
	out := between(string(res.HTML), `<p id="out">`, "</p>")
	t.Logf("page says: %s", out)
	for _, want := range []string{"secret-refused", "metadata-refused", "worker-refused", "ws-refused"} {
		require.Contains(t, out, want, "the page's own report (the script holds these words too, so only its output counts)")
	}
	require.GreaterOrEqual(t, res.BlockedRequests, 3, "BlockedRequests: the image and the two fetches at least")

	for _, path := range []string{"/to-secret", "/to-metadata"} {
		_, err := p.Render(ctx, s.URL+path)
		var ne *NavigationError
		require.ErrorIs(t, err, netguard.ErrBlocked, path)
		require.ErrorAs(t, err, &ne, "%s: want a NavigationError wrapping netguard.ErrBlocked", path)
	}
	for _, u := range []string{secret.URL + "/direct", "http://169.254.169.254/latest/meta-data/"} {
		_, err := p.Render(ctx, u)
		require.ErrorIs(t, err, netguard.ErrBlocked, "Render(%s)", u)
	}

	require.Zero(t, secretConns.Load(), "connections to the secret server")

	// Chromium's own network log: every socket it opened went to the
	// egress proxy, so nothing it did can have reached 169.254.169.254 or
	// the secret server except through the guard.
	proxyAddr := p.proxy.self.String()
	stopCtx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	require.NoError(t, p.Stop(stopCtx))
	addrs := netLogConnects(t, netLog)
	require.NotEmpty(t, addrs, "net log %s lists no connection at all; cannot judge it", netLog)
	for _, a := range addrs {
		require.Equal(t, proxyAddr, a, "Chromium connected to an address, not through the egress proxy")
	}
	require.NotZero(t, p.Stats().EgressBlocked, "the egress proxy refused nothing; the WebSocket and preconnects should have been refused there")
}

// netLogConnects returns the addresses of every TCP connect attempt in a
// Chromium net log (--log-net-log).
func netLogConnects(t *testing.T, path string) []string {
	t.Helper()
	raw, err := os.ReadFile(path)
	require.NoError(t, err, "reading net log")
	text := string(raw)
	if !json.Valid(raw) {
		// The browser was killed before it closed the log.
		text = strings.TrimRight(strings.TrimSpace(text), ",") + "]}"
	}
	var nl struct {
		Constants struct {
			LogEventTypes map[string]int `json:"logEventTypes"`
		} `json:"constants"`
		Events []struct {
			Type   int            `json:"type"`
			Params map[string]any `json:"params"`
		} `json:"events"`
	}
	require.NoError(t, json.Unmarshal([]byte(text), &nl), "decoding net log")
	connect := map[int]bool{}
	for name, id := range nl.Constants.LogEventTypes {
		if strings.HasPrefix(name, "TCP_CONNECT") {
			connect[id] = true
		}
	}
	var addrs []string
	for _, ev := range nl.Events {
		if !connect[ev.Type] {
			continue
		}
		if a, ok := ev.Params["address"].(string); ok {
			addrs = append(addrs, a)
		}
		if list, ok := ev.Params["address_list"].([]any); ok {
			for _, a := range list {
				if s, ok := a.(string); ok {
					addrs = append(addrs, s)
				}
			}
		}
	}
	return addrs
}

// withPages serves extra pages ("redirect:<url>" redirects) before h.
func withPages(h http.Handler, pages map[string]string) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, ok := pages[r.URL.Path]
		switch {
		case !ok:
			h.ServeHTTP(w, r)
		case strings.HasPrefix(body, "redirect:"):
			http.Redirect(w, r, strings.TrimPrefix(body, "redirect:"), http.StatusFound)
		default:
			w.Header().Set("Content-Type", "text/html")
			fmt.Fprint(w, body)
		}
	})
}

// withoutScripts is html without its <script> elements: a check for text a
// script inserts must not find it in the script's own source.
func withoutScripts(html string) string {
	var b strings.Builder
	for {
		i := strings.Index(html, "<script")
		if i < 0 {
			b.WriteString(html)
			return b.String()
		}
		b.WriteString(html[:i])
		j := strings.Index(html[i:], "</script>")
		if j < 0 {
			return b.String()
		}
		html = html[i+j+len("</script>"):]
	}
}

func between(s, a, b string) string {
	_, s, _ = strings.Cut(s, a)
	s, _, _ = strings.Cut(s, b)
	return s
}
