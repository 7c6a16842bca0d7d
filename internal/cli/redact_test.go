package cli

import (
	"testing"

	"github.com/stretchr/testify/require"
)

// masx doctor printed the database password, in text and in JSON.
func TestDoctorShowsNoPassword(t *testing.T) {
	t.Setenv("MASX_DB_URL", "postgres://masx:s3cretpw@127.0.0.1:1/masx?sslmode=disable")
	for _, args := range [][]string{{"doctor"}, {"doctor", "--json"}} {
		_, out, stderr := runCLI(t, args...)
		require.NotContains(t, out+stderr, "s3cretpw", "%v", args)
		require.Contains(t, out, "postgres://masx:xxxxx@127.0.0.1:1/masx", "%v", args)
	}
}
