// Package timeline prints what happened to a series of connection attempts,
// one line per attempt, for failure messages: the printout a person reads
// to see at once where a client diverged from what a test expected.
package timeline

import (
	"fmt"
	"strings"
	"text/tabwriter"
	"time"
)

// Row is one attempt.
type Row struct {
	N int
	// At is when the attempt arrived, from the first attempt.
	At time.Duration
	// Gap is the time since the previous attempt ended; HasGap is false for
	// the first.
	Gap    time.Duration
	HasGap bool
	// Answer is how the handshake was answered: "accepted", "refused 503".
	Answer string
	// ToClient and FromClient count messages each way.
	ToClient, FromClient int
	// End says how an accepted connection ended, and EndAt when (from the
	// first attempt); empty while open.
	End   string
	EndAt time.Duration
	// Note is printed last, for example what a check expected instead.
	Note string
}

// Format returns the rows as an aligned table, each line indented by
// indent, with a header line.
func Format(rows []Row, indent string) string {
	var b strings.Builder
	w := tabwriter.NewWriter(&b, 0, 0, 2, ' ', 0)
	fmt.Fprintf(w, "%s#\tat\tgap\tanswer\tmessages\tend\t\n", indent)
	for _, r := range rows {
		gap := "-"
		if r.HasGap {
			gap = Duration(r.Gap)
		}
		msgs := "-"
		if r.ToClient > 0 || r.FromClient > 0 {
			msgs = fmt.Sprintf("↓%d ↑%d", r.ToClient, r.FromClient)
		}
		end := "-"
		if r.End != "" {
			end = r.End + " at +" + Duration(r.EndAt)
		}
		fmt.Fprintf(w, "%s%d\t+%s\t%s\t%s\t%s\t%s\t%s\n", indent, r.N, Duration(r.At), gap, r.Answer, msgs, end, r.Note)
	}
	w.Flush()
	// tabwriter pads the last cell of rows without a note; drop it.
	lines := strings.Split(strings.TrimSuffix(b.String(), "\n"), "\n")
	for i, l := range lines {
		lines[i] = strings.TrimRight(l, " ")
	}
	return strings.Join(lines, "\n") + "\n"
}

// Duration formats d compactly: "0s", "250ms", "1.5s", "8m32s".
func Duration(d time.Duration) string {
	if d == 0 {
		return "0s"
	}
	if d < time.Second {
		return d.Round(time.Microsecond).String()
	}
	return d.Round(time.Millisecond).String()
}
