package clientcheck

import "github.com/wsdouble/wsdouble/scenario"

// GenerateFrom returns the script a fuzz input draws.
func GenerateFrom(h Harness, input []byte) (*scenario.Script, error) {
	s := drawSchedule(&fuzzBytes{b: input}, h, false)
	s.name = "fuzz"
	return s.script(h)
}
