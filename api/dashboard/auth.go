package dashboard

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// sessionCookie is the cookie a login sets. Its value is
// "EXPIRY~NONCE.MAC": the expiry in Unix seconds, a random nonce (so two
// logins never share a session, nor its CSRF token) and the Guard's
// signature of both, so a forged or altered cookie fails the check and an old one
// expires on the server's clock whatever the browser keeps. Sessions are
// not stored anywhere: log-out deletes the browser's cookie, and
// changing MASX_API_KEY ends every session at once.
const sessionCookie = "masx_session"

// Purposes the Guard signs for: a signature made for one is useless for
// another.
const (
	purposeSession = "dashboard session"
	purposeCSRF    = "dashboard csrf"
	purposeLogin   = "dashboard login form"
)

// loginFormTTL bounds how long a login form can be sent after it was
// served.
const loginFormTTL = time.Hour

var b64 = base64.RawURLEncoding

type sessionKey struct{}

// session is who is asking: the cookie's value when an API key is set,
// "" on a keyless loopback server.
type session string

func withSession(ctx context.Context, s session) context.Context {
	return context.WithValue(ctx, sessionKey{}, s)
}

// signed returns "PAYLOAD.MAC" for payload under purpose.
func (d *Dashboard) signed(purpose, payload string) string {
	return payload + "." + b64.EncodeToString(d.guard.Sign(purpose, []byte(payload)))
}

// verifyExpiring checks a value made by signed over a Unix expiry: the
// signature must match and the expiry lie in the future.
func (d *Dashboard) verifyExpiring(purpose, v string) bool {
	payload, mac64, ok := strings.Cut(v, ".")
	if !ok {
		return false
	}
	mac, err := b64.DecodeString(mac64)
	if err != nil || !d.guard.Verify(purpose, []byte(payload), mac) {
		return false
	}
	expiry, _, _ := strings.Cut(payload, "~") // the rest is a nonce
	exp, err := strconv.ParseInt(expiry, 10, 64)
	return err == nil && time.Now().Unix() < exp
}

// session returns the request's session: always valid without an API key
// (the server answers loopback only), else a valid, unexpired cookie.
func (d *Dashboard) session(r *http.Request) (session, bool) {
	if !d.guard.Keyed() {
		return "", true
	}
	c, err := r.Cookie(sessionCookie)
	if err != nil || !d.verifyExpiring(purposeSession, c.Value) {
		return "", false
	}
	return session(c.Value), true
}

// csrfToken is the token mutating forms carry: a signature of the
// session, so it changes with every login and a page of another site,
// which cannot read ours, cannot know it.
func (d *Dashboard) csrfToken(r *http.Request) string {
	s, _ := r.Context().Value(sessionKey{}).(session)
	return b64.EncodeToString(d.guard.Sign(purposeCSRF, []byte("session:"+string(s))))
}

// checkCSRF reports whether a parsed form carries the session's token.
func (d *Dashboard) checkCSRF(r *http.Request) bool {
	got, err := b64.DecodeString(r.PostFormValue("csrf"))
	if err != nil || len(got) == 0 {
		return false
	}
	s, _ := r.Context().Value(sessionKey{}).(session)
	return d.guard.Verify(purposeCSRF, []byte("session:"+string(s)), got)
}

type loginBody struct {
	Token, Next, Error string
}

// loginForm answers code with the login form, which sends the user back
// to where they were going. Without an API key there is nothing to log
// in to: the form says so.
func (d *Dashboard) loginForm(w http.ResponseWriter, r *http.Request, code int, problem string) {
	next := r.URL.RequestURI()
	if r.URL.Path == "/login" {
		next = safeNext(r.FormValue("next"))
	}
	token := d.signed(purposeLogin, strconv.FormatInt(time.Now().Add(loginFormTTL).Unix(), 10))
	d.render(w, r, code, "login", page{Title: "Log in", Body: loginBody{Token: token, Next: next, Error: problem}})
}

// login shows the form (GET) or exchanges the API key for a session
// cookie (POST).
func (d *Dashboard) login(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost {
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			w.Header().Set("Allow", "GET, HEAD, POST")
			d.errorPage(w, r, http.StatusMethodNotAllowed, "method "+r.Method+" not allowed on /login")
			return
		}
		d.loginForm(w, r, http.StatusOK, "")
		return
	}
	r.Body = http.MaxBytesReader(w, r.Body, 16<<10)
	if err := r.ParseForm(); err != nil {
		d.loginForm(w, r, http.StatusBadRequest, "the form could not be read: "+err.Error())
		return
	}
	if !d.guard.Keyed() {
		http.Redirect(w, r, safeNext(r.PostFormValue("next")), http.StatusSeeOther)
		return
	}
	if !d.verifyExpiring(purposeLogin, r.PostFormValue("token")) {
		d.loginForm(w, r, http.StatusForbidden, "the form expired or did not come from this server; try again")
		return
	}
	if !d.guard.KeyMatches(r.PostFormValue("key")) {
		d.loginForm(w, r, http.StatusUnauthorized, "wrong API key")
		return
	}
	exp := time.Now().Add(d.cfg.SessionTTL)
	http.SetCookie(w, &http.Cookie{
		Name: sessionCookie, Value: d.signed(purposeSession, strconv.FormatInt(exp.Unix(), 10)+"~"+nonce()),
		Path: "/", Expires: exp, MaxAge: int(d.cfg.SessionTTL / time.Second),
		HttpOnly: true, SameSite: http.SameSiteStrictMode, Secure: r.TLS != nil,
	})
	http.Redirect(w, r, safeNext(r.PostFormValue("next")), http.StatusSeeOther)
}

// logout deletes the session cookie.
func (d *Dashboard) logout(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, 16<<10)
	if !d.checkCSRF(r) {
		d.errorPage(w, r, http.StatusForbidden, "missing or wrong CSRF token: reload the page and try again")
		return
	}
	http.SetCookie(w, &http.Cookie{Name: sessionCookie, Value: "", Path: "/", MaxAge: -1,
		HttpOnly: true, SameSite: http.SameSiteStrictMode, Secure: r.TLS != nil})
	http.Redirect(w, r, "/login", http.StatusSeeOther)
}

// nonce is 16 random bytes, base64url.
func nonce() string {
	b := make([]byte, 16)
	_, _ = rand.Read(b) // crypto/rand.Read never fails (Go ≥ 1.24)
	return b64.EncodeToString(b)
}

// safeNext keeps a redirect target on this server: a path, never
// "//host" or a URL with a scheme (an open redirect).
func safeNext(next string) string {
	u, err := url.Parse(next)
	if err != nil || next == "" || u.Scheme != "" || u.Host != "" || !strings.HasPrefix(next, "/") ||
		strings.HasPrefix(next, "//") || strings.HasPrefix(next, "/\\") || next == "/login" {
		return "/"
	}
	return next
}
