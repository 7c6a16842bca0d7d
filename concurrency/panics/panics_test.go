package panics_test

import (
	"errors"
	"fmt"
	"io"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/masx-ai/masx/concurrency/panics"
)

// recovered runs f and returns its panic as the recovering code in masx
// does: recover in the deferred function, panics.New there.
func recovered(f func()) (err error) {
	defer func() {
		if v := recover(); v != nil {
			err = fmt.Errorf("task %w", panics.New(v))
		}
	}()
	f()
	return nil
}

func explode() { panic("boom") }

func TestErrorKeepsValueAndStack(t *testing.T) {
	err := recovered(explode)
	var pe *panics.Error
	require.ErrorAs(t, err, &pe)
	require.Equal(t, "boom", pe.Value, "Value")
	require.Contains(t, string(pe.Stack), "panics_test.explode", "the stack names the function that panicked")
	require.EqualError(t, err, "task panicked: boom")
	require.ErrorIs(t, err, panics.ErrPanic)
}

func TestPanicWithAnErrorStaysMatchable(t *testing.T) {
	err := recovered(func() { panic(fmt.Errorf("reading: %w", io.ErrUnexpectedEOF)) })
	require.ErrorIs(t, err, io.ErrUnexpectedEOF, "Unwrap must reach the value")
	require.ErrorIs(t, err, panics.ErrPanic)
	require.NoError(t, recovered(func() {}), "no panic")
	require.NotErrorIs(t, errors.New("plain"), panics.ErrPanic, "a plain error matches ErrPanic")
}
