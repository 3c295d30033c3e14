// Package timeline prints what happened to a series of connection attempts,
// one line per attempt, for failure messages: the printout a person reads
// to see at once where a client diverged from what a test expected.
//
// Format lays the attempts out as an aligned table: when each came, the gap
// since the previous one ended, how its handshake was answered, the
// messages each way, how it ended, and a note where a check failed.
// Duration, Count, Bytes and Payload write times, counts, sizes and frame
// payloads the same way wherever wsdouble prints them.
//
// # Where it fits
//
// wstest prints its attempt logs with it (wstest.Timeline, and the
// failures of AssertBackoff and AssertAttempts), and scenario's report
// (its timeline.go, which the wsdouble command's live view shares) writes
// its times, sizes and payloads with these functions, so that a test's
// failure and the command's output read alike. It knows nothing of wstest
// or scenario: they fill Rows from their own types.
//
// It is text for people, not a format to parse: columns and words may
// change. Machines read wstest.AttemptRecord, scenario.Report or the
// command's --json output; internal/htmlreport draws the same story as a
// page, for runs too long to read.
package timeline
