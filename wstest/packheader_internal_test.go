package wstest

import (
	"net/http"
	"reflect"
	"strings"
	"testing"
)

func TestPackHeaderRoundTrip(t *testing.T) {
	long := strings.Repeat("v", 300) // a length that takes two bytes
	for _, h := range []http.Header{
		nil,
		{},
		{"Upgrade": {"websocket"}},
		{
			"Connection":             {"Upgrade"},
			"Sec-Websocket-Protocol": {"chat, superchat", "v2"},
			"X-Empty":                {""},
			"X-None":                 {},
			"X-Bytes":                {"\x00\x01\xff\r\n:"},
			"X-Long":                 {long, long + "w"},
			"":                       {"no name"},
		},
	} {
		got := packHeader(h).unpack()
		if !reflect.DeepEqual(got, h) {
			t.Errorf("packHeader(%q).unpack() = %q", h, got)
		}
	}
}

func TestPackHeaderIsACopy(t *testing.T) {
	h := http.Header{"A": {"1"}}
	p := packHeader(h)
	h["A"][0] = "changed"
	h["B"] = []string{"2"}
	got := p.unpack()
	got["A"][0] = "changed by the caller"
	if again := p.unpack(); !reflect.DeepEqual(again, http.Header{"A": {"1"}}) {
		t.Errorf("after changing the header and an unpacked copy, unpack() = %q; want the header as packed", again)
	}
}
