package timeline_test

import (
	"fmt"
	"strings"
	"time"

	"github.com/wsdouble/wsdouble/internal/timeline"
)

// A client that came back too soon after a drop: the failure message of a
// backoff check prints the attempts as a table, the offending gap noted on
// its row.
func ExampleFormat() {
	rows := []timeline.Row{
		{N: 1, Answer: "refused 503"},
		{N: 2, At: time.Second, Gap: time.Second, HasGap: true, Answer: "accepted",
			ToClient: 3, FromClient: 1, End: "dropped", EndAt: 61 * time.Second},
		{N: 3, At: 61*time.Second + 50*time.Millisecond, Gap: 50 * time.Millisecond, HasGap: true,
			Answer: "accepted", FromClient: 1, Note: "✗ want a gap of 1s–2s, got 50ms"},
	}
	fmt.Print("timeline:\n" + timeline.Format(rows, "  "))
	// Output:
	// timeline:
	//   #  at        gap   answer       messages  end
	//   1  +0s       -     refused 503  -         -
	//   2  +1s       1s    accepted     ↓3 ↑1     dropped at +1m1s
	//   3  +1m1.05s  50ms  accepted     ↓0 ↑1     -                 ✗ want a gap of 1s–2s, got 50ms
}

// A frame's payload, as every printout shows it: text quoted, binary in
// hex after its size, a long one cut.
func ExamplePayload() {
	fmt.Println(timeline.Payload([]byte("heartbeat")))
	fmt.Println(timeline.Payload([]byte{0x03, 0xe8})) // a close frame's body: code 1000
	fmt.Println(timeline.Payload([]byte(strings.Repeat("tick ", 20))))
	fmt.Println(timeline.Bytes(1536), timeline.Count(12345), timeline.Duration(1500*time.Millisecond))
	// Output:
	// "heartbeat"
	// [2]03e8
	// [100]"tick tick tick tick tick tick tick tick tick tick tick tick tick"…
	// 1.5 KiB 12,345 1.5s
}
