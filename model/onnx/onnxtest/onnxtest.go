// Package onnxtest holds test helpers for code that runs ONNX models: it
// loads ONNX Runtime and generates the tiny test model, skipping the test
// when either is missing, or failing it when CI=true (CI installs both, so
// a skip there would hide a broken setup).
//
// Only tests import it.
package onnxtest

import (
	"context"
	"os"
	"testing"
	"time"

	"github.com/masx-ai/masx/config"
	"github.com/masx-ai/masx/model/onnx"
	"github.com/masx-ai/masx/model/testmodel"
)

// Settings loads masx settings from the process environment (MASX_ORT_LIB,
// MASX_CACHE_DIR, …), without a .env file.
func Settings(t testing.TB) *config.Settings {
	t.Helper()
	s, err := config.Load(config.Options{LookupEnv: os.LookupEnv})
	if err != nil {
		t.Fatalf("loading settings: %v", err)
	}
	return s
}

// Missing skips the test, or fails it when CI=true.
func Missing(t testing.TB, what string, err error) {
	t.Helper()
	if os.Getenv("CI") == "true" {
		t.Fatalf("%s is missing (CI=true, so this fails instead of skipping): %v", what, err)
	}
	t.Skipf("skipping: %s is missing: %v (run scripts/setup.sh)", what, err)
}

// RequireORT initialises ONNX Runtime from the settings' library.
func RequireORT(t testing.TB) *config.Settings {
	t.Helper()
	s := Settings(t)
	if err := onnx.Init(s.ResolvedORTLib()); err != nil {
		Missing(t, "ONNX Runtime", err)
	}
	return s
}

// Model returns the folder of a generated test model, cached under the
// settings' cache folder.
func Model(t testing.TB, spec testmodel.Spec) string {
	t.Helper()
	s := Settings(t)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	if err := testmodel.Check(ctx, spec.Python); err != nil {
		Missing(t, "the test model generator", err)
	}
	dir, err := testmodel.Ensure(ctx, s.ResolvedCacheDir(), spec)
	if err != nil {
		t.Fatalf("generating test model: %v", err)
	}
	return dir
}

// Tiny initialises ONNX Runtime and returns the tiny model's folder.
func Tiny(t testing.TB) string {
	t.Helper()
	RequireORT(t)
	return Model(t, testmodel.Tiny)
}
