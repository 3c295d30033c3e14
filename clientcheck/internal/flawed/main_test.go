package flawed_test

import (
	"testing"

	"go.uber.org/goleak"
)

// TestMain checks that the clients the Example runs leave no goroutine
// behind.
func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }
