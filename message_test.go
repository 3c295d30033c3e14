package wsdouble_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/wsdouble/wsdouble"
)

func TestMessageString(t *testing.T) {
	tests := []struct {
		m    wsdouble.Message
		want string
	}{
		{wsdouble.Text("hello"), `text "hello"`},
		{wsdouble.Text(""), `text ""`},
		{wsdouble.Binary([]byte{0x0a, 0x0b}), "binary [2]0a0b"},
		{wsdouble.Binary(nil), "binary [0]"},
		{wsdouble.Text(strings.Repeat("é", 40)), `text [80]"` + strings.Repeat("é", 32) + `"…`},
		{wsdouble.Binary(make([]byte, 40)), "binary [40]" + strings.Repeat("00", 32) + "…"},
		{wsdouble.Message{Type: 9, Data: []byte("x")}, "MessageType(9) [1]"},
	}
	for _, tt := range tests {
		if got := tt.m.String(); got != tt.want {
			t.Errorf("String: got %s, want %s", got, tt.want)
		}
	}
}

func TestMessageEqual(t *testing.T) {
	if !wsdouble.Binary(nil).Equal(wsdouble.Binary([]byte{})) {
		t.Error("nil and empty binary: want equal")
	}
	if wsdouble.Text("a").Equal(wsdouble.Binary([]byte("a"))) {
		t.Error("text and binary with the same bytes: want different")
	}
}

func TestValidateMessage(t *testing.T) {
	for _, ok := range []wsdouble.Message{wsdouble.Text("ok ✓"), wsdouble.Binary([]byte{0xff})} {
		if err := wsdouble.ValidateMessage(ok); err != nil {
			t.Errorf("ValidateMessage(%v): %v", ok, err)
		}
	}
	for _, bad := range []wsdouble.Message{{}, {Type: 3}, {Type: wsdouble.TextMessage, Data: []byte{0xc3}}} {
		if err := wsdouble.ValidateMessage(bad); !errors.Is(err, wsdouble.ErrInvalidMessage) {
			t.Errorf("ValidateMessage(%v): got %v, want ErrInvalidMessage", bad, err)
		}
	}
}

func TestReadyStateString(t *testing.T) {
	want := []string{"CONNECTING", "OPEN", "CLOSING", "CLOSED", "ReadyState(7)"}
	for i, s := range []wsdouble.ReadyState{0, 1, 2, 3, 7} {
		if s.String() != want[i] {
			t.Errorf("ReadyState(%d): got %s, want %s", i, s, want[i])
		}
	}
}
