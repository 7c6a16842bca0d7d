package demo

import (
	"bytes"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestGoldHasTheSixStories(t *testing.T) {
	for _, browser := range []bool{true, false} {
		g := Gold(browser)
		stories, topics := map[string]bool{}, map[string]bool{}
		for _, a := range g {
			require.NotEmpty(t, a.Text, a.ID)
			require.NotEmpty(t, a.Title, a.ID)
			stories[a.Cluster], topics[a.Topic] = true, true
		}
		require.Len(t, stories, 6, "browser=%v", browser)
		require.Len(t, topics, 3, "browser=%v", browser)
		var b bytes.Buffer
		require.NoError(t, WriteGold(&b, browser))
		require.Equal(t, len(g), strings.Count(b.String(), "\n"))
	}
	require.Greater(t, len(Gold(true)), len(Gold(false)), "script-rendered pages are ok only with the browser")
}
