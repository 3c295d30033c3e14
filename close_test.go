package wsdouble_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/wsdouble/wsdouble"
)

func TestValidateClose(t *testing.T) {
	for _, code := range []int{0, 1000, 3000, 3999, 4000, 4999} {
		if err := wsdouble.ValidateClose(code, "ok"); err != nil {
			t.Errorf("ValidateClose(%d): %v", code, err)
		}
	}
	for _, code := range []int{-1, 1, 999, 1001, 1002, 1004, 1005, 1006, 1011, 1012, 1015, 2999, 5000, 65535} {
		if err := wsdouble.ValidateClose(code, ""); !errors.Is(err, wsdouble.ErrInvalidCode) {
			t.Errorf("ValidateClose(%d): got %v, want ErrInvalidCode", code, err)
		}
	}
	if err := wsdouble.ValidateClose(1000, strings.Repeat("x", 123)); err != nil {
		t.Errorf("123-byte reason: %v", err)
	}
	for _, r := range []string{strings.Repeat("x", 124), strings.Repeat("€", 42)} { // 124 and 126 bytes
		if err := wsdouble.ValidateClose(1000, r); !errors.Is(err, wsdouble.ErrReasonTooLong) {
			t.Errorf("%d-byte reason: got %v, want ErrReasonTooLong", len(r), err)
		}
	}
	if err := wsdouble.ValidateClose(1000, "\xff"); !errors.Is(err, wsdouble.ErrInvalidMessage) {
		t.Errorf("invalid UTF-8 reason: got %v, want ErrInvalidMessage", err)
	}
}

func TestValidateServerClose(t *testing.T) {
	for _, code := range []int{0, 1000, 1001, 1002, 1003, 1007, 1011, 1012, 1013, 1014, 3000, 4999} {
		reason := "r"
		if code == 0 {
			reason = ""
		}
		if err := wsdouble.ValidateServerClose(code, reason); err != nil {
			t.Errorf("ValidateServerClose(%d): %v", code, err)
		}
	}
	for _, code := range []int{999, 1004, 1005, 1006, 1015, 1016, 2999, 5000} {
		if err := wsdouble.ValidateServerClose(code, ""); !errors.Is(err, wsdouble.ErrInvalidCode) {
			t.Errorf("ValidateServerClose(%d): got %v, want ErrInvalidCode", code, err)
		}
	}
	if err := wsdouble.ValidateServerClose(0, "reason without code"); !errors.Is(err, wsdouble.ErrInvalidCode) {
		t.Errorf("reason without code: got %v, want ErrInvalidCode", err)
	}
}

func TestCloseCodeText(t *testing.T) {
	tests := map[int]string{
		1000: "Normal Closure", 1005: "No Status Received", 1006: "Abnormal Closure", 1012: "Service Restart",
		1014: "Bad Gateway", 3001: "Registered", 4000: "Private Use", 2000: "", 999: "",
	}
	for code, want := range tests {
		if got := wsdouble.CloseCodeText(code); got != want {
			t.Errorf("CloseCodeText(%d): got %q, want %q", code, got, want)
		}
	}
}

// TestValidateReceivedClose: every code a server may send is received;
// the three that may never be sent fail the connection; anything else is
// received as sent, as in Chromium.
func TestValidateReceivedClose(t *testing.T) {
	for code := range 1 << 16 {
		sendable := wsdouble.ValidateServerClose(code, "") == nil && code != 0
		err := wsdouble.ValidateReceivedClose(code, "")
		never := code == wsdouble.CloseNoStatusReceived || code == wsdouble.CloseAbnormalClosure || code == wsdouble.CloseTLSHandshake
		switch {
		case sendable && err != nil:
			t.Errorf("code %d: a server may send it, but the client fails it: %v", code, err)
		case never && !errors.Is(err, wsdouble.ErrInvalidCode):
			t.Errorf("code %d: got %v, want wsdouble.ErrInvalidCode", code, err)
		case !never && err != nil:
			t.Errorf("code %d: got %v, want it received as sent (Chromium)", code, err)
		}
	}
	if err := wsdouble.ValidateReceivedClose(1000, "bad \xff"); !errors.Is(err, wsdouble.ErrInvalidMessage) {
		t.Errorf("a reason that is not UTF-8: got %v, want wsdouble.ErrInvalidMessage", err)
	}
}
