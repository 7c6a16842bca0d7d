package panics_test

import (
	"errors"
	"fmt"
	"io"
	"strings"
	"testing"

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
	if !errors.As(err, &pe) {
		t.Fatalf("errors.As(%v, *panics.Error) = false", err)
	}
	if pe.Value != "boom" {
		t.Errorf("Value = %v; want boom", pe.Value)
	}
	if !strings.Contains(string(pe.Stack), "panics_test.explode") {
		t.Errorf("the stack does not name the function that panicked:\n%s", pe.Stack)
	}
	if got, want := err.Error(), "task panicked: boom"; got != want {
		t.Errorf("Error() = %q; want %q", got, want)
	}
	if !errors.Is(err, panics.ErrPanic) {
		t.Error("errors.Is(err, ErrPanic) = false")
	}
}

func TestPanicWithAnErrorStaysMatchable(t *testing.T) {
	err := recovered(func() { panic(fmt.Errorf("reading: %w", io.ErrUnexpectedEOF)) })
	if !errors.Is(err, io.ErrUnexpectedEOF) {
		t.Errorf("errors.Is(%v, io.ErrUnexpectedEOF) = false: Unwrap must reach the value", err)
	}
	if !errors.Is(err, panics.ErrPanic) {
		t.Error("errors.Is(err, ErrPanic) = false")
	}
	if err := recovered(func() {}); err != nil {
		t.Errorf("no panic: err = %v; want nil", err)
	}
	if errors.Is(errors.New("plain"), panics.ErrPanic) {
		t.Error("a plain error matches ErrPanic")
	}
}
