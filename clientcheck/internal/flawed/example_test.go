package flawed_test

import (
	"errors"
	"fmt"
	"testing"
	"testing/synctest"

	"github.com/wsdouble/wsdouble/clientcheck"
	"github.com/wsdouble/wsdouble/clientcheck/internal/flawed"
	"github.com/wsdouble/wsdouble/internal/bubbletest"
)

// The client without a bug and with one, through the battery's case for a
// server restart: the one that forgets to resubscribe after a 1012 fails
// it, and the checker says what the server missed. An Example has no
// *testing.T: bubbletest.InTest lends it one for the synctest bubble.
func Example() {
	cases, err := clientcheck.Select(clientcheck.Only("close/1012"))
	if err != nil {
		panic(err)
	}
	for _, bug := range []flawed.Bug{flawed.None, flawed.NoResubscribeAfter1012} {
		bubbletest.InTest(func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				res := cases[0].Run(t.Context(), flawed.Harness(bug))
				if res.Err == nil {
					fmt.Printf("%s: %s passes\n", bug, res.Case.Name)
					return
				}
				var first *clientcheck.Violation
				if errors.As(res.Err, &first) {
					fmt.Printf("%s: %s fails: %s\n", bug, res.Case.Name, first)
				}
			})
		})
	}
	// Output:
	// none: close/1012 passes
	// no-resubscribe-after-1012: close/1012 fails: healthy: attempt 2 (#2), step 1: want JSON containing {"op":"subscribe"}, got nothing within 2s
}
