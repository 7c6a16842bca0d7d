package vectorize

import (
	"testing"

	"go.uber.org/goleak"
)

// gonum's parallel matrix products start goroutines; none may outlive a
// call.
func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }
