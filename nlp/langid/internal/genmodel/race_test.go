//go:build race

package main

// raceEnabled skips the slow regeneration test under -race: it runs no
// goroutines, and the race detector makes protobuf decoding ten times
// slower.
const raceEnabled = true
