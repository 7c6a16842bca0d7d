// Package panics is masx's one way to turn a recovered panic into an error.
//
// masx recovers panics only where foreign code runs on input it does not
// control: a pool task, a batch of a model, a model loader, an ONNX Runtime
// session, a feed parser, an extraction library. Each of those places
// recovers in its own deferred function (recover works only there) and
// hands the value to [New], which keeps the stack of the goroutine that
// panicked. The result is an [*Error]:
//
//   - errors.As(err, &pe) finds it under any wrapping, whichever package
//     recovered it (executor.PanicError, batch.PanicError and
//     extract.PanicError are aliases of Error);
//   - errors.Is(err, ErrPanic) says that a panic was recovered;
//   - a panic(err) stays matchable: errors.Is and errors.As see through
//     Error to the error value.
//
// Error's message is one line, "panicked: <value>", which the recovering
// code prefixes with what panicked ("executor: task panicked: …"). The
// stack is in [Error.Stack], not in the message; code whose error ends as
// text only (an article's stored error, an input error) appends the stack
// to its message itself.
package panics

import (
	"errors"
	"fmt"
	"runtime/debug"
)

// ErrPanic matches every [*Error] with errors.Is.
var ErrPanic = errors.New("panicked")

// Error is a recovered panic: the value given to panic and the stack of the
// goroutine that panicked.
type Error struct {
	// Value is what was passed to panic.
	Value any
	// Stack is the panicking goroutine's stack, as debug.Stack formats it,
	// taken while the panic was being recovered.
	Stack []byte
}

// New returns the Error for v, a value just returned by recover, with the
// current goroutine's stack. Call it from the deferred function that
// recovered v: the stack then still holds the frames that panicked.
func New(v any) *Error {
	return &Error{Value: v, Stack: debug.Stack()}
}

// Error returns "panicked: <value>".
func (e *Error) Error() string { return fmt.Sprintf("panicked: %v", e.Value) }

// Unwrap returns Value when it is an error, so errors.Is and errors.As see
// through a panic(err).
func (e *Error) Unwrap() error {
	if err, ok := e.Value.(error); ok {
		return err
	}
	return nil
}

// Is reports whether target is ErrPanic.
func (e *Error) Is(target error) bool { return target == ErrPanic }
