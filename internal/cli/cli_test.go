package cli

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestExitCodes(t *testing.T) {
	cases := []struct {
		args []string
		code int
		want string
	}{
		{[]string{"no-such-command"}, ExitUsage, `unknown command "no-such-command"`},
		{[]string{"doctor", "--no-such-flag"}, ExitUsage, "unknown flag"},
		{[]string{"--batch-size=-1", "doctor"}, ExitUsage, `BATCH_SIZE="-1" (from flag): want a number ≥ 1`},
		{[]string{"--max-threads=lots", "doctor"}, ExitUsage, `MAX_THREADS="lots"`},
		{[]string{"doctor", "extra-arg"}, ExitUsage, "unknown command"},
		{[]string{"bench"}, ExitUsage, "bench needs a subcommand"},
	}
	for _, c := range cases {
		code, _, stderr := runCLI(t, c.args...)
		require.Equal(t, c.code, code, "%v: %s", c.args, stderr)
		require.Contains(t, stderr, c.want, "%v", c.args)
	}
	code, out, _ := runCLI(t, "--help")
	require.Equal(t, ExitOK, code)
	require.Contains(t, out, "Exit codes: 0 ok, 1 failure, 2 usage or input error.")
}

func TestEnvErrorsExitTwo(t *testing.T) {
	t.Setenv("BATCH_QUEUE_MAX", "-3")
	code, _, stderr := runCLI(t, "doctor")
	require.Equal(t, ExitUsage, code)
	require.Contains(t, stderr, `BATCH_QUEUE_MAX="-3" (from env)`)
}

func TestForcedGPUWithoutDeviceExitsTwo(t *testing.T) {
	t.Setenv("MASX_FORCE_GPU", "yes")
	code, out, stderr := runCLI(t, "doctor", "--json")
	if !bytes.Contains([]byte(out), []byte(`"type": "cpu"`)) {
		t.Skip("this machine has a usable GPU; the forced-GPU error cannot be shown")
	}
	require.Equal(t, ExitUsage, code)
	require.Contains(t, stderr, "MASX_FORCE_GPU")
	var rep map[string]any
	require.NoError(t, json.Unmarshal([]byte(out), &rep), "the report is printed before the error")
	require.Contains(t, rep["device"].(map[string]any)["error"], "MASX_FORCE_GPU")
}

func TestDoctorJSON(t *testing.T) {
	dir := t.TempDir()
	dot := filepath.Join(dir, "test.env")
	require.NoError(t, os.WriteFile(dot, []byte("MAX_PROCS=3\nBATCH_SIZE=16\n"), 0o600))
	t.Setenv("BATCH_SIZE", "24")
	t.Setenv("MASX_FORCE_CPU", "1")
	code, out, stderr := runCLI(t, "--env-file", dot, "--batch-delay-ms", "20", "doctor", "--json")
	require.Equal(t, ExitOK, code, stderr)
	var rep struct {
		Device struct {
			Type     string `json:"type"`
			ID       int    `json:"id"`
			ForceCPU bool   `json:"force_cpu"`
			ForceGPU bool   `json:"force_gpu"`
			Reason   string `json:"reason"`
		} `json:"device"`
		Executors map[string]int `json:"executors"`
		Batch     map[string]any `json:"batch"`
		ORT       struct {
			Library string `json:"library"`
		} `json:"onnxruntime"`
		Models   []any `json:"models"`
		Settings []struct {
			Var, Value, Source string
		} `json:"settings"`
	}
	require.NoError(t, json.Unmarshal([]byte(out), &rep))
	require.Equal(t, "cpu", rep.Device.Type)
	require.True(t, rep.Device.ForceCPU)
	require.Contains(t, rep.Device.Reason, "MASX_FORCE_CPU")
	require.Equal(t, 20, rep.Executors["max_threads"])
	require.Equal(t, 3, rep.Executors["max_procs"], ".env value")
	require.EqualValues(t, 24, rep.Batch["max_batch_size"], "env beats .env")
	require.EqualValues(t, 20, rep.Batch["max_delay_ms"], "flag")
	require.EqualValues(t, 1000, rep.Batch["queue_max"])
	require.NotEmpty(t, rep.ORT.Library)
	require.NotNil(t, rep.Models)
	sources := map[string]string{}
	for _, s := range rep.Settings {
		sources[s.Var] = s.Source
	}
	require.Equal(t, ".env", sources["MAX_PROCS"])
	require.Equal(t, "env", sources["BATCH_SIZE"])
	require.Equal(t, "flag", sources["BATCH_DELAY_MS"])
	require.Equal(t, "default", sources["MAX_THREADS"])
}
