package clientcheck_test

import (
	"testing"

	"go.uber.org/goleak"
)

// TestMain checks that no test of the package leaves a goroutine behind:
// the battery's clients and servers, the explorer's workers, and every
// client it played, end with it.
func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }
