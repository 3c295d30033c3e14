// Package interop checks wsdouble against clients no one here wrote: the
// Node ws package and the browser's own WebSocket (headless Chromium). Each
// runs the same client (client.js) against `wsdouble serve --once` for
// every script of scripts/, and what it saw, event by event, must be what
// wstest.Fake shows the same client (interopClient, its Go twin) for the
// same script. The browser is the reference: where it and the Fake differ,
// the Fake is wrong.
//
// The tests need node with `npm ci` run here, and chromium; without them
// they skip, unless WSDOUBLE_INTEROP is set (as .ci/run does), when a
// missing tool is a failure.
//
// # Where it fits
//
// It is the outermost check of the design's rule that the browser is the
// reference: wstest's conformance checker proves that the Fake and the
// real client behave as the standards say; this package proves that they
// behave as Chromium and Node do, through the command (cmd/wsdouble) that the clients of other
// languages use. It also opens the HTML drawings of internal/htmlreport in
// Chromium (report_test.go).
//
// It has no API: it is its tests, which need tools outside Go, and
// nothing imports it. Its Example needs none: it shows the log the
// browser's and Node's are compared with, the Go twin's on the Fake.
package interop
