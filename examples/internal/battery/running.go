package battery

import (
	"context"
	"fmt"
	"sync"

	"github.com/wsdouble/wsdouble/examples/internal/reconnect"
)

// maxEvents bounds the events a Running keeps for its reader: a case reads
// them as they come, and an example's client makes a few.
const maxEvents = 100

// Running is a client running in the background: its events, in order,
// and Stop. The cases of Run and the examples' Examples drive their
// clients through it.
type Running struct {
	events chan reconnect.Event
	cancel context.CancelFunc
	done   chan error

	stopOnce sync.Once
	err      error
}

// Start makes a client with newClient, given opts with OnEvent set to
// record its events, and runs it until Stop.
func Start(opts reconnect.Options, newClient func(reconnect.Options) Runner) *Running {
	r := &Running{events: make(chan reconnect.Event, maxEvents), done: make(chan error, 1)}
	opts.OnEvent = func(e reconnect.Event) { r.events <- e }
	c := newClient(opts)
	ctx, cancel := context.WithCancel(context.Background())
	r.cancel = cancel
	go func() { r.done <- c.Run(ctx) }()
	return r
}

// Next returns the client's next event, or ctx's cause if it ends first.
func (r *Running) Next(ctx context.Context) (reconnect.Event, error) {
	select {
	case e := <-r.events:
		return e, nil
	case <-ctx.Done():
		return reconnect.Event{}, fmt.Errorf("battery: waiting for the client's next event: %w", context.Cause(ctx))
	}
}

// Print prints the client's next n events, a line each, as the Examples
// show them, or why it could not.
func (r *Running) Print(ctx context.Context, n int) {
	for range n {
		e, err := r.Next(ctx)
		if err != nil {
			fmt.Println(err)
			return
		}
		fmt.Println("client:", e)
	}
}

// Stop stops the client and waits for its Run to return, and returns
// Run's error: context.Canceled when the client stopped as asked. Later
// calls return the same.
func (r *Running) Stop() error {
	r.stopOnce.Do(func() {
		r.cancel()
		r.err = <-r.done
	})
	return r.err
}
