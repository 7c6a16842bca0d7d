//go:build race

package storetest

// raceEnabled: the race detector slows the embedded database several times,
// so the large-batch test writes lighter articles under it.
const raceEnabled = true
