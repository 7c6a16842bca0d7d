package api_test

import (
	"net/http"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/masx-ai/masx/api"
)

// What a web page in a browser on the same machine could send to a keyless
// API on loopback, with the headers Chromium sends. Before the fix a
// text/plain POST from a foreign page was accepted (202), and a DNS
// rebinding page read /metrics and results under its own Host.
func TestAPIRefusesCrossSiteAndForeignHostRequests(t *testing.T) {
	t.Parallel()
	h := newHarness(t, harnessOptions{}) // no key, on loopback
	body := runBody(t, "csrf", flashpoint("fp-a", 1))

	// A form or no-CORS fetch from another site: text/plain, foreign Origin.
	r := h.do("POST", "/v1/runs", body, "Content-Type", "text/plain;charset=UTF-8",
		"Origin", "https://evil.example", "Sec-Fetch-Site", "cross-site", "Sec-Fetch-Mode", "no-cors", "Sec-Fetch-Dest", "empty")
	require.Equal(t, http.StatusForbidden, r.code, r.raw)
	require.Equal(t, "Origin", r.str("field"))
	// The same with a JSON type (a preflighted fetch the page forced).
	r = h.do("POST", "/v1/runs", body, "Origin", "https://evil.example", "Sec-Fetch-Site", "cross-site")
	require.Equal(t, http.StatusForbidden, r.code, r.raw)
	// An older browser without Sec-Fetch-*: Origin alone.
	r = h.do("POST", "/services/run?date=2025-03-01", "", "Origin", "https://evil.example")
	require.Equal(t, http.StatusForbidden, r.code, r.raw)
	// A same-site page's text/plain body is still not JSON.
	r = h.do("POST", "/v1/runs", body, "Content-Type", "text/plain", "Sec-Fetch-Site", "same-origin")
	require.Equal(t, http.StatusUnsupportedMediaType, r.code, r.raw)
	require.Equal(t, "Content-Type", r.str("field"))
	r = h.do("POST", "/v1/runs", body, "Content-Type", "application/x-www-form-urlencoded")
	require.Equal(t, http.StatusUnsupportedMediaType, r.code, r.raw)

	// DNS rebinding: the page's own name resolved to 127.0.0.1.
	for _, path := range []string{"/metrics", "/v1/runs/csrf", "/healthz"} {
		r = h.do("GET", path, "", "Host", "rebind.evil.example:8080")
		require.Equal(t, http.StatusMisdirectedRequest, r.code, "%s: %s", path, r.raw)
		require.Equal(t, "Host", r.str("field"))
	}
	require.Equal(t, http.StatusNotFound, h.do("GET", "/v1/runs/csrf", "").code, "nothing was queued")

	// What a command-line client or a same-site page sends still works.
	r = h.do("POST", "/v1/runs", body)
	require.Equal(t, http.StatusAccepted, r.code, r.raw)
	r = h.do("POST", "/v1/runs", body, "Content-Type", "application/json; charset=utf-8", "Origin", h.url, "Sec-Fetch-Site", "same-origin")
	require.Equal(t, http.StatusAccepted, r.code, r.raw)
	for _, host := range []string{"localhost:8080", "127.0.0.1", "[::1]:9"} {
		require.Equal(t, http.StatusOK, h.do("GET", "/healthz", "", "Host", host).code, host)
	}
}

// With a key the API may serve any Host (a proxy, a DNS name), but still
// refuses cross-site writes.
func TestAPIWithKeyServesAnyHostButNoCrossSiteWrites(t *testing.T) {
	t.Parallel()
	h := newHarness(t, harnessOptions{cfg: api.Config{APIKey: key}})
	require.Equal(t, http.StatusOK, h.do("GET", "/metrics", "", append(withKey, "Host", "api.internal:8080")...).code)
	r := h.do("POST", "/v1/runs", runBody(t, "k", flashpoint("fp-a", 1)), append(withKey, "Origin", "https://evil.example", "Sec-Fetch-Site", "cross-site")...)
	require.Equal(t, http.StatusForbidden, r.code, r.raw)
}
