package htmlreport

import (
	"bytes"
	"errors"
	"flag"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
)

// artifactDirer is the optional method of a test's TB that gives a
// directory for its artifacts: *testing.T, B and F have it since Go 1.26.
type artifactDirer interface {
	ArtifactDir() string
}

// artifactsFlag is the flag of go test's -artifacts, as the test binary
// registers it.
const artifactsFlag = "test.artifacts"

// ArtifactsOn reports whether the test binary runs with -artifacts: only
// then is an artifact directory kept after the test (without the flag,
// testing.T.ArtifactDir is a temporary directory removed at its end).
func ArtifactsOn() bool {
	f := flag.Lookup(artifactsFlag)
	return f != nil && f.Value.String() == "true"
}

// Artifact draws the page made by page into t's artifact directory, as
// name.html (or name-2.html, ... when taken), if t has an ArtifactDir
// method and the test runs with -artifacts; page is not called otherwise.
// It returns what a failure message says of the drawing: "\ndrawn: PATH",
// "\nnot drawn: WHY", or "" when there is nothing to say.
//
// t is a test's TB: call Artifact from the test's goroutine, as
// ArtifactDir may stop the test (when it cannot make the directory).
func Artifact(t any, name string, page func() *Page) string {
	d, ok := t.(artifactDirer)
	if !ok || !ArtifactsOn() {
		return ""
	}
	path, err := writeArtifact(d.ArtifactDir(), name, page())
	if err != nil {
		return "\nnot drawn: " + err.Error()
	}
	return "\ndrawn: " + path
}

// maxArtifactTries bounds the names tried in one directory.
const maxArtifactTries = 100

func writeArtifact(dir, name string, p *Page) (string, error) {
	var b bytes.Buffer
	if err := Write(&b, p); err != nil {
		return "", err
	}
	name = fileName(name)
	for i := 1; i <= maxArtifactTries; i++ {
		path := filepath.Join(dir, name+".html")
		if i > 1 {
			path = filepath.Join(dir, fmt.Sprintf("%s-%d.html", name, i))
		}
		f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
		if errors.Is(err, fs.ErrExist) {
			continue
		}
		if err != nil {
			return "", fmt.Errorf("htmlreport: Artifact: %w", err)
		}
		_, err = f.Write(b.Bytes())
		if cerr := f.Close(); err == nil {
			err = cerr
		}
		if err != nil {
			return "", fmt.Errorf("htmlreport: Artifact: %w", err)
		}
		return path, nil
	}
	return "", fmt.Errorf("htmlreport: Artifact: %s: %s.html to %s-%d.html are taken", dir, name, name, maxArtifactTries)
}

// fileName makes a file name of s: letters, digits, '-', '_' and '.',
// other runs of characters as one '-', at most 60 bytes.
func fileName(s string) string {
	var b strings.Builder
	dash := false
	for _, r := range s {
		ok := r == '-' || r == '_' || r == '.' || r >= '0' && r <= '9' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z'
		switch {
		case ok:
			b.WriteRune(r)
			dash = false
		case !dash:
			b.WriteByte('-')
			dash = true
		}
		if b.Len() >= 60 {
			break
		}
	}
	name := strings.Trim(b.String(), "-.")
	if name == "" {
		return "report"
	}
	return name
}
