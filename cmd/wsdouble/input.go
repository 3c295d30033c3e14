package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"sync"
	"syscall"
	"time"
)

// Reading and writing that Ctrl-C interrupts. A command's input may be a
// FIFO that no one has opened for writing yet (opening it blocks), a pipe
// or terminal no one writes to (reading blocks), and its output a pipe no
// one reads: none of these watch a context, so each is done on a goroutine
// of its own, and given up when ctx is done.

// errInterrupted is the error of a read or write that ctx stopped.
var errInterrupted = errors.New("interrupted")

// interruptWait bounds how long an interrupted read waits for its
// goroutine to end: the command must stop within a second of Ctrl-C.
const interruptWait = 500 * time.Millisecond

// sizeText is n bytes in MiB.
func sizeText(n int64) string { return fmt.Sprintf("%d MiB", n>>20) }

// readInput reads the named file, or the standard input for "-", to its
// end. It fails with errTooLarge beyond limit bytes, and with
// errInterrupted, within a second, when ctx is done first.
func readInput(ctx context.Context, env Env, path string, limit int64) ([]byte, error) {
	if err := ctx.Err(); err != nil {
		return nil, errInterrupted
	}
	r := &interruptibleRead{path: path}
	type result struct {
		data []byte
		err  error
	}
	done := make(chan result, 1)
	go func() {
		data, err := r.read(env, limit)
		done <- result{data, err}
	}()
	select {
	case res := <-done:
		return res.data, res.err
	case <-ctx.Done():
	}
	if r.interrupt(env) {
		select {
		case <-done:
		case <-time.After(interruptWait):
		}
	}
	// Otherwise (a standard input that cannot be interrupted) the read
	// goroutine is left to its reader: the process is about to exit.
	return nil, errInterrupted
}

// errTooLarge is readInput's error for an input over its limit.
var errTooLarge = errors.New("too large")

// readNamed is readInput with errors that name the input ("<stdin>" for
// "-"): "NAME: interrupted before it was read" (still errInterrupted), or
// "NAME: the WHAT is larger than N MiB".
func readNamed(ctx context.Context, env Env, path string, limit int64, what string) ([]byte, error) {
	data, err := readInput(ctx, env, path, limit)
	switch {
	case errors.Is(err, errInterrupted):
		return nil, fmt.Errorf("%s: %w before it was read", displayName(path), err)
	case errors.Is(err, errTooLarge):
		return nil, fmt.Errorf("%s: the %s is larger than %s", displayName(path), what, sizeText(limit))
	}
	return data, err
}

// readStatus is the exit code for an error of readNamed: a read that
// Ctrl-C stopped is a run that failed, not bad input.
func readStatus(err error) int {
	if errors.Is(err, errInterrupted) {
		return ExitFailed
	}
	return ExitInvalid
}

// displayName names an input in messages.
func displayName(path string) string {
	if path == "-" {
		return "<stdin>"
	}
	return path
}

// interruptibleRead is one read of readInput, shared by its goroutine and
// the interrupter.
type interruptibleRead struct {
	path string

	mu          sync.Mutex
	f           *os.File // the file, once open
	interrupted bool
}

func (r *interruptibleRead) read(env Env, limit int64) ([]byte, error) {
	var src io.Reader = env.stdin()
	if r.path != "-" {
		f, err := os.Open(r.path)
		if err != nil {
			return nil, err
		}
		defer f.Close()
		if fi, err := f.Stat(); err == nil && fi.Mode().IsRegular() && fi.Size() > limit {
			return nil, errTooLarge
		}
		r.mu.Lock()
		r.f = f
		if r.interrupted {
			f.SetReadDeadline(time.Unix(1, 0))
		}
		r.mu.Unlock()
		src = f
	}
	data, err := io.ReadAll(io.LimitReader(src, limit+1))
	if err == nil && int64(len(data)) > limit {
		err = errTooLarge
	}
	return data, err
}

// interrupt makes the read return, if it can, and reports whether it can.
func (r *interruptibleRead) interrupt(env Env) bool {
	r.mu.Lock()
	r.interrupted = true
	f := r.f
	r.mu.Unlock()
	if r.path == "-" {
		// An *os.File standard input that the runtime polls (a pipe made
		// non-blocking by its writer) takes a deadline; most do not.
		d, ok := env.stdin().(interface{ SetReadDeadline(time.Time) error })
		return ok && d.SetReadDeadline(time.Unix(1, 0)) == nil
	}
	if f != nil {
		// A pipe or FIFO is polled (on Linux and most systems), and its
		// Read returns at the deadline. A regular file never blocks.
		return f.SetReadDeadline(time.Unix(1, 0)) == nil || isRegular(f)
	}
	// The file may be a FIFO whose open waits for a writer: opening it
	// for writing, without blocking, lets that open return (then read
	// reads at once, with the deadline set). Until the read's open has
	// begun there is no reader, and this open fails (ENXIO): it is
	// retried, within interruptWait.
	deadline := time.Now().Add(interruptWait)
	for time.Now().Before(deadline) {
		r.mu.Lock()
		opened := r.f != nil
		r.mu.Unlock()
		if opened {
			return true
		}
		if fi, err := os.Stat(r.path); err != nil || fi.Mode()&os.ModeNamedPipe == 0 {
			return true // not a FIFO: its open does not wait
		}
		w, err := os.OpenFile(r.path, os.O_WRONLY|syscall.O_NONBLOCK, 0)
		if err == nil {
			w.Close()
			return true
		}
		time.Sleep(time.Millisecond) // a poll, bounded by deadline: the open gives no other sign
	}
	return false
}

func isRegular(f *os.File) bool {
	fi, err := f.Stat()
	return err == nil && fi.Mode().IsRegular()
}

// writeTo writes data to w, and gives up when ctx is done first (the
// writing goroutine is then left to w: a pipe no one reads).
func writeTo(ctx context.Context, w io.Writer, data []byte) error {
	done := make(chan error, 1)
	go func() {
		_, err := w.Write(data)
		done <- err
	}()
	select {
	case err := <-done:
		return err
	case <-ctx.Done():
		return errInterrupted
	}
}
