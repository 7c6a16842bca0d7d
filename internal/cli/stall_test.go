package cli

import (
	"io"
	"net/http"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// TestServeExposesTheStallWatchdog: `masx serve` runs the pipeline's stall
// watchdog, so /metrics carries its gauge (0 on an idle process) and its
// counter; --stall-after 0 turns it off, and the series go with it.
func TestServeExposesTheStallWatchdog(t *testing.T) {
	const key = "stall-test-key"
	for _, c := range []struct {
		name string
		args []string
		on   bool
	}{
		{"default", nil, true},
		{"off", []string{"--stall-after", "0"}, false},
	} {
		t.Run(c.name, func(t *testing.T) {
			dir := t.TempDir()
			for k, v := range map[string]string{
				"MASX_API_KEY": key, "MASX_LISTEN": "127.0.0.1:0", "MASX_DATA_DIR": dir, "MASX_LOG_LEVEL": "warn",
			} {
				t.Setenv(k, v)
			}
			srv := startServe(t, append([]string{"--workers", "0", "--method", "http", "--db", "sqlite://" + filepath.Join(dir, "serve.db")}, c.args...)...)
			base := srv.Base

			c2 := &http.Client{Transport: &http.Transport{}, Timeout: 30 * time.Second}
			defer c2.CloseIdleConnections()
			req, err := http.NewRequest("GET", base+"/metrics", nil)
			require.NoError(t, err)
			req.Header.Set("X-API-Key", key)
			resp, err := c2.Do(req)
			require.NoError(t, err)
			body, err := io.ReadAll(resp.Body)
			resp.Body.Close()
			require.NoError(t, err)
			require.Equal(t, http.StatusOK, resp.StatusCode, string(body))
			metrics := string(body)
			if c.on {
				require.Contains(t, metrics, "\nmasx_pipeline_stalled 0\n")
				require.Contains(t, metrics, "\nmasx_pipeline_stalls_total 0\n")
			} else {
				require.NotContains(t, metrics, "masx_pipeline_stall")
			}

			require.Equal(t, ExitOK, srv.Stop(t), srv.Stderr.String())
			require.NotContains(t, srv.Stderr.String(), "pipeline stalled", "an idle serve never stalls")
		})
	}
}
