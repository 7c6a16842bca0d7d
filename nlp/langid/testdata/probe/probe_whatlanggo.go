//go:build probe_whatlanggo && langid_compare

package main

import "github.com/masx-ai/masx/nlp/langid/internal/candidates"

func init() { detect = candidates.Whatlanggo() }
