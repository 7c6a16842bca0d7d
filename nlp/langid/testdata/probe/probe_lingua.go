//go:build probe_lingua && langid_compare

package main

import "github.com/masx-ai/masx/nlp/langid/internal/candidates"

func init() { detect = candidates.LinguaLow() }
