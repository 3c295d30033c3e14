package scenario

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/wsdouble/wsdouble/internal/timeline"
	"github.com/wsdouble/wsdouble/wstest"
)

// Echo sends every message the client sends back to it, as it comes: for
// Messages messages, or for the duration For, whichever ends first; with
// neither, until the connection ends. Echo is the server's behaviour, not
// an expectation: a client that leaves early is no mismatch.
type Echo struct {
	Messages int
	For      time.Duration
}

// Name returns "echo".
func (Echo) Name() string { return "echo" }

func (e Echo) validate() error {
	var errs []error
	if e.Messages < 0 {
		errs = append(errs, fmt.Errorf("negative message count %d", e.Messages))
	}
	if e.For < 0 {
		errs = append(errs, fmt.Errorf("negative duration %v", e.For))
	}
	return errors.Join(errs...)
}

// String describes the step as reports show it.
func (e Echo) String() string {
	switch {
	case e.Messages > 0 && e.For > 0:
		return fmt.Sprintf("echo %d messages, for at most %s", e.Messages, timeline.Duration(e.For))
	case e.Messages > 0:
		return fmt.Sprintf("echo %d messages", e.Messages)
	case e.For > 0:
		return "echo for " + timeline.Duration(e.For)
	}
	return "echo until the connection ends"
}

// play runs the step: each echoed message is an entry of its own. It
// returns stepEnded once the connection has ended: an echo is the server's
// behaviour, and a client that leaves is no mismatch.
func (e Echo) play(ctx context.Context, r *runner, p wstest.Peer, ar int, entry *Entry) stepResult {
	d := Echo{Messages: e.Messages, For: r.scaled(e.For)}
	entry.Detail = d.String()
	outer := ctx
	if d.For > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, d.For)
		defer cancel()
	}
	for n := 0; d.Messages == 0 || n < d.Messages; n++ {
		m, err := p.Receive(ctx)
		if err != nil {
			switch {
			case errors.Is(err, wstest.ErrPeerClosed):
				entry.Detail += fmt.Sprintf(": %d echoed, then the connection ended", n)
				return stepEnded
			case outer.Err() == nil && ctx.Err() != nil:
				entry.Detail += fmt.Sprintf(": %d echoed", n)
				return stepNext // For has passed
			}
			entry.Stopped = true
			return stepStopped
		}
		echo := Entry{Step: entry.Step, Label: entry.Label, Action: "echo", Message: &m}
		if err := p.Send(m); err != nil {
			echo.Err = fmt.Errorf("could not send it back: %w", err)
		}
		echo.At = r.now()
		r.entry(ar, echo)
		if echo.Err != nil {
			return stepEnded // the connection is closing
		}
	}
	return stepNext
}

func (e Echo) encode() (json.RawMessage, error) {
	var kv []any
	if e.Messages > 0 {
		kv = append(kv, "messages", e.Messages)
	}
	if e.For > 0 {
		kv = append(kv, "for", e.For.String())
	}
	return inlineObject(kv...), nil
}

func init() {
	actionDecoders["echo"] = func(d *decoder, n *node, field string) (Action, bool) {
		if !d.fields(n, field, "messages", "for") {
			return nil, false
		}
		var e Echo
		ok := true
		if v := n.get("messages"); v != nil {
			e.Messages, ok = d.integer(v, field+".messages")
			if ok && e.Messages < 1 {
				d.failf(v, field+".messages", "want at least 1 (leave it out to echo until the connection ends)")
				ok = false
			}
		}
		if v := n.get("for"); v != nil {
			var good bool
			e.For, good = d.duration(v, field+".for")
			ok = ok && good
		}
		return e, ok
	}
}
