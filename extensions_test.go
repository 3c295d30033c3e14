package wsdouble_test

import (
	"errors"
	"testing"

	"github.com/wsdouble/wsdouble"
)

func TestValidateExtensionsAnswer(t *testing.T) {
	browser := []string{"permessage-deflate; client_max_window_bits"}
	for _, tt := range []struct {
		offered, answer []string
		ok              bool
	}{
		{nil, nil, true},
		{nil, []string{""}, false}, // an empty list names no token
		{browser, nil, true},
		{browser, []string{"permessage-deflate"}, true},
		{browser, []string{"Permessage-Deflate; server_no_context_takeover"}, true},
		{browser, []string{"permessage-deflate", "x-other"}, false},
		{browser, []string{"permessage-deflate, x-other"}, false},
		{nil, []string{"permessage-deflate"}, false},
		{[]string{"a, b; x=1"}, []string{"b; y", "a"}, true},
		{[]string{"a"}, []string{"a b"}, false},
	} {
		err := wsdouble.ValidateExtensionsAnswer(tt.offered, tt.answer)
		if (err == nil) != tt.ok || (err != nil && !errors.Is(err, wsdouble.ErrInvalidExtension)) {
			t.Errorf("offered %q, answer %q: got %v, want ok %v (else ErrInvalidExtension)", tt.offered, tt.answer, err, tt.ok)
		}
	}
}
