package config_test

import (
	"errors"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/masx-ai/masx/config"
)

func env(m map[string]string) func(string) (string, bool) {
	return func(k string) (string, bool) { v, ok := m[k]; return v, ok }
}

func TestDefaultsAreTheSeeds(t *testing.T) {
	t.Parallel()
	s := config.Defaults()
	require.Equal(t, 32, s.BatchSize)
	require.Equal(t, 50*time.Millisecond, s.BatchDelay())
	require.Equal(t, 1000, s.BatchQueueMax)
	require.Equal(t, 20, s.MaxThreads)
	require.Equal(t, 4, s.MaxProcs)
	require.Equal(t, 5, s.RenderMaxPages)
	require.Equal(t, 100, s.RenderQueueMax)
	require.Equal(t, 30*time.Second, s.RenderTimeout())
	require.Equal(t, 3, s.RenderRetries)
	require.Equal(t, 0, s.DeviceID)
	require.True(t, s.FP16)
	require.False(t, s.ForceCPU)
	require.Equal(t, "text", s.LogFormat)
	require.Equal(t, 4, s.ResolvedORTThreads(), "MASX_ORT_THREADS=0 means MAX_PROCS")
	require.Equal(t, config.SourceDefault, s.Source("BATCH_SIZE"))
}

func TestPrecedenceFlagOverEnvOverDotEnv(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	dot := filepath.Join(dir, ".env")
	require.NoError(t, os.WriteFile(dot, []byte("BATCH_SIZE=8\nMAX_THREADS=7\nMAX_PROCS=3\n"), 0o600))
	s, err := config.Load(config.Options{
		DotEnv:    dot,
		LookupEnv: env(map[string]string{"MAX_THREADS": "9", "MAX_PROCS": "5"}),
		Flags:     map[string]string{"MAX_PROCS": "6"},
	})
	require.NoError(t, err)
	require.Equal(t, 8, s.BatchSize)
	require.Equal(t, config.SourceDotEnv, s.Source("BATCH_SIZE"))
	require.Equal(t, 9, s.MaxThreads)
	require.Equal(t, config.SourceEnv, s.Source("MAX_THREADS"))
	require.Equal(t, 6, s.MaxProcs)
	require.Equal(t, config.SourceFlag, s.Source("MAX_PROCS"))
}

func TestBooleansAcceptCommonSpellings(t *testing.T) {
	t.Parallel()
	for _, v := range []string{"1", "true", "TRUE", "Yes", "yes", " true "} {
		s, err := config.Load(config.Options{LookupEnv: env(map[string]string{"MASX_FORCE_CPU": v})})
		require.NoError(t, err, v)
		require.True(t, s.ForceCPU, v)
	}
	for _, v := range []string{"0", "false", "No", "FALSE"} {
		s, err := config.Load(config.Options{LookupEnv: env(map[string]string{"MASX_FP16": v})})
		require.NoError(t, err, v)
		require.False(t, s.FP16, v)
	}
}

func TestInvalidValuesNameTheVariableAndNeverFallBack(t *testing.T) {
	t.Parallel()
	cases := []struct{ k, v, want string }{
		{"BATCH_SIZE", "abc", `setting BATCH_SIZE="abc" (from env): want a whole number`},
		{"BATCH_SIZE", "-1", `BATCH_SIZE="-1" (from env): want a number ≥ 1`},
		{"BATCH_SIZE", "0", `want a number ≥ 1`},
		{"BATCH_DELAY_MS", "-5", `BATCH_DELAY_MS="-5" (from env): want a number ≥ 0`},
		{"MAX_THREADS", "1.5", `MAX_THREADS="1.5"`},
		{"MASX_FORCE_GPU", "maybe", `MASX_FORCE_GPU="maybe" (from env): want a boolean (1/0, true/false, yes/no)`},
		{"MASX_LOG_FORMAT", "xml", `want one of text, json`},
		{"MASX_JOB_TIMEOUT", "soon", `want a positive duration`},
	}
	for _, c := range cases {
		_, err := config.Load(config.Options{LookupEnv: env(map[string]string{c.k: c.v})})
		require.ErrorContains(t, err, c.want)
		require.ErrorIs(t, err, config.ErrInvalid)
		var ce *config.Error
		require.True(t, errors.As(err, &ce))
		require.Equal(t, c.k, ce.Var)
		require.Equal(t, c.v, ce.Value)
	}
	_, err := config.Load(config.Options{Flags: map[string]string{"MAX_PROCS": "x"}})
	require.ErrorContains(t, err, "(from flag)")
}

func TestMalformedDotEnvIsAnError(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	_, err := config.Load(config.Options{DotEnv: filepath.Join(dir, "missing.env")})
	require.NoError(t, err, "a missing .env is fine")
	require.NoError(t, os.Mkdir(filepath.Join(dir, "d.env"), 0o700))
	_, err = config.Load(config.Options{DotEnv: filepath.Join(dir, "d.env")})
	require.ErrorContains(t, err, "d.env")
}

func TestEffectiveMasksSecrets(t *testing.T) {
	t.Parallel()
	s, err := config.Load(config.Options{LookupEnv: env(map[string]string{"MASX_API_KEY": "hunter2"})})
	require.NoError(t, err)
	got := map[string]config.Effective{}
	for _, e := range s.Effective() {
		require.NotContains(t, e.Value, "hunter2")
		got[e.Var] = e
	}
	require.Equal(t, config.Effective{Var: "MASX_API_KEY", Value: "(set)", Source: config.SourceEnv}, got["MASX_API_KEY"])
	require.Equal(t, config.Effective{Var: "HF_TOKEN", Value: "(empty)", Source: config.SourceDefault}, got["HF_TOKEN"])
}

func TestSecretsAreMarked(t *testing.T) {
	t.Parallel()
	var secrets []string
	for _, sp := range config.Specs() {
		if sp.Secret {
			secrets = append(secrets, sp.Var)
			require.Equal(t, "string", sp.Kind, sp.Var)
			require.Empty(t, sp.Default, "%s: a secret has no default", sp.Var)
		}
	}
	require.Equal(t, []string{"HF_TOKEN", "MASX_TRANSLATOR_API_KEY", "MASX_SUMMARIZER_API_KEY", "MASX_API_KEY"}, secrets)
}

func TestSpecsReturnsACopy(t *testing.T) {
	t.Parallel()
	specs := config.Specs()
	want := specs[0].Var
	specs[0].Var, specs[0].Default = "CHANGED", "changed"
	for i := range specs {
		if len(specs[i].OneOf) > 0 {
			specs[i].OneOf[0] = "changed"
		}
	}
	again := config.Specs()
	require.Equal(t, want, again[0].Var)
	for _, sp := range again {
		require.NotContains(t, sp.OneOf, "changed", sp.Var)
	}
	s, err := config.Load(config.Options{})
	require.NoError(t, err)
	require.Equal(t, "info", s.LogLevel, "Load still uses the original table")
}

func TestSpecsCoverEverySettingOnce(t *testing.T) {
	t.Parallel()
	seen := map[string]bool{}
	for _, sp := range config.Specs() {
		require.False(t, seen[sp.Var], "duplicate %s", sp.Var)
		seen[sp.Var] = true
		require.NotEmpty(t, sp.Help, sp.Var)
		require.Equal(t, sp.Flag, config.FlagName(sp.Var))
	}
	for _, want := range []string{"MASX_FORCE_CPU", "MASX_FORCE_GPU", "BATCH_SIZE", "BATCH_DELAY_MS", "BATCH_QUEUE_MAX",
		"MAX_THREADS", "MAX_PROCS", "RENDER_MAX_PAGES", "RENDER_QUEUE_MAX", "RENDER_TIMEOUT_S", "RENDER_RETRIES",
		"MASX_DEVICE_ID", "MASX_FP16", "MASX_LOG_LEVEL", "MASX_LOG_FORMAT"} {
		require.True(t, seen[want], want)
	}
	require.Equal(t, "device-id", config.FlagName("MASX_DEVICE_ID"))
	require.Equal(t, "batch-size", config.FlagName("BATCH_SIZE"))
}

// masx doctor showed the database password (postgres://masx:secret@…).
// Effective, which doctor prints as text and JSON, hides passwords in
// every URL-valued setting.
func TestEffectiveRedactsPasswordsInURLs(t *testing.T) {
	vars := map[string]string{
		"MASX_DB_URL":      "postgres://masx:s3cretpw@db.internal:5432/masx?sslmode=disable",
		"MASX_HF_ENDPOINT": "https://mirror.internal/hub?password=hunter2",
	}
	s, err := config.Load(config.Options{LookupEnv: func(k string) (string, bool) { v, ok := vars[k]; return v, ok }})
	require.NoError(t, err)
	for _, e := range s.Effective() {
		require.NotContains(t, e.Value, "s3cretpw", e.Var)
		require.NotContains(t, e.Value, "hunter2", e.Var)
		switch e.Var {
		case "MASX_DB_URL":
			require.Equal(t, "postgres://masx:xxxxx@db.internal:5432/masx?sslmode=disable", e.Value)
		case "MASX_HF_ENDPOINT":
			require.Equal(t, "https://mirror.internal/hub?password=xxxxx", e.Value)
		}
	}
	require.Equal(t, "postgres://masx:s3cretpw@db.internal:5432/masx?sslmode=disable", s.DBURL, "the setting itself keeps the password")
	require.Equal(t, "sqlite:///tmp/x.db", config.RedactPassword("sqlite:///tmp/x.db"))
	require.Equal(t, "plain", config.RedactPassword("plain"))
}
