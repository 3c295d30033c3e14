package wstest_test

import (
	"bytes"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"testing/synctest"
	"time"

	"github.com/wsdouble/wsdouble/internal/artifacttest"
	"github.com/wsdouble/wsdouble/internal/htmlreport"
	"github.com/wsdouble/wsdouble/wstest"
)

// artifactTB is a fakeTB with an artifact directory, as *testing.T has.
type artifactTB struct {
	fakeTB
	dir string
}

func (a *artifactTB) ArtifactDir() string { return a.dir }

// logged is an attempt log as an AttemptLog.
type logged []wstest.AttemptRecord

func (l logged) Attempts() []wstest.AttemptRecord { return l }

// offLog is a log whose third delay is off the policy: #4 comes 300 ms
// after #3, want 4 s.
func offLog() logged {
	log := logOf(5)
	for i, gap := range []time.Duration{time.Second, 2 * time.Second, 300 * time.Millisecond, 8 * time.Second} {
		log[i+1].Time = log[i].Time.Add(gap)
		log[i+1].AnswerTime = log[i+1].Time
	}
	return logged(log)
}

// TestDrawnOnlyWithArtifacts: a TB with ArtifactDir gets no drawing when
// the test runs without -artifacts (ArtifactDir is then a directory
// removed with the test), and a fake TB without the method works as ever.
func TestDrawnOnlyWithArtifacts(t *testing.T) {
	if htmlreport.ArtifactsOn() {
		t.Skip("run with -artifacts: TestDrawnUnderArtifacts covers it")
	}
	tb := &artifactTB{dir: t.TempDir()}
	if wstest.AssertBackoff(tb, offLog(), policy) {
		t.Fatal("AssertBackoff: passed, want a failure")
	}
	plain := &fakeTB{}
	wstest.AssertBackoff(plain, offLog(), policy)
	entries, _ := os.ReadDir(tb.dir)
	if len(tb.errors) != 1 || strings.Contains(tb.errors[0], "drawn") || len(entries) != 0 || plain.errors[0] != tb.errors[0] {
		t.Errorf("AssertBackoff without -artifacts: said %q, wrote %d files; want the message of a TB without ArtifactDir, %q, and no file",
			tb.errors, len(entries), plain.errors)
	}
}

// TestDrawnUnderArtifacts runs TestArtifactsChild* under go test
// -artifacts: their failures name HTML files in the test's artifact
// directory, which draw the offending gap, the attempts and the failed
// conformance check.
func TestDrawnUnderArtifacts(t *testing.T) {
	if os.Getenv("WSTEST_ARTIFACTS_CHILD") != "" {
		t.Skip("the child runs only the children")
	}
	output, out, err := artifacttest.Rerun(t, "^TestArtifactsChild", "WSTEST_ARTIFACTS_CHILD")
	if err == nil || !strings.Contains(output, "--- FAIL: TestArtifactsChildReal") || !strings.Contains(output, "--- PASS: TestArtifactsChildFake") {
		t.Fatalf("the child: %v, want TestArtifactsChildReal to fail and TestArtifactsChildFake to pass:\n%s", err, output)
	}
	drawn := regexp.MustCompile(`drawn: (\S+\.html)`).FindAllStringSubmatch(output, -1)
	want := map[string][]string{
		"wsdouble-backoff.html":     {`"k":"off"`, "backoff policy: min 1s", "✗ retry 3 in a row: want 4s, got 300ms"},
		"wsdouble-attempts.html":    {"wstest: attempts: got 5, want 6", `"n":"#5"`},
		"wsdouble-conformance.html": {"1 of ", `"g":"close/invalid-code"`},
	}
	for _, m := range drawn {
		path := m[1]
		rel, err := filepath.Rel(filepath.Join(out, "_artifacts"), path)
		if err != nil || strings.HasPrefix(rel, "..") {
			t.Errorf("drawn %s: want it under %s", path, filepath.Join(out, "_artifacts"))
		}
		page, err := os.ReadFile(path)
		if err != nil {
			t.Errorf("drawn %s: %v", path, err)
			continue
		}
		texts, ok := want[filepath.Base(path)]
		if !ok {
			t.Errorf("drawn %s: want one of %v", path, want)
		}
		for _, s := range texts {
			if !strings.Contains(string(page), s) {
				t.Errorf("drawn %s: the page lacks %q", path, s)
			}
		}
		if n := strings.Count(string(page), `"k":"off"`); filepath.Base(path) == "wsdouble-backoff.html" && n != 1 {
			t.Errorf("drawn %s: %d gaps marked off the policy, want 1 (#4's)", path, n)
		}
		delete(want, filepath.Base(path))
	}
	for name := range want {
		t.Errorf("no failure names a drawing %s:\n%s", name, output)
	}
}

// TestArtifactsChildReal fails on purpose, under TestDrawnUnderArtifacts.
func TestArtifactsChildReal(t *testing.T) {
	if os.Getenv("WSTEST_ARTIFACTS_CHILD") == "" {
		t.Skip("run by TestDrawnUnderArtifacts")
	}
	wstest.AssertBackoff(t, offLog(), policy)
	wstest.AssertAttempts(t, offLog(), 6)
	synctest.Test(t, func(t *testing.T) {
		anyCode := func(b *broken) { b.anyCode = true }
		wstest.AssertConformance(t, func() (wstest.Subject, error) {
			srv := wstest.NewServer(t)
			ctor := brokenConstructor(srv.Constructor(), anyCode, passThrough)
			return wstest.Subject{New: ctor, URL: wstest.MemoryURL, Acceptor: srv, Close: srv.Close}, nil
		})
	})
}

// TestArtifactsChildFake: under -artifacts, a fake TB with ArtifactDir
// gets the drawing in its own directory.
func TestArtifactsChildFake(t *testing.T) {
	if os.Getenv("WSTEST_ARTIFACTS_CHILD") == "" {
		t.Skip("run by TestDrawnUnderArtifacts")
	}
	tb := &artifactTB{dir: t.TempDir()}
	func() {
		defer func() { recover() }() // fakeTB's Fatalf panics
		wstest.RequireBackoff(tb, offLog(), policy)
	}()
	path := filepath.Join(tb.dir, "wsdouble-backoff.html")
	if _, err := os.Stat(path); err != nil || len(tb.errors) != 1 || !strings.HasSuffix(tb.errors[0], "\ndrawn: "+path) {
		t.Errorf("RequireBackoff of a fake TB with ArtifactDir: said %q (%v), want it to end naming %s", tb.errors, err, path)
	}
}

// TestWriteHTML: an attempt log's page, with a policy and without.
func TestWriteHTML(t *testing.T) {
	var with, without, again bytes.Buffer
	p := policy
	if err := wstest.WriteHTML(&with, offLog(), &p); err != nil {
		t.Fatal(err)
	}
	wstest.WriteHTML(&again, offLog(), &p)
	if err := wstest.WriteHTML(&without, offLog(), nil); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		page       string
		want, lack []string
	}{
		{with.String(), []string{"wstest: backoff: 1 of 4 delays off the policy", `"k":"off"`, `"k":"in"`, "backoff policy: min 1s"}, nil},
		{without.String(), []string{"wstest: attempts", "5 attempts", `"k":"plain"`}, []string{`"k":"off"`, "backoff policy"}},
	} {
		for _, s := range c.want {
			if !strings.Contains(c.page, s) {
				t.Errorf("the page lacks %q", s)
			}
		}
		for _, s := range c.lack {
			if strings.Contains(c.page, s) {
				t.Errorf("the page has %q", s)
			}
		}
	}
	if !bytes.Equal(with.Bytes(), again.Bytes()) {
		t.Error("WriteHTML: two pages of one log differ, want the same bytes")
	}
	if err := wstest.WriteHTML(io.Discard, offLog(), &wstest.Backoff{Min: -1}); err == nil {
		t.Error("WriteHTML with an invalid policy: no error")
	}
}
