package main_test

import (
	"flag"
	"os"
	"os/signal"
	"strconv"
	"testing"
	"time"

	"github.com/wsdouble/wsdouble"
)

// The client the exam tests examine: this test binary again, run by exam
// as `TEST -test.run=^TestExamClient$ -- {url} {scale}`. It is a plain
// reconnecting client on the real one (wsdouble.New): after any close it
// dials again examClientDelay × {scale} later, for ever; Ctrl-C closes
// its connection (1000) and ends it. It claims no more than that, so exam
// must be told --min-delay 1s --factor 1.

// examClientDelay is the client's delay before every retry, unscaled.
const examClientDelay = time.Second

// examClientAttempts bounds the client's attempts: a case makes far fewer.
const examClientAttempts = 1000

// examClient is the command line of the client, for exam.
func examClient(t *testing.T) []string {
	t.Helper()
	bin, err := os.Executable()
	if err != nil {
		t.Skipf("no path to the test binary: %v", err)
	}
	return []string{bin, "-test.run=^TestExamClient$", "--", "{url}", "{scale}"}
}

// TestExamClient is the client when exam runs it, and skips otherwise.
func TestExamClient(t *testing.T) {
	if flag.NArg() != 2 {
		t.Skip("the client of the exam tests: exam runs it with a URL and a scale")
	}
	scale, err := strconv.ParseFloat(flag.Arg(1), 64)
	if err != nil {
		t.Fatalf("scale %q: %v", flag.Arg(1), err)
	}
	interrupt := make(chan os.Signal, 1)
	signal.Notify(interrupt, os.Interrupt)
	defer signal.Stop(interrupt)
	delay := time.Duration(float64(examClientDelay) * scale)
	for range examClientAttempts {
		ws, err := wsdouble.New(flag.Arg(0))
		if err != nil {
			t.Fatal(err)
		}
		closed := make(chan struct{})
		ws.AddEventListener(wsdouble.EventClose, wsdouble.ListenerFunc(func(wsdouble.Event) { close(closed) }))
		select {
		case <-closed:
		case <-interrupt:
			ws.Close(wsdouble.CloseNormalClosure, "stop")
			select {
			case <-closed:
			case <-time.After(5 * time.Second):
				t.Error("no close event 5 s after Close")
			}
			return
		}
		select {
		case <-time.After(delay):
		case <-interrupt:
			return
		}
	}
	t.Errorf("%d attempts: want fewer", examClientAttempts)
}
