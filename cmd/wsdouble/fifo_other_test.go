//go:build !unix

package main_test

import "errors"

// makeFIFO fails: there are no FIFOs here.
func makeFIFO(string) error { return errors.ErrUnsupported }
