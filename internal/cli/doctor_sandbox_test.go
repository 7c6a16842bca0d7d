package cli

import (
	"encoding/json"
	"os"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/masx-ai/masx/crawl/render"
)

// TestDoctorSaysWhetherChromiumIsSandboxed protects the operator's view of
// the Chromium sandbox: doctor names the mode in force and why, in text and
// JSON, and exits 2 when MASX_CHROMIUM_SANDBOX=on cannot be honoured.
func TestDoctorSaysWhetherChromiumIsSandboxed(t *testing.T) {
	t.Setenv("MASX_FORCE_CPU", "1")
	wantOn, wantWhy, err := render.SandboxMode(render.Config{})
	require.NoError(t, err)
	if os.Geteuid() == 0 {
		require.False(t, wantOn)
		require.True(t, strings.HasPrefix(wantWhy, "running as root"), wantWhy)
	}
	var rep struct {
		Chromium struct {
			Sandbox struct {
				On     bool   `json:"on"`
				Reason string `json:"reason"`
				Error  string `json:"error"`
			} `json:"sandbox"`
		} `json:"chromium"`
	}
	code, out, stderr := runCLI(t, "doctor", "--json")
	require.Equal(t, ExitOK, code, stderr)
	require.NoError(t, json.Unmarshal([]byte(out), &rep))
	require.Equal(t, wantOn, rep.Chromium.Sandbox.On)
	require.Equal(t, wantWhy, rep.Chromium.Sandbox.Reason)

	state := map[bool]string{true: "on", false: "off"}[wantOn]
	code, out, stderr = runCLI(t, "doctor")
	require.Equal(t, ExitOK, code, stderr)
	require.Contains(t, out, "sandbox "+state+": "+wantWhy)

	t.Setenv("MASX_CHROMIUM_SANDBOX", "off")
	code, out, stderr = runCLI(t, "doctor")
	require.Equal(t, ExitOK, code, stderr)
	require.Contains(t, out, "sandbox off: turned off (MASX_CHROMIUM_SANDBOX=off)")

	if wantOn {
		return // on is honoured here; the refusal needs root or no user namespaces
	}
	t.Setenv("MASX_CHROMIUM_SANDBOX", "on")
	code, out, stderr = runCLI(t, "doctor", "--json")
	require.Equal(t, ExitUsage, code, "the required sandbox cannot work: %s", out)
	require.Contains(t, stderr, render.ErrNoSandbox.Error())
	require.NoError(t, json.Unmarshal([]byte(out), &rep), "the report is printed before the error")
	require.False(t, rep.Chromium.Sandbox.On)
	require.Contains(t, rep.Chromium.Sandbox.Error, wantWhy)
}
