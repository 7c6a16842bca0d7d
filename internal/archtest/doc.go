// Package archtest holds the architecture test: it reads the module's import
// graph with `go list` and fails on an import the architecture forbids. The
// table of layers and the rules live in arch_test.go, where they read as the
// architecture. It has no non-test code.
package archtest
