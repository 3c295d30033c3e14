package clientcheck_test

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/wsdouble/wsdouble"
	"github.com/wsdouble/wsdouble/clientcheck"
	"github.com/wsdouble/wsdouble/scenario"
	"github.com/wsdouble/wsdouble/wstest"
)

// A harness for a client written on the wsdouble contract: Start builds
// it on the Target's Constructor and returns how to stop it; Healthy is
// what the server sees on every healthy connection; Rules answer its
// heartbeats; Policy is what it claims. In a test, Assert runs each case
// as a subtest, in a synctest bubble of its own:
//
//	func TestMyClientSurvivesTheNetwork(t *testing.T) {
//		clientcheck.Assert(t, harness)                         // on the fake
//		clientcheck.Assert(t, harness, clientcheck.InMemory()) // real frames
//	}
func Example() {
	healthy, _ := scenario.New("healthy").Attempt().Accept().
		ExpectJSON(`{"op":"subscribe"}`).Within(2 * time.Second).
		OnJSON(`{"op":"ping"}`).ReplyJSON(`{"op":"pong"}`).
		Build()
	harness := clientcheck.Harness{
		Name: "my client",
		Start: func(ctx context.Context, t clientcheck.Target) (func(context.Context) error, error) {
			c, err := startMyClient(t.Constructor, t.URL)
			if err != nil {
				return nil, err
			}
			return c.stop, nil
		},
		Healthy: healthy.Attempts[0].Steps,
		Rules:   healthy.Attempts[0].Rules,
		Policy: clientcheck.Policy{
			Backoff:        wstest.Backoff{Min: time.Second, Factor: 2, Max: 30 * time.Second, ResetAfter: 10 * time.Second},
			GiveUpStatuses: []int{401, 403},
			ConnectTimeout: 5 * time.Second,
			Keepalive:      15 * time.Second, // a ping every 10 s, a pong within 5 s
		},
	}
	_ = harness
}

// myClient stands for the client under test.
type myClient struct{ ws wsdouble.IWebSocket }

func startMyClient(dial wsdouble.Constructor, url string) (*myClient, error) {
	ws, err := dial(url)
	return &myClient{ws}, err
}

func (c *myClient) stop(context.Context) error { return c.ws.Close(wsdouble.CloseNormalClosure, "") }

// The battery's cases of one family, with what each wants of a client.
func ExampleCases() {
	for _, c := range clientcheck.Cases() {
		if strings.HasPrefix(c.Name, "close/") {
			fmt.Printf("%-13s %s\n", c.Name, c.Expect)
		}
	}
	// Output:
	// close/1000    reconnects after its first delay, or gives up if 1000 is one of its GiveUpCodes
	// close/1001    reconnects after its first delay
	// close/1011    reconnects after its first delay
	// close/1012    reconnects after its first delay and resubscribes
	// close/1013    reconnects after its first delay
	// close/4000    reconnects after its first delay, unless 4000 is one of its GiveUpCodes
	// close/no-code reconnects after its first delay
	// close/give-up gives up: no further attempt (skipped without GiveUpCodes)
}

// The invariants read an Outcome: here one written by hand, where a client
// came back at once after a refusal, and again after the server said 401,
// which its policy gives up on. Play makes Outcomes of scripts and
// clients; a caller may check its own invariants beside these.
func ExampleCheckInvariants() {
	start := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	o := &clientcheck.Outcome{
		Policy: clientcheck.Policy{Backoff: wstest.Backoff{Min: time.Second, Factor: 2}, GiveUpStatuses: []int{401}},
		Start:  start, StopAt: start.Add(time.Minute),
		Attempts: []wstest.AttemptRecord{
			{N: 1, Time: start, Outcome: wstest.Refused, Status: 503, AnswerTime: start},
			{N: 2, Time: start, Outcome: wstest.Refused, Status: 401, AnswerTime: start},
			{N: 3, Time: start.Add(2 * time.Second), Outcome: wstest.Accepted, Status: 101, AnswerTime: start.Add(2 * time.Second)},
		},
	}
	err := clientcheck.CheckInvariants(o)
	fmt.Println(err)
	// Output:
	// backoff: attempt #2 came 0s after #1 was over (refused 503), want 1s (retry 1 in a row): sooner than the policy allows
	// gives-up: attempt #3 came 2s after #2 was refused 401, want none: the policy gives up on the status 401
}
