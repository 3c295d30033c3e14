package timeline

import (
	"fmt"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"
	"unicode/utf8"
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

// Count formats n with a comma between groups of three digits: "12,345".
func Count(n int64) string {
	s := strconv.FormatInt(n, 10)
	sign := ""
	if n < 0 {
		sign, s = "-", s[1:]
	}
	var b strings.Builder
	for i, c := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	return sign + b.String()
}

// Bytes formats a size in the largest binary unit it reaches, with one
// decimal below ten of it: "512 bytes", "1.5 KiB", "600 MiB", "2.0 GiB".
func Bytes(n int64) string {
	if n < 1024 {
		if n == 1 {
			return "1 byte"
		}
		return strconv.FormatInt(n, 10) + " bytes"
	}
	v, unit := float64(n), ""
	for _, u := range []string{"KiB", "MiB", "GiB", "TiB"} {
		if v < 1024 {
			break
		}
		v, unit = v/1024, u
	}
	if v < 9.95 { // what rounds to 10.0 is written 10
		return strconv.FormatFloat(v, 'f', 1, 64) + " " + unit
	}
	return strconv.FormatFloat(v, 'f', 0, 64) + " " + unit
}

// Payload describes the payload of a frame (a ping, a pong, a raw frame)
// as wsdouble.Message.String describes a message's data: quoted when it is
// UTF-8, `"hb"`, in hex after its size in brackets otherwise, `[2]03e8`; a
// long one is cut, `[200]"abc…"…`, its whole size in brackets.
func Payload(b []byte) string {
	const max = 64
	switch {
	case !utf8.Valid(b) && len(b) > max/2:
		return fmt.Sprintf("[%d]%x…", len(b), b[:max/2])
	case !utf8.Valid(b):
		return fmt.Sprintf("[%d]%x", len(b), b)
	case len(b) <= max:
		return strconv.Quote(string(b))
	}
	shown := b[:max]
	for !utf8.Valid(shown) { // a rune cut at max
		shown = shown[:len(shown)-1]
	}
	return fmt.Sprintf("[%d]%q…", len(b), shown)
}
