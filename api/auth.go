package api

import (
	"crypto/sha256"
	"crypto/subtle"
	"net/http"
	"strings"
)

func digest(key string) [32]byte { return sha256.Sum256([]byte(key)) }

// keyMatches compares digests rather than the keys themselves:
// ConstantTimeCompare returns early on a length mismatch, which would tell
// an attacker the key's length; digests always have the same length.
func keyMatches(want [32]byte, got string) bool {
	g := digest(got)
	return subtle.ConstantTimeCompare(want[:], g[:]) == 1
}

// presentedKey returns the key sent in X-API-Key or as a Bearer token.
func presentedKey(r *http.Request) string {
	if k := r.Header.Get("X-API-Key"); k != "" {
		return k
	}
	scheme, token, ok := strings.Cut(r.Header.Get("Authorization"), " ")
	if ok && strings.EqualFold(scheme, "Bearer") {
		return strings.TrimSpace(token)
	}
	return ""
}

func (s *Server) authorized(r *http.Request) bool {
	if s.key == nil {
		return true
	}
	k := presentedKey(r)
	// An empty key is compared too, so a request without one costs the
	// same as a wrong one.
	return keyMatches(*s.key, k) && k != ""
}
