package api_test

import (
	"testing"

	"go.uber.org/goleak"

	"github.com/masx-ai/masx/store/postgres/pgtest"
)

// pgMain stops the PostgreSQL that the MASX-table tests start, before
// goleak looks for goroutines left behind.
type pgMain struct{ m *testing.M }

func (p pgMain) Run() int { return pgtest.Main(p.m) }

func TestMain(m *testing.M) { goleak.VerifyTestMain(pgMain{m}) }
