package scenario

import (
	"bytes"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite the golden files of testdata/scripts")

// normalize makes parsed and built scripts comparable with DeepEqual.
func normalize(s *Script) *Script {
	c := s.Clone()
	for i := range c.Attempts {
		a := &c.Attempts[i]
		if len(a.Steps) == 0 {
			a.Steps = nil
		}
		switch ans := a.Answer.(type) {
		case Accept:
			if len(ans.Header) == 0 {
				ans.Header = nil
			}
			a.Answer = ans
		case Refuse:
			if len(ans.Header) == 0 {
				ans.Header = nil
			}
			a.Answer = ans
		}
		for j, st := range a.Steps {
			switch act := st.Action.(type) {
			case Send:
				if len(act.Message.Data) == 0 {
					act.Message.Data = nil
				}
				a.Steps[j].Action = act
			case Expect:
				switch m := act.Match.(type) {
				case *Regexp:
					act.Match = &Regexp{Pattern: m.Pattern}
				case Exact:
					if len(m.Message.Data) == 0 {
						m.Message.Data = nil
					}
					act.Match = m
				}
				a.Steps[j].Action = act
			}
		}
	}
	return c
}

// TestGoldenRoundTrip: each script of testdata/scripts parses, writes to
// its golden file, and parses back to the same script.
func TestGoldenRoundTrip(t *testing.T) {
	files, _ := filepath.Glob("testdata/scripts/*.json")
	if len(files) < 3 {
		t.Fatalf("found %d scripts in testdata/scripts", len(files))
	}
	for _, file := range files {
		t.Run(filepath.Base(file), func(t *testing.T) {
			s, err := Load(file)
			if err != nil {
				t.Fatal(err)
			}
			out, err := Marshal(s)
			if err != nil {
				t.Fatal(err)
			}
			golden := strings.TrimSuffix(file, ".json") + ".golden"
			if *update {
				os.WriteFile(golden, out, 0o644)
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(out, want) {
				t.Errorf("Marshal differs from %s:\n%s", golden, out)
			}
			back, err := Parse(bytes.NewReader(out))
			if err != nil {
				t.Fatalf("Parse(Marshal(s)): %v", err)
			}
			if !reflect.DeepEqual(normalize(back), normalize(s)) {
				t.Errorf("Parse(Marshal(s)) != s:\n%#v\n%#v", normalize(back), normalize(s))
			}
			again, _ := Marshal(back)
			if !bytes.Equal(again, out) {
				t.Errorf("Marshal is not stable:\n%s\n%s", out, again)
			}
		})
	}
}

// TestLoadLimit: the limit holds to the byte, whether Load learns the size
// from the file system or only by reading (a device).
func TestLoadLimit(t *testing.T) {
	path := filepath.Join("testdata", "scripts", "echo.json")
	src, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	size := int64(len(src))
	if _, err := load(path, size); err != nil {
		t.Errorf("load at the limit: %v", err)
	}
	want := "scenario: " + path + ": the script is larger than " + fmt.Sprint(size-1) + " bytes"
	if _, err := load(path, size-1); err == nil || err.Error() != want {
		t.Errorf("load one byte over the limit: got %v, want %s", err, want)
	}

	const dev = "/dev/zero" // endless, and its size is 0
	if _, err := os.Stat(dev); err != nil {
		t.Skipf("no %s: %v", dev, err)
	}
	want = "scenario: " + dev + ": the script is larger than 1 MiB"
	if _, err := load(dev, 1<<20); err == nil || err.Error() != want {
		t.Errorf("load of %s: got %v, want %s", dev, err, want)
	}
}
