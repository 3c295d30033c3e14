package scenario_test

import (
	"bytes"
	"errors"
	"strings"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/wsdouble/wsdouble/scenario"
	"github.com/wsdouble/wsdouble/wstest"
)

// syncBuffer is a journal's writer that a test can read while the proxy
// writes.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) Bytes() []byte {
	b.mu.Lock()
	defer b.mu.Unlock()
	return bytes.Clone(b.buf.Bytes())
}

// marshalAttempts is s in the file format, without its description.
func marshalAttempts(t *testing.T, s *scenario.Script) string {
	t.Helper()
	c := *s
	c.Description = ""
	b, err := scenario.Marshal(&c)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// TestJournalRecoversTheRecording: the journal of a finished recording
// gives back the script the proxy gives, redacted the same way.
func TestJournalRecoversTheRecording(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		upstream := wstest.NewServer(t)
		scenario.Play(t, upstream, secretUpstream(t))
		var journal syncBuffer
		proxy, err := scenario.NewProxy(t, "ws://upstream.test/", scenario.UpstreamDialer(upstream.Dialer()),
			scenario.WithRecordOptions(scenario.RedactFields("id")), scenario.ProxyJournal(&journal, "journalled"))
		if err != nil {
			t.Fatal(err)
		}
		c := startClient(proxy.Constructor(), "ws://proxy.test/", time.Second)
		<-c.Done()
		synctest.Wait()
		want, err := proxy.Script("journalled")
		if err != nil {
			t.Fatal(err)
		}
		proxy.Close()
		if err := proxy.JournalErr(); err != nil {
			t.Fatal(err)
		}
		got, err := scenario.RecoverJournal(bytes.NewReader(journal.Bytes()))
		if err != nil {
			t.Fatalf("RecoverJournal: %v\n%s", err, journal.Bytes())
		}
		if g, w := marshalAttempts(t, got), marshalAttempts(t, want); g != w {
			t.Errorf("recovered:\n%s\nwant, as the proxy recorded:\n%s", g, w)
		}
		wantDesc := "Recovered from the journal of a recording started 2000-01-01T00:00:00Z.\n" + want.Description
		if got.Description != wantDesc {
			t.Errorf("description:\n%s\nwant:\n%s", got.Description, wantDesc)
		}
		for _, secret := range []string{"t0k3n", "k3y", "s3ss", `\"id\":1`, `:7`} {
			if bytes.Contains(journal.Bytes(), []byte(secret)) {
				t.Errorf("the journal holds %s:\n%s", secret, journal.Bytes())
			}
		}
		if n := bytes.Count(journal.Bytes(), []byte("\n")); n < 10 {
			t.Errorf("the journal has %d lines, want one per event:\n%s", n, journal.Bytes())
		}
	})
}

// TestJournalMidSession: the journal read while a connection is open (as
// after a kill -9) holds everything up to then; a line cut short is left
// out.
func TestJournalMidSession(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		upstream := wstest.NewServer(t)
		s, err := scenario.New("upstream").
			Attempt().Refuse(503).
			Attempt().Accept().SendText("hello").Wait(time.Hour).SendText("late").
			Build()
		if err != nil {
			t.Fatal(err)
		}
		scenario.Play(t, upstream, s)
		var journal syncBuffer
		proxy, err := scenario.NewProxy(t, "ws://upstream.test/", scenario.UpstreamDialer(upstream.Dialer()), scenario.ProxyJournal(&journal, "mid"))
		if err != nil {
			t.Fatal(err)
		}
		c := startClient(proxy.Constructor(), "ws://proxy.test/", time.Second)
		time.Sleep(time.Minute)
		synctest.Wait()
		snapshot := journal.Bytes()
		got, err := scenario.RecoverJournal(bytes.NewReader(snapshot))
		if err != nil {
			t.Fatalf("RecoverJournal: %v\n%s", err, snapshot)
		}
		// What the proxy has recorded so far, the open connection said so.
		live, err := proxy.Script("mid")
		if err != nil {
			t.Fatal(err)
		}
		if len(live.Attempts) != 2 || len(live.Attempts[1].Steps) != 2 {
			t.Fatalf("the proxy recorded %+v, want a refusal then an accepted attempt with two steps", live.Attempts)
		}
		live.Attempts[1].Label = "recovered: the recording stopped with this connection open"
		want := marshalAttempts(t, live)
		if g := marshalAttempts(t, got); g != want {
			t.Errorf("recovered mid-session:\n%s\nwant:\n%s", g, want)
		}
		if want := "Recovered from the journal of a recording started 2000-01-01T00:00:00Z; 1 connections were still open when it stopped."; got.Description != want {
			t.Errorf("description: %q, want %q", got.Description, want)
		}

		// A line cut short by the crash is left out, and said so.
		cut := append(bytes.Clone(snapshot), `{"attempt": 2, "steps": {"vers`...)
		got2, err := scenario.RecoverJournal(bytes.NewReader(cut))
		if err != nil {
			t.Fatalf("RecoverJournal of a cut journal: %v", err)
		}
		if marshalAttempts(t, got2) != want || !strings.Contains(got2.Description, "its last line was cut short and is left out") {
			t.Errorf("recovered from a cut journal:\n%s\n%s", got2.Description, marshalAttempts(t, got2))
		}
		c.Stop()
		<-c.Done()
	})
}

func TestRecoverJournalErrors(t *testing.T) {
	header := `{"wsdouble_journal": 1, "name": "x", "started": "2025-01-01T00:00:00Z"}` + "\n"
	for _, tt := range []struct{ name, src, want string }{
		{"empty", "", "scenario: RecoverJournal: not a wsdouble journal"},
		{"a script", `{"version": 1, "attempts": [{"hang": {}}]}` + "\n", "scenario: RecoverJournal: not a wsdouble journal"},
		{"future version", `{"wsdouble_journal": 2}` + "\n", "scenario: RecoverJournal: journal version 2, want 1"},
		{"no attempt", header, "scenario: RecoverJournal: the journal holds no attempt"},
		{"not JSON", header + "{\"attempt\": 1}\nnope\n", "scenario: RecoverJournal: 3:2: invalid character 'o' in literal null (expecting 'u')"},
		{"out of order", header + "{\"attempt\": 2}\n", "scenario: RecoverJournal: 2:1: attempt 2 after 0 attempts, want 1 to 1"},
		{"bad script", header + "{\"attempt\": 1, \"answer\": {\"version\": 1, \"attempts\": [{\"refuse\": {\"status\": 42}}]}}\n",
			"scenario: RecoverJournal: 2:76: attempt 1: refuse.status: 42 is not a final HTTP status"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			_, err := scenario.RecoverJournal(strings.NewReader(tt.src))
			if err == nil || !strings.HasPrefix(err.Error(), tt.want) {
				t.Errorf("RecoverJournal:\n got %v\nwant %s", err, tt.want)
			}
			if notJournal := strings.Contains(tt.want, "not a wsdouble journal"); errors.Is(err, scenario.ErrNotJournal) != notJournal {
				t.Errorf("errors.Is(%v, ErrNotJournal) = %v, want %v", err, !notJournal, notJournal)
			}
		})
	}
}
