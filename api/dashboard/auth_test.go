package dashboard

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

const testKey = "dashboard-test-key"

// login goes through the form and returns the session cookie.
func (h *harness) login(t *testing.T) string {
	t.Helper()
	a := h.do("GET", "/login", nil)
	require.Equal(t, http.StatusOK, a.code, a.body)
	a = h.form("/login", url.Values{"token": {field(t, tokenField, a.body)}, "key": {testKey}, "next": {"/runs/r1"}})
	require.Equal(t, http.StatusSeeOther, a.code, a.body)
	require.Equal(t, "/runs/r1", a.header.Get("Location"))
	cs := (&http.Response{Header: a.header}).Cookies()
	require.Len(t, cs, 1)
	c := cs[0]
	require.Equal(t, sessionCookie, c.Name)
	require.True(t, c.HttpOnly, "HttpOnly")
	require.Equal(t, http.SameSiteStrictMode, c.SameSite)
	require.Equal(t, int(DefaultSessionTTL/time.Second), c.MaxAge)
	return sessionCookie + "=" + c.Value
}

func TestWithAKeyPagesNeedASession(t *testing.T) {
	h := newHarness(t, harnessOptions{key: testKey})
	seedRun(t, h.st, seed{runID: "r1", fpID: "fp1", articles: 20, clusters: 2, dim: 8, failed: 1, finished: true})

	// No cookie: the login form, not the page.
	for _, path := range []string{"/", "/runs/r1", "/runs/r1/flashpoints/fp1", "/runs/r1/missing", "/submit"} {
		a := h.do("GET", path, nil)
		require.Equal(t, http.StatusUnauthorized, a.code, path)
		require.Contains(t, a.body, `name="key"`, path)
		require.NotContains(t, a.body, "Flashpoint fp1", path)
		require.NotContains(t, a.body, `data-run="r1"`, path)
	}
	// The API key in a header is for the API, not a browser session.
	require.Equal(t, http.StatusUnauthorized, h.do("GET", "/", nil, "X-API-Key", testKey).code)

	// Forged, tampered and expired cookies.
	exp := strconv.FormatInt(time.Now().Add(time.Hour).Unix(), 10)
	past := strconv.FormatInt(time.Now().Add(-time.Minute).Unix(), 10)
	valid := h.dash.signed(purposeSession, exp)
	_, mac, _ := strings.Cut(valid, ".")
	for name, v := range map[string]string{
		"forged":             exp + ".bm90IGEgc2lnbmF0dXJl",
		"no signature":       exp,
		"tampered expiry":    strconv.FormatInt(time.Now().Add(1000*time.Hour).Unix(), 10) + "." + mac,
		"expired":            h.dash.signed(purposeSession, past),
		"signed for another": h.dash.signed(purposeLogin, exp),
		"garbage":            "%%%.%%%",
	} {
		a := h.do("GET", "/runs/r1", nil, "Cookie", sessionCookie+"="+v)
		require.Equal(t, http.StatusUnauthorized, a.code, name)
		require.NotContains(t, a.body, "Flashpoint fp1", name)
	}
	require.Equal(t, http.StatusOK, h.do("GET", "/runs/r1", nil, "Cookie", sessionCookie+"="+valid).code, "the control")

	// A wrong key, a stale form token, a foreign Origin.
	tok := field(t, tokenField, h.do("GET", "/login", nil).body)
	a := h.form("/login", url.Values{"token": {tok}, "key": {"wrong"}})
	require.Equal(t, http.StatusUnauthorized, a.code)
	require.Contains(t, a.body, "wrong API key")
	require.Empty(t, a.header.Values("Set-Cookie"))
	a = h.form("/login", url.Values{"token": {h.dash.signed(purposeLogin, past)}, "key": {testKey}})
	require.Equal(t, http.StatusForbidden, a.code)
	require.Empty(t, a.header.Values("Set-Cookie"))
	a = h.form("/login", url.Values{"token": {tok}, "key": {testKey}}, "Origin", "https://evil.example", "Sec-Fetch-Site", "cross-site")
	require.Equal(t, http.StatusForbidden, a.code)
	require.Empty(t, a.header.Values("Set-Cookie"))
	// An open redirect is not followed.
	a = h.form("/login", url.Values{"token": {tok}, "key": {testKey}, "next": {"//evil.example/x"}})
	require.Equal(t, http.StatusSeeOther, a.code)
	require.Equal(t, "/", a.header.Get("Location"))

	cookie := h.login(t)
	a = h.do("GET", "/runs/r1", nil, "Cookie", cookie)
	require.Equal(t, http.StatusOK, a.code)
	require.Contains(t, a.body, "Flashpoint fp1")

	// Mutating forms need the CSRF token of this session, and no
	// foreign Origin.
	csrf := field(t, csrfField, h.do("GET", "/submit", nil, "Cookie", cookie).body)
	a = h.form("/submit", url.Values{"date": {"2025-01-01"}}, "Cookie", cookie)
	require.Equal(t, http.StatusForbidden, a.code, a.body)
	require.Contains(t, a.body, "CSRF")
	a = h.form("/submit", url.Values{"date": {"2025-01-01"}, "csrf": {"AAAA"}}, "Cookie", cookie)
	require.Equal(t, http.StatusForbidden, a.code, a.body)
	other := h.login(t)
	require.NotEqual(t, csrf, field(t, csrfField, h.do("GET", "/submit", nil, "Cookie", other).body), "tokens are per session")
	a = h.form("/submit", url.Values{"date": {"2025-01-01"}, "csrf": {csrf}}, "Cookie", cookie, "Origin", "https://evil.example")
	require.Equal(t, http.StatusForbidden, a.code, a.body)
	require.Contains(t, a.body, "cross-site")
	// With both, the form reaches the API's validation: SQLite has no
	// MASX tables.
	a = h.form("/submit", url.Values{"date": {"2025-01-01"}, "csrf": {csrf}}, "Cookie", cookie, "Origin", h.url)
	require.Equal(t, http.StatusBadRequest, a.code, a.body)
	require.Contains(t, a.body, "this store has no MASX tables")

	// Log-out needs the token too, and deletes the cookie.
	require.Equal(t, http.StatusForbidden, h.form("/logout", nil, "Cookie", cookie).code)
	a = h.form("/logout", url.Values{"csrf": {csrf}}, "Cookie", cookie)
	require.Equal(t, http.StatusSeeOther, a.code)
	require.Contains(t, a.header.Get("Set-Cookie"), "Max-Age=0")

	// The stylesheet and script are public (the login form needs them).
	require.Equal(t, http.StatusOK, h.do("GET", "/static/style.css", nil).code)
	// The API beside it still wants its key.
	require.Equal(t, http.StatusUnauthorized, h.do("GET", "/v1/runs/r1", nil, "Cookie", cookie).code)
}

func TestWithoutAKeyLoopbackOnly(t *testing.T) {
	h := newHarness(t, harnessOptions{})
	seedRun(t, h.st, seed{runID: "r1", fpID: "fp1", articles: 10, clusters: 2, dim: 4, finished: true})
	a := h.do("GET", "/", nil)
	require.Equal(t, http.StatusOK, a.code)
	require.Contains(t, a.body, `data-run="r1"`)
	require.NotContains(t, a.body, "Log out")
	// DNS rebinding: a page's own name resolved to 127.0.0.1.
	a = h.do("GET", "/runs/r1", nil, "Host", "rebind.evil.example")
	require.Equal(t, http.StatusMisdirectedRequest, a.code)
	require.NotContains(t, a.body, "Flashpoint fp1")
	// Still a CSRF token and an Origin check on forms.
	require.Equal(t, http.StatusForbidden, h.form("/submit", url.Values{"date": {"2025-01-01"}}).code)
	csrf := field(t, csrfField, h.do("GET", "/submit", nil).body)
	require.Equal(t, http.StatusForbidden, h.form("/submit", url.Values{"date": {"2025-01-01"}, "csrf": {csrf}}, "Origin", "http://evil.example").code)
	require.Equal(t, http.StatusBadRequest, h.form("/submit", url.Values{"date": {"2025-01-01"}, "csrf": {csrf}}).code)
}

func TestSafeNext(t *testing.T) {
	for in, want := range map[string]string{
		"/runs/x?page=2": "/runs/x?page=2", "": "/", "//evil.example": "/", "https://evil.example/": "/",
		"/\\evil.example": "/", "runs": "/", "/login": "/", "javascript:alert(1)": "/",
	} {
		require.Equal(t, want, safeNext(in), in)
	}
}
