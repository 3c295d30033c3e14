package timeline_test

import (
	"strings"
	"testing"
	"time"

	"github.com/wsdouble/wsdouble/internal/timeline"
)

func TestFormat(t *testing.T) {
	got := timeline.Format([]timeline.Row{
		{N: 1, Answer: "refused 503"},
		{N: 2, At: time.Second, Gap: time.Second, HasGap: true, Answer: "accepted", ToClient: 1,
			End: "dropped", EndAt: 1500 * time.Millisecond, Note: "✗ want gap 2s"},
		{N: 3, At: 8*time.Minute + 32*time.Second, Gap: 8*time.Minute + 30500*time.Millisecond, HasGap: true, Answer: "pending"},
	}, "  ")
	want := "" +
		"  #  at      gap      answer       messages  end\n" +
		"  1  +0s     -        refused 503  -         -\n" +
		"  2  +1s     1s       accepted     ↓1 ↑0     dropped at +1.5s  ✗ want gap 2s\n" +
		"  3  +8m32s  8m30.5s  pending      -         -\n"
	if got != want {
		t.Errorf("got:\n%s\nwant:\n%s", got, want)
	}
}

func TestDuration(t *testing.T) {
	for d, want := range map[time.Duration]string{
		0: "0s", 250 * time.Millisecond: "250ms", 1500 * time.Millisecond: "1.5s",
		512 * time.Second: "8m32s", 1234567 * time.Nanosecond: "1.235ms",
	} {
		if got := timeline.Duration(d); got != want {
			t.Errorf("Duration(%v): got %q, want %q", int64(d), got, want)
		}
	}
}

func TestCountAndBytes(t *testing.T) {
	for n, want := range map[int64]string{0: "0", 999: "999", 1000: "1,000", 12345: "12,345", 1234567: "1,234,567", -12345: "-12,345"} {
		if got := timeline.Count(n); got != want {
			t.Errorf("Count(%d): got %q, want %q", n, got, want)
		}
	}
	for n, want := range map[int64]string{
		0: "0 bytes", 1: "1 byte", 1023: "1023 bytes", 1024: "1.0 KiB", 1536: "1.5 KiB",
		600 << 20: "600 MiB", 2 << 30: "2.0 GiB", 10<<20 - 1: "10 MiB",
	} {
		if got := timeline.Bytes(n); got != want {
			t.Errorf("Bytes(%d): got %q, want %q", n, got, want)
		}
	}
}

func TestPayload(t *testing.T) {
	long := strings.Repeat("é", 40) // 80 bytes: cut between runes at 64
	for _, tt := range []struct {
		b    []byte
		want string
	}{
		{nil, `""`},
		{[]byte("hb"), `"hb"`},
		{[]byte{0x03, 0xe8}, "[2]03e8"},
		{append([]byte{0xff}, make([]byte, 40)...), "[41]ff" + strings.Repeat("00", 31) + "…"},
		{[]byte(long), "[80]\"" + strings.Repeat("é", 32) + "\"…"},
	} {
		if got := timeline.Payload(tt.b); got != tt.want {
			t.Errorf("Payload(%x): got %s, want %s", tt.b, got, tt.want)
		}
	}
}
