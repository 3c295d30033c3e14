package main_test

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"testing"

	cli "github.com/wsdouble/wsdouble/cmd/wsdouble"
	"github.com/wsdouble/wsdouble/scenario"
)

// TestServeExplorePrint: serve --explore SEED --print prints the schedule
// the explorer draws from SEED, the same every time, another for another
// seed; with a script, every accepted attempt plays the script's last
// one, the healthy session, first.
func TestServeExplorePrint(t *testing.T) {
	printed := func(args ...string) *scenario.Script {
		t.Helper()
		code, out, errOut := run(t, "", append([]string{"serve", "--print"}, args...)...)
		if code != cli.ExitOK {
			t.Fatalf("%v: exit %d: %s", args, code, errOut)
		}
		s, err := scenario.Parse(strings.NewReader(out))
		if err != nil {
			t.Fatalf("%v: the printed script: %v\n%s", args, err, out)
		}
		return s
	}
	a, again, other := printed("--explore", "3"), printed("--explore", "3"), printed("--explore", "4")
	if a.Name != "explore 3" || !a.Attempts[len(a.Attempts)-1].Repeat {
		t.Errorf("--explore 3: %q, its last attempt repeats: %v; want \"explore 3\", true", a.Name, a.Attempts[len(a.Attempts)-1].Repeat)
	}
	if outline(t, a) != outline(t, again) || outline(t, a) == outline(t, other) {
		t.Errorf("--explore 3 twice, then 4:\n%s\n%s\n%s", outline(t, a), outline(t, again), outline(t, other))
	}

	healthy := writeScript(t, `{"version": 1, "attempts": [{"accept": {},
  "rules": [{"on": {"text": "ping"}, "reply": {"text": "pong"}}],
  "steps": [{"expect": {"json": {"op": "subscribe"}}}]}]}`)
	for seed := range 20 {
		s := printed("--explore", strings.Repeat("1", seed+1), healthy)
		for i, at := range s.Attempts {
			if _, ok := at.Answer.(scenario.Accept); !ok {
				continue
			}
			if len(at.Rules) != 1 || at.Rules[0].String() != `on text "ping"` {
				t.Errorf("%s, attempt %d: rules %v, want the healthy one", s.Name, i+1, at.Rules)
			}
		}
	}

	// serve plays over loopback: the schedules may hold raw frames,
	// which a schedule for the fake never does.
	raw := 0
	for seed := range 100 {
		if strings.Contains(outline(t, printed("--explore", strconv.Itoa(seed+1))), `"raw"`) {
			raw++
		}
	}
	if raw == 0 {
		t.Errorf("no schedule of seeds 1 to 100 holds a raw frame, want some: serve has a wire")
	}

	if _, out, _ := run(t, "", "serve", "--help"); !strings.Contains(out, "--explore SEED") || !strings.Contains(out, "-print") {
		t.Errorf("--help says nothing of --explore and --print:\n%s", out)
	}
}

func outline(t *testing.T, s *scenario.Script) string {
	t.Helper()
	b, err := scenario.Marshal(s)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// TestServeExploreNeedsAHealthyAccept: the script that gives --explore its
// healthy session must end with an accept.
func TestServeExploreNeedsAHealthyAccept(t *testing.T) {
	refuses := writeScript(t, `{"version": 1, "attempts": [{"accept": {}}, {"refuse": {"status": 503}}]}`)
	code, _, errOut := run(t, "", "serve", "--explore", "1", refuses)
	const want = "wsdouble serve: --explore: the script's last attempt is the healthy session: it must accept, not refuse"
	if code != cli.ExitInvalid || strings.TrimSpace(errOut) != want {
		t.Errorf("exit %d, %q; want exit 2, %q", code, errOut, want)
	}
}

// TestServeExplore: serve --explore plays the schedule to a client, with
// its live timeline, until Ctrl-C. The seed is the first whose schedule
// starts with a connection the server closes at once, as --print says.
func TestServeExplore(t *testing.T) {
	seed, code := closesFirst(t)
	c := start(t, "serve", "--explore", seed, "--listen", "127.0.0.1:0")
	m := c.stdout.waitFor(t, regexp.MustCompile(`serving scenario "explore `+seed+`" \(\d+ attempts\) at (ws://127\.0\.0\.1:\d+/)`))
	cl := dial(t, m[1])
	cl.expect("open", fmt.Sprintf("close %d clean", code))
	c.stdout.waitFor(t, regexp.MustCompile(fmt.Sprintf(`#1\s+attempt 1: step 1 close %d`, code)))
	if code := c.stop(t); code != cli.ExitOK {
		t.Errorf("exit %d after Ctrl-C, want 0:\n%s%s", code, c.stdout, c.stderr)
	}
}

// closesFirst returns the first seed whose schedule's first attempt is
// accepted and closed at once with a code, and the code.
func closesFirst(t *testing.T) (string, int) {
	t.Helper()
	for seed := 1; seed <= 100; seed++ {
		code, out, errOut := run(t, "", "serve", "--explore", strconv.Itoa(seed), "--print")
		if code != cli.ExitOK {
			t.Fatalf("--explore %d --print: exit %d: %s", seed, code, errOut)
		}
		s, err := scenario.Parse(strings.NewReader(out))
		if err != nil {
			t.Fatal(err)
		}
		a := s.Attempts[0]
		if _, ok := a.Answer.(scenario.Accept); !ok || len(a.Steps) != 1 || a.After != 0 {
			continue
		}
		if c, ok := a.Steps[0].Action.(scenario.Close); ok && c.Code != 0 {
			return strconv.Itoa(seed), c.Code
		}
	}
	t.Fatal("no schedule of the first 100 seeds starts with a close")
	return "", 0
}
