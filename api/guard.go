package api

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"errors"
	"fmt"
	"net"
	"net/http"
	"strings"
)

// ErrForeignHost: a keyless API on loopback was asked for a Host that is
// not a loopback name (DNS rebinding). ErrCrossSite: a state-changing
// request whose Origin or Sec-Fetch-Site shows another site.
var (
	ErrForeignHost = errors.New("foreign Host refused")
	ErrCrossSite   = errors.New("cross-site request refused")
)

// Guard is the API's access policy, shared with handlers served beside the
// API (the dashboard, which authenticates browsers with a session cookie
// instead of a header) so both refuse the same requests: Server.Guard
// returns it.
type Guard struct {
	key          *[32]byte // SHA-256 of the API key; nil: no authentication
	loopbackOnly bool
	csrf         *http.CrossOriginProtection
	// mac keys Sign. With an API key it is derived from the key, so every
	// instance serving the same key accepts the others' cookies and a new
	// key voids them all; without one it is random per process.
	mac []byte
}

func newGuard(key *[32]byte, loopbackOnly bool, csrf *http.CrossOriginProtection) *Guard {
	g := &Guard{key: key, loopbackOnly: loopbackOnly, csrf: csrf}
	if key != nil {
		m := sha256.Sum256(append([]byte("masx session keys\x00"), key[:]...))
		g.mac = m[:]
	} else {
		g.mac = make([]byte, 32)
		_, _ = rand.Read(g.mac) // crypto/rand.Read never fails (Go ≥ 1.24)
	}
	return g
}

// Keyed reports whether an API key is required.
func (g *Guard) Keyed() bool { return g.key != nil }

// KeyMatches reports whether k is the API key, comparing digests in
// constant time. Without a configured key nothing matches.
func (g *Guard) KeyMatches(k string) bool {
	if g.key == nil {
		return false
	}
	return keyMatches(*g.key, k) && k != ""
}

// CheckHost refuses (wrapping ErrForeignHost) a request for a Host that
// is not a loopback name when the API serves without a key on loopback.
func (g *Guard) CheckHost(r *http.Request) error {
	if !g.loopbackOnly {
		return nil
	}
	host := r.Host
	if h, _, err := net.SplitHostPort(host); err == nil {
		host = h
	}
	if !loopbackHost(strings.Trim(host, "[]")) {
		return fmt.Errorf("%w: Host %q: this server runs without a key, so it answers only loopback names (localhost, 127.0.0.1, [::1])", ErrForeignHost, r.Host)
	}
	return nil
}

// CheckOrigin refuses (wrapping ErrCrossSite) a state-changing request
// whose Origin or Sec-Fetch-Site header shows another site.
func (g *Guard) CheckOrigin(r *http.Request) error {
	if err := g.csrf.Check(r); err != nil {
		return fmt.Errorf("%w: the Origin or Sec-Fetch-Site header shows another site", ErrCrossSite)
	}
	return nil
}

// Sign returns an HMAC-SHA256 of msg for purpose under the guard's key:
// for session cookies and form tokens.
func (g *Guard) Sign(purpose string, msg []byte) []byte {
	h := hmac.New(sha256.New, g.mac)
	h.Write([]byte(purpose))
	h.Write([]byte{0})
	h.Write(msg)
	return h.Sum(nil)
}

// Verify reports, in constant time, whether mac is Sign(purpose, msg).
func (g *Guard) Verify(purpose string, msg, mac []byte) bool {
	return hmac.Equal(g.Sign(purpose, msg), mac)
}
