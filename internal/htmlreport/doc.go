// Package htmlreport draws what happened to a series of connection
// attempts as one self-contained HTML page: a lane per connection along
// time, with its answer, the frames each way, faults, closes and drops,
// and the gaps between attempts against a backoff policy. It is the
// picture of the timelines internal/timeline prints as text, for the runs
// too long to read: wstest draws attempt logs with it, scenario its
// reports, and both leave the drawing of a failure as a test artifact
// (Artifact).
//
// The page needs nothing but itself: its style and script are inline, its
// Content-Security-Policy forbids every request, and it is the same bytes
// for the same Page (no map order, no time of rendering), so that two
// drawings can be diffed.
//
// The package knows nothing of wstest or scenario: they fill a Page, the
// neutral model below, from their own types.
//
// # Where it fits
//
// wstest.WriteHTML and scenario.WriteHTML are the public ways to draw; the
// wsdouble command draws through them (serve --report, wsdouble report).
// Artifact is how a failing AssertBackoff, AssertAttempts,
// AssertConformance or scenario.Play leaves its drawing under go test
// -artifacts, and names it in the failure. The page is checked in headless
// Chromium by ./interop.
//
// It is not a general charting library, and not a format to read back: a
// Page is made to be looked at. The data a program reads is the report or
// attempt log it was drawn from.
package htmlreport
