package wsdouble_test

import (
	"errors"
	"testing"

	"github.com/wsdouble/wsdouble"
)

func TestValidateURL(t *testing.T) {
	good := []struct{ in, want string }{
		{"ws://example.com/chat", "ws://example.com/chat"},
		{"wss://example.com/", "wss://example.com/"},
		{"http://example.com/x?y=1", "ws://example.com/x?y=1"},
		{"https://example.com", "wss://example.com/"},
		{"ws://EXAMPLE.com:80", "ws://example.com/"},
		{"wss://example.com:443/a", "wss://example.com/a"},
		{"ws://example.com:8080", "ws://example.com:8080/"},
		{"WS://example.com/", "ws://example.com/"},
		{"ws://[::1]:9000/p", "ws://[::1]:9000/p"},
	}
	for _, tt := range good {
		got, err := wsdouble.ValidateURL(tt.in)
		if err != nil || got != tt.want {
			t.Errorf("ValidateURL(%q): got %q, %v; want %q, nil", tt.in, got, err, tt.want)
		}
	}
	bad := []string{
		"", "example.com", "/chat", "ftp://example.com/", "ws://example.com/#", "ws://example.com/#x",
		"ws://", "ws:///path", "ws://user:pw@example.com/", "ws://exa mple.com/", "mailto:a@b",
	}
	for _, in := range bad {
		if got, err := wsdouble.ValidateURL(in); !errors.Is(err, wsdouble.ErrInvalidURL) {
			t.Errorf("ValidateURL(%q): got %q, %v; want ErrInvalidURL", in, got, err)
		}
	}
}

func TestValidateProtocols(t *testing.T) {
	for _, ok := range [][]string{nil, {"chat"}, {"chat", "superchat"}, {"v1.json", "graphql-ws", "a_b!#$%&'*+-.^`|~"}} {
		if err := wsdouble.ValidateProtocols(ok); err != nil {
			t.Errorf("ValidateProtocols(%q): %v", ok, err)
		}
	}
	for _, bad := range [][]string{{""}, {"a", "a"}, {"a b"}, {"a,b"}, {"é"}, {"a;b"}, {"x", "y", "x"}, {"tab\t"}} {
		if err := wsdouble.ValidateProtocols(bad); !errors.Is(err, wsdouble.ErrInvalidProtocol) {
			t.Errorf("ValidateProtocols(%q): got %v, want ErrInvalidProtocol", bad, err)
		}
	}
}
