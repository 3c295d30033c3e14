package clientcheck_test

import (
	"os"
	"strings"
	"testing"
	"testing/synctest"

	"github.com/wsdouble/wsdouble/clientcheck"
	"github.com/wsdouble/wsdouble/clientcheck/internal/flawed"
)

// renderedCases is the case table as doc.go shows it: for each case its
// name, what the server does, what the client must do and the standard
// that decides it.
func renderedCases() string {
	var b strings.Builder
	for _, c := range clientcheck.Cases() {
		b.WriteString("//\t" + c.Name + "\n")
		b.WriteString("//\t  " + c.Doc + "\n")
		b.WriteString("//\t  want: " + c.Expect + "\n")
		if c.Cite != "" {
			b.WriteString("//\t  " + c.Cite + "\n")
		}
	}
	return b.String()
}

// docBlock returns the first block of code lines ("//\t...") of doc.go
// after the line heading.
func docBlock(t *testing.T, heading string) string {
	t.Helper()
	src, err := os.ReadFile("doc.go")
	if err != nil {
		t.Fatal(err)
	}
	_, rest, ok := strings.Cut(string(src), "\n"+heading+"\n")
	if !ok {
		t.Fatalf("doc.go has no line %q", heading)
	}
	var b strings.Builder
	for _, line := range strings.Split(rest, "\n") {
		switch {
		case strings.HasPrefix(line, "//\t"):
			b.WriteString(line + "\n")
		case b.Len() > 0:
			return b.String()
		}
	}
	return b.String()
}

// TestCaseTableInDocs: doc.go lists every case as the table has it.
func TestCaseTableInDocs(t *testing.T) {
	if got, want := docBlock(t, "// # The cases"), renderedCases(); got != want {
		t.Errorf("doc.go's case table is not the battery's; paste this there:\n%s", want)
	}
}

// TestFailureInDocs: the failure doc.go shows is what the case reports.
func TestFailureInDocs(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		cs, err := clientcheck.Select(clientcheck.Only("close/1012"))
		if err != nil {
			t.Fatal(err)
		}
		res := cs[0].Run(t.Context(), flawed.Harness(flawed.NoResubscribeAfter1012))
		if res.Err == nil {
			t.Fatal("close/1012 passed")
		}
		var want strings.Builder
		for _, l := range strings.Split(res.Err.Error(), "\n") {
			want.WriteString("//\t" + l + "\n")
		}
		if got := docBlock(t, "// # Reading a failure"); got != want.String() {
			t.Errorf("doc.go shows a failure other than the one close/1012 reports; paste this there:\n%s", want.String())
		}
	})
}
