package scenario_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"testing/synctest"
	"time"

	"github.com/wsdouble/wsdouble/internal/artifacttest"
	"github.com/wsdouble/wsdouble/internal/htmlreport"
	"github.com/wsdouble/wsdouble/scenario"
	"github.com/wsdouble/wsdouble/wstest"
)

// drawScript meets the test client (client_test.go) with a bit of
// everything a page draws: frames each way, binary, a fault and its heal,
// a drop, a refusal, a missed expectation, a close.
func drawScript(t testing.TB) *scenario.Script {
	s, err := scenario.New("draw <me>").
		Attempt().Label("first").Accept().ExpectText(`{"op":"subscribe","id":1}`).SendText("ping").ExpectText("pong").
		Inject(wstest.Latency(10*time.Millisecond)).SendBinary([]byte{1, 2, 0xff}).Heal().Drop().
		Attempt().Refuse(503).
		Attempt().Label("miss").Accept().ExpectText("resubscribe").
		Attempt().Accept().ExpectText(`{"op":"subscribe","id":1}`).Close(4000, "bye").
		Build()
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// playDrawn plays drawScript on a FakeDialer with the test client and
// returns its page.
func playDrawn(t *testing.T) ([]byte, *scenario.Report) {
	var page bytes.Buffer
	var rep *scenario.Report
	synctest.Test(t, func(t *testing.T) {
		d := wstest.NewFakeDialer(t)
		c := startClient(d.Constructor(), "ws://draw.test/", time.Second)
		defer c.Stop()
		rep, _ = scenario.Run(t.Context(), d, drawScript(t))
		if err := scenario.WriteHTML(&page, rep); err != nil {
			t.Fatal(err)
		}
	})
	return page.Bytes(), rep
}

// pageData is the JSON a page draws.
func pageData(t *testing.T, page []byte) []map[string]any {
	t.Helper()
	m := regexp.MustCompile(`<script type="application/json" id="data">(.*)</script>`).FindSubmatch(page)
	if m == nil {
		t.Fatalf("the page has no data:\n%s", page)
	}
	var data struct{ Lanes []map[string]any }
	if err := json.Unmarshal(m[1], &data); err != nil {
		t.Fatal(err)
	}
	return data.Lanes
}

// TestWriteHTML: a report's page draws each attempt as a lane, with its
// answer, its events in order (kind and check), and its end; the same run
// is the same page, byte for byte.
func TestWriteHTML(t *testing.T) {
	page, rep := playDrawn(t)
	again, _ := playDrawn(t)
	if !bytes.Equal(page, again) {
		t.Errorf("two runs of one script in virtual time: pages of %d and %d bytes differ, want the same bytes", len(page), len(again))
	}
	lanes := pageData(t, page)
	type want struct{ answer, events, end string }
	wants := []want{
		{"accepted", "from/held to from/held fault to heal act", "dropped"},
		{"refused", "", ""},
		{"accepted", "from/missed mismatch", "server"},
		{"accepted", "from/held act", "server"},
	}
	if len(lanes) != len(wants) {
		t.Fatalf("lanes: got %d, want %d\n%s", len(lanes), len(wants), rep)
	}
	for i, w := range wants {
		l := lanes[i]
		var evs []string
		evl, _ := l["ev"].([]any)
		for _, e := range evl {
			if e := e.(map[string]any); e["c"] != nil {
				evs = append(evs, e["k"].(string)+"/"+e["c"].(string))
			} else {
				evs = append(evs, e["k"].(string))
			}
		}
		a, e := l["a"].(map[string]any), l["e"].(map[string]any)
		end, _ := e["k"].(string)
		if a["k"] != w.answer || strings.Join(evs, " ") != w.events || end != w.end {
			t.Errorf("lane %d: got answer %v, events %q, end %q; want %q, %q, %q", i+1, a["k"], evs, end, w.answer, w.events, w.end)
		}
		if (l["gap"] == nil) != (i == 0) {
			t.Errorf("lane %d: gap %v, want one before every attempt but the first", i+1, l["gap"])
		}
	}
	if !bytes.Contains(page, []byte(`"p":"01 02 ff"`)) || !bytes.Contains(page, []byte(`scenario &#34;draw &lt;me&gt;&#34;`)) {
		t.Errorf("the page lacks the binary frame's hex or the escaped title:\n%s", page)
	}
}

// TestWriteHTMLPasses: several reports share one page, a group of lanes
// each, along one time axis.
func TestWriteHTMLPasses(t *testing.T) {
	start := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	pass := func(at time.Duration) *scenario.Report {
		return &scenario.Report{Script: "s", Start: start.Add(at), Complete: true,
			Attempts: []scenario.AttemptReport{{Attempt: 1, N: 1, Answer: "refused 503", Outcome: wstest.Refused}}}
	}
	var b bytes.Buffer
	if err := scenario.WriteHTML(&b, pass(0), pass(time.Minute)); err != nil {
		t.Fatal(err)
	}
	lanes := pageData(t, b.Bytes())
	if len(lanes) != 2 || lanes[0]["g"] != "pass 1" || lanes[1]["g"] != "pass 2" || lanes[1]["at"] != float64(60e6) {
		t.Errorf("two passes: got lanes %v, want pass 1 and pass 2, the second at +1m", lanes)
	}
	if !strings.Contains(b.String(), "scenario &#34;s&#34;: 2 passes") {
		t.Errorf("two passes: the title does not say so:\n%s", b.String())
	}
}

// artifactTB is a fakeTB with an artifact directory.
type artifactTB struct {
	fakeTB
	dir string
}

func (a *artifactTB) ArtifactDir() string { return a.dir }

// missScript wants a message the test client never sends.
func missScript(t testing.TB) *scenario.Script {
	s, err := scenario.New("miss").Attempt().Accept().ExpectText("resubscribe").Within(time.Second).Build()
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// TestPlayNotDrawnWithoutArtifacts: without -artifacts, Play's failure and
// Wait's error say nothing of a drawing, even for a TB with ArtifactDir.
func TestPlayNotDrawnWithoutArtifacts(t *testing.T) {
	if htmlreport.ArtifactsOn() {
		t.Skip("run with -artifacts: TestPlayDrawnUnderArtifacts covers it")
	}
	synctest.Test(t, func(t *testing.T) {
		tb := &artifactTB{dir: t.TempDir()}
		d := wstest.NewFakeDialer(t)
		c := startClient(d.Constructor(), "ws://draw.test/", time.Second)
		defer c.Stop()
		<-scenario.Play(tb, d, missScript(t)).Done()
		tb.cleanup()
		entries, _ := os.ReadDir(tb.dir)
		if len(tb.errors) != 1 || strings.Contains(tb.errors[0], "drawn") || len(entries) != 0 {
			t.Errorf("Play's failure: said %q, wrote %d files; want no drawing", tb.errors, len(entries))
		}
	})
}

// TestPlayDrawnUnderArtifacts runs TestPlayArtifactsChild* under go test
// -artifacts: a failed Play names its drawing, in the cleanup's failure or
// in the error Wait returns.
func TestPlayDrawnUnderArtifacts(t *testing.T) {
	if os.Getenv("SCENARIO_ARTIFACTS_CHILD") != "" {
		t.Skip("the child runs only the children")
	}
	output, out, err := artifacttest.Rerun(t, "^TestPlayArtifactsChild", "SCENARIO_ARTIFACTS_CHILD")
	if err == nil || !strings.Contains(output, "--- FAIL: TestPlayArtifactsChildCleanup") || !strings.Contains(output, "--- PASS: TestPlayArtifactsChildWait") {
		t.Fatalf("the child: %v, want TestPlayArtifactsChildCleanup to fail and TestPlayArtifactsChildWait to pass:\n%s", err, output)
	}
	m := regexp.MustCompile(`drawn: (\S+/wsdouble-scenario-miss\.html)`).FindStringSubmatch(output)
	if m == nil {
		t.Fatalf("the failure names no drawing:\n%s", output)
	}
	page, err := os.ReadFile(m[1])
	if err != nil || !strings.Contains(string(page), `"c":"missed"`) || !strings.HasPrefix(m[1], filepath.Join(out, "_artifacts")) {
		t.Errorf("drawn %s: %v; want the page, with the missed expectation, under %s", m[1], err, out)
	}
}

// TestPlayArtifactsChildCleanup fails on purpose, under
// TestPlayDrawnUnderArtifacts.
func TestPlayArtifactsChildCleanup(t *testing.T) {
	if os.Getenv("SCENARIO_ARTIFACTS_CHILD") == "" {
		t.Skip("run by TestPlayDrawnUnderArtifacts")
	}
	synctest.Test(t, func(t *testing.T) {
		d := wstest.NewFakeDialer(t)
		c := startClient(d.Constructor(), "ws://draw.test/", time.Second)
		t.Cleanup(c.Stop)
		<-scenario.Play(t, d, missScript(t)).Done()
	})
}

// TestPlayArtifactsChildWait: the error Wait hands over names the drawing
// and still unwraps to the mismatch.
func TestPlayArtifactsChildWait(t *testing.T) {
	if os.Getenv("SCENARIO_ARTIFACTS_CHILD") == "" {
		t.Skip("run by TestPlayDrawnUnderArtifacts")
	}
	synctest.Test(t, func(t *testing.T) {
		tb := &artifactTB{dir: t.TempDir()}
		d := wstest.NewFakeDialer(t)
		c := startClient(d.Constructor(), "ws://draw.test/", time.Second)
		defer c.Stop()
		pb := scenario.Play(tb, d, missScript(t))
		_, err := pb.Wait(context.Background())
		tb.cleanup()
		path := filepath.Join(tb.dir, "wsdouble-scenario-miss.html")
		var m scenario.Mismatch
		if _, serr := os.Stat(path); serr != nil || err == nil || !strings.HasSuffix(err.Error(), "\ndrawn: "+path) || !errors.As(err, &m) {
			t.Errorf("Wait: got %v (%v), want the report's error naming %s and unwrapping to its mismatch", err, serr, path)
		}
		if len(tb.errors) != 0 {
			t.Errorf("Play's cleanup reported %q after Wait handed the error over, want nothing", tb.errors)
		}
	})
}
