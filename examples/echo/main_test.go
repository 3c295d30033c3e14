package main

import (
	"testing"

	"go.uber.org/goleak"
)

// TestMain fails the run if the program leaves a goroutine behind; its
// Example (example_test.go) checks what it prints.
func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }
