package main

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/wsdouble/wsdouble/scenario"
)

// Scenario files: read by serve and check (a script, or the journal of a
// recording), written by record and import-har.

// maxScriptSize is what scenario.Parse reads at most.
const maxScriptSize = 64 << 20

// loadScript reads a script from a file, or stdin for "-", and stops when
// ctx is done (errInterrupted): the file may be a FIFO no one writes to.
// A journal of a recording (see record) is read as the script it records;
// journal says so. Its errors name the file.
func loadScript(ctx context.Context, env Env, path string) (s *scenario.Script, journal bool, err error) {
	name := displayName(path)
	if path != "-" {
		if fi, err := os.Stat(path); err == nil && fi.Mode().IsRegular() && fi.Size() > maxScriptSize && !startsAsJournal(path) {
			return nil, false, fmt.Errorf("%s: the script is larger than %s", name, sizeText(maxScriptSize))
		}
	}
	data, err := readNamed(ctx, env, path, max(maxScriptSize, maxJournalSize), "file")
	if err != nil {
		return nil, false, err
	}
	s, err = scenario.RecoverJournal(bytes.NewReader(data))
	switch {
	case err == nil:
		return s, true, nil
	case !errors.Is(err, scenario.ErrNotJournal):
		return nil, true, fmt.Errorf("%s:%s", name, strings.TrimPrefix(err.Error(), "scenario: RecoverJournal:"))
	}
	if len(data) > maxScriptSize {
		return nil, false, fmt.Errorf("%s: the script is larger than %s", name, sizeText(maxScriptSize))
	}
	s, err = scenario.Parse(bytes.NewReader(data))
	if err != nil {
		lines := strings.Split(strings.TrimPrefix(err.Error(), "scenario: "), "\n")
		for i, l := range lines {
			lines[i] = name + ":" + l
		}
		return nil, false, errors.New(strings.Join(lines, "\n"))
	}
	return s, false, nil
}

// startsAsJournal reports whether the regular file at path starts with a
// journal's first line: a journal may be larger than a script.
func startsAsJournal(path string) bool {
	f, err := os.Open(path)
	if err != nil {
		return false
	}
	defer f.Close()
	first, err := bufio.NewReader(io.LimitReader(f, 4096)).ReadBytes('\n')
	if err != nil {
		return false
	}
	_, err = scenario.RecoverJournal(bytes.NewReader(first))
	return !errors.Is(err, scenario.ErrNotJournal)
}

// writeScript writes s to out and says so on stderr (stdout may be the
// script itself).
func writeScript(ctx context.Context, env Env, cmd string, s *scenario.Script, out *output) int {
	data, err := scenario.Marshal(s)
	if err != nil {
		return fail(env, cmd, ExitFailed, err)
	}
	if err := out.write(ctx, env, data); err != nil {
		return fail(env, cmd, ExitFailed, fmt.Errorf("writing %s: %w (%s)", out.display(), err, out.unchanged()))
	}
	if out.kind != outStdout {
		fmt.Fprintf(env.Stderr, "wsdouble %s: wrote scenario %q, %s, to %s\n", cmd, s.Name, plural(len(s.Attempts), "attempt", "attempts"), out.name)
	}
	return ExitOK
}
