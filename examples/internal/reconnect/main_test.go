package reconnect_test

import (
	"testing"

	"go.uber.org/goleak"
)

// TestMain fails the run if Run leaves a goroutine behind (its keepalive
// timer, its pinger).
func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }
