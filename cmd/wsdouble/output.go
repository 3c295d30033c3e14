package main

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
)

// outKind is what a command's --out names.
type outKind int

const (
	outStdout  outKind = iota // "-": the standard output
	outFile                   // a regular file, or a name with nothing there yet
	outSpecial                // a device or a FIFO (/dev/stdout, a named pipe)
)

// output is a command's --out. A file is written whole or not at all: the
// data goes to a temporary file in the same directory, which is then
// renamed over it. A device or FIFO is written to as it is.
type output struct {
	name   string // as the user gave it
	target string // the file to replace: name with its symbolic links resolved
	kind   outKind
	exists bool // a file is there now
}

// openOutput looks at what --out names, and fails if it cannot be written:
// a directory, or a name in a directory that does not exist.
func openOutput(name string) (*output, error) {
	if name == "-" {
		return &output{name: name, kind: outStdout}, nil
	}
	o := &output{name: name, target: name, kind: outFile}
	if t, err := filepath.EvalSymlinks(name); err == nil {
		o.target = t
	}
	fi, err := os.Stat(o.target)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		dir := filepath.Dir(o.target)
		if di, err := os.Stat(dir); err != nil || !di.IsDir() {
			return nil, fmt.Errorf("cannot write %s: no directory %s", name, dir)
		}
	case err != nil:
		return nil, fmt.Errorf("cannot write %s: %w", name, err)
	case fi.IsDir():
		return nil, fmt.Errorf("cannot write %s: it is a directory", name)
	case fi.Mode().IsRegular():
		o.exists = true
	default:
		o.kind = outSpecial
	}
	return o, nil
}

// journal is the name of the journal kept beside a file, or "".
func (o *output) journal() string {
	if o.kind != outFile {
		return ""
	}
	return o.name + ".journal"
}

// unchanged says what became of the file when nothing was written.
func (o *output) unchanged() string {
	switch {
	case o.kind != outFile:
		return "nothing written"
	case o.exists:
		return o.name + " is unchanged"
	}
	return o.name + " was not created"
}

// display names the output in messages.
func (o *output) display() string {
	if o.kind == outStdout {
		return "the standard output"
	}
	return o.name
}

// write writes data: to a file whole, through a temporary file renamed
// over it (a crash leaves the old file, or none, and perhaps a stray
// .NAME.*.tmp, never half a file); to the standard output, a device or a
// FIFO as it is, given up when ctx is done.
func (o *output) write(ctx context.Context, env Env, data []byte) error {
	switch o.kind {
	case outStdout:
		return writeTo(ctx, env.Stdout, data)
	case outSpecial:
		// A FIFO's open waits for a reader.
		return writeTo(ctx, writerFunc(func(p []byte) (int, error) {
			f, err := os.OpenFile(o.target, os.O_WRONLY, 0)
			if err != nil {
				return 0, err
			}
			defer f.Close()
			return f.Write(p)
		}), data)
	}
	return writeAtomic(o.target, data)
}

type writerFunc func([]byte) (int, error)

func (f writerFunc) Write(p []byte) (int, error) { return f(p) }

// writeAtomic replaces the file at path with data: written to a temporary
// file beside it, synced, then renamed over it. A file already there keeps
// its permissions; a new one gets 0644.
func writeAtomic(path string, data []byte) (err error) {
	dir, base := filepath.Split(path)
	if dir == "" {
		dir = "."
	}
	mode := fs.FileMode(0o644)
	if fi, err := os.Stat(path); err == nil {
		mode = fi.Mode().Perm()
	}
	tmp, err := os.CreateTemp(dir, "."+base+".*.tmp")
	if err != nil {
		return err
	}
	defer func() {
		if err != nil {
			tmp.Close()
			os.Remove(tmp.Name())
		}
	}()
	if _, err := tmp.Write(data); err != nil {
		return err
	}
	if err := tmp.Chmod(mode); err != nil {
		return err
	}
	if err := tmp.Sync(); err != nil {
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return err
	}
	// The rename is durable once the directory is synced; not every
	// system can sync a directory, and the data is safe either way.
	if d, err := os.Open(dir); err == nil {
		d.Sync()
		d.Close()
	}
	return nil
}
