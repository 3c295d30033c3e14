package wstest

import (
	"fmt"

	"github.com/wsdouble/wsdouble"
)

// The binary-type check: binaryType is kept and reported, though data is
// always []byte (WHATWG WebSockets: binaryType).

func checkBinaryType(c *checker) error {
	r, p, err := c.open(AcceptOptions{})
	if err != nil {
		return err
	}
	got := []string{r.ws.BinaryType()}
	for _, t := range []string{"arraybuffer", "nope"} {
		r.ws.SetBinaryType(t)
		got = append(got, r.ws.BinaryType())
	}
	if err := serverSends(p, wsdouble.Binary([]byte{7})); err != nil {
		return err
	}
	if err := r.expect(c.ctx, "message binary [1]07"); err != nil {
		return err
	}
	r.ws.SetBinaryType("blob")
	got = append(got, r.ws.BinaryType())
	return gotWant("BinaryType: default, after arraybuffer, after nope, after blob", fmt.Sprint(got), fmt.Sprint([]string{"blob", "arraybuffer", "arraybuffer", "blob"}))
}
