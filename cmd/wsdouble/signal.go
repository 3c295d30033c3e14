package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/signal"
	"sync"
	"syscall"
)

// signalContext returns a context that the first SIGINT (Ctrl-C) or
// SIGTERM cancels: the command then stops, within a second, and finishes
// what it must (record writes its recording). A second signal exits at
// once, through exit, with 128 + the signal's number (130 for SIGINT, 143
// for SIGTERM), the status a shell gives a command the signal killed. stop
// ends the watch.
func signalContext(stderr io.Writer, exit func(int)) (ctx context.Context, stop func()) {
	ctx, cancel := context.WithCancel(context.Background())
	sigs := make(chan os.Signal, 2)
	signal.Notify(sigs, os.Interrupt, syscall.SIGTERM)
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		for n := 1; ; n++ {
			var sig os.Signal
			select {
			case sig = <-sigs:
			case <-done:
				return
			}
			if n == 1 {
				cancel()
				continue
			}
			fmt.Fprintf(stderr, "wsdouble: %v again: exiting at once\n", sig)
			code := 1
			if s, ok := sig.(syscall.Signal); ok {
				code = 128 + int(s)
			}
			exit(code)
			return
		}
	}()
	return ctx, func() {
		signal.Stop(sigs)
		close(done)
		wg.Wait()
		cancel()
	}
}
