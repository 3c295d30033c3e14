package wstest_test

import (
	"slices"
	"strings"
	"testing"
	"testing/synctest"

	"github.com/wsdouble/wsdouble"
	"github.com/wsdouble/wsdouble/wstest"
)

// TestKeepAttempts: with KeepAttempts(n), the log of a long run keeps the
// first n attempts and the latest, at least n and in all fewer than 3n,
// numbered among all of them; without it, it keeps every attempt. On both
// acceptors, the Server through its in-memory transport.
func TestKeepAttempts(t *testing.T) {
	const attempts, keep = 100, 10
	for _, c := range []struct {
		name string
		make func(t *testing.T, opts ...wstest.Option) (wstest.AttemptLog, wsdouble.Constructor, string)
	}{
		{"fake", func(t *testing.T, opts ...wstest.Option) (wstest.AttemptLog, wsdouble.Constructor, string) {
			d := wstest.NewFakeDialer(t, opts...)
			return d, d.Constructor(), "ws://keep.test/"
		}},
		{"memory", func(t *testing.T, opts ...wstest.Option) (wstest.AttemptLog, wsdouble.Constructor, string) {
			srv := wstest.NewServer(t, opts...)
			return srv, srv.Constructor(), wstest.MemoryURL
		}},
	} {
		for _, bounded := range []bool{false, true} {
			t.Run(c.name, func(t *testing.T) {
				synctest.Test(t, func(t *testing.T) {
					opts := []wstest.Option{wstest.AutoAccept(wstest.Echo)}
					if bounded {
						opts = append(opts, wstest.KeepAttempts(keep))
					}
					log, ctor, url := c.make(t, opts...)
					for range attempts {
						ws, err := ctor(url)
						if err != nil {
							t.Fatal(err)
						}
						done := make(chan struct{})
						ws.AddEventListener(wsdouble.EventOpen, wsdouble.ListenerFunc(func(wsdouble.Event) { ws.Close(1000, "") }))
						ws.AddEventListener(wsdouble.EventClose, wsdouble.ListenerFunc(func(wsdouble.Event) { close(done) }))
						<-done
					}
					got := log.Attempts()
					var want []int // the numbers kept
					if bounded {
						if len(got) < 2*keep || len(got) >= 3*keep {
							t.Fatalf("%d records, want %d to %d", len(got), 2*keep, 3*keep-1)
						}
						for n := 1; n <= keep; n++ {
							want = append(want, n)
						}
						for n := attempts - (len(got) - keep) + 1; n <= attempts; n++ {
							want = append(want, n)
						}
					} else {
						for n := 1; n <= attempts; n++ {
							want = append(want, n)
						}
					}
					var ns []int
					for _, r := range got {
						ns = append(ns, r.N)
						if r.Outcome != wstest.Accepted || r.End.Kind != wstest.ClientClosed {
							t.Errorf("#%d: %v, %v; want accepted, client closed", r.N, r.Outcome, r.End)
						}
					}
					if !slices.Equal(ns, want) {
						t.Errorf("bounded %v: the log keeps %v, want %v", bounded, ns, want)
					}
				})
			})
		}
	}
}

// TestKeepAttemptsValidation: n must be at least 1.
func TestKeepAttemptsValidation(t *testing.T) {
	for _, n := range []int{0, -1} {
		ftb := &fakeTB{}
		func() {
			defer func() { recover() }()
			wstest.NewServer(ftb, wstest.KeepAttempts(n))
		}()
		ftb.runCleanups()
		if len(ftb.errors) != 1 || !strings.Contains(ftb.errors[0], "KeepAttempts: got") {
			t.Errorf("NewServer with KeepAttempts(%d): %q", n, ftb.errors)
		}
	}
}
