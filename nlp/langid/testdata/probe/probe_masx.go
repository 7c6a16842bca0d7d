//go:build probe_masx

package main

import "github.com/masx-ai/masx/nlp/langid"

func init() {
	d, err := langid.Default()
	if err != nil {
		panic(err)
	}
	detect = func(s string) string { return d.Detect(s).Lang }
}
