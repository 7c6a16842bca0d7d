// Package e2e holds end-to-end tests that build the masx binary and run
// it as separate processes against real SQLite and PostgreSQL databases:
// several workers sharing one queue, a worker killed with SIGKILL, the
// embedded default. It has no non-test code.
package e2e
