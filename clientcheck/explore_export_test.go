package clientcheck

import (
	"testing"

	"github.com/wsdouble/wsdouble/scenario"
)

// GenerateFrom returns the script a fuzz input draws.
func GenerateFrom(h Harness, input []byte) (*scenario.Script, error) {
	s := drawSchedule(&fuzzBytes{b: input}, h, false)
	s.name = "fuzz"
	return s.script(h)
}

// Search is Explore without its report: it returns what Explore would
// report, so that tests can look at a failure without failing.
func Search(t *testing.T, h Harness, opts ...ExploreOption) (*Found, error) {
	e, err := newExplorer(t, h, opts)
	if err != nil {
		return nil, err
	}
	return e.search()
}
