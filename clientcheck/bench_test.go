package clientcheck_test

import (
	"testing"

	"github.com/wsdouble/wsdouble/clientcheck"
	"github.com/wsdouble/wsdouble/clientcheck/internal/flawed"
	"github.com/wsdouble/wsdouble/internal/bubbletest"
)

// BenchmarkBattery runs the whole battery against the flawed client
// without a bug, in one synctest bubble: an operation is every case,
// minutes of virtual time each.
func BenchmarkBattery(b *testing.B) {
	for _, tr := range []struct {
		name string
		opt  clientcheck.Option
	}{{"fake", clientcheck.OnFake()}, {"memory", clientcheck.InMemory()}} {
		b.Run(tr.name, func(b *testing.B) {
			bubbletest.Run(b, func(t *testing.T) {
				for range b.N {
					if err := clientcheck.Check(t.Context(), flawed.Harness(flawed.None), tr.opt); err != nil {
						t.Fatal(err)
					}
				}
			})
		})
	}
}
