package cli

import (
	"bytes"
	"os"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// TestReadmeSettingsTable keeps the README's settings table equal to
// `masx settings --markdown`. Regenerate with UPDATE_README=1.
func TestReadmeSettingsTable(t *testing.T) {
	const path = "../../README.md"
	raw, err := os.ReadFile(path)
	require.NoError(t, err)
	readme := string(raw)
	begin := strings.Index(readme, "<!-- settings-table:begin")
	end := strings.Index(readme, "<!-- settings-table:end -->")
	require.True(t, begin >= 0 && end > begin, "README lacks the settings-table markers")
	begin += strings.Index(readme[begin:], "\n") + 1
	var want bytes.Buffer
	require.NoError(t, writeSettingsMarkdown(&want))
	if os.Getenv("UPDATE_README") == "1" {
		readme = readme[:begin] + want.String() + readme[end:]
		require.NoError(t, os.WriteFile(path, []byte(readme), 0o644))
		return
	}
	require.Equal(t, want.String(), readme[begin:end], "README settings table is stale: run UPDATE_README=1 go test ./internal/cli -run TestReadmeSettingsTable")
}
