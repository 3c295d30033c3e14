package reconnecting_test

import (
	"net/http"
	"os"
	"regexp"
	"strings"
	"testing"
	"testing/synctest"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/wsdouble/wsdouble"
	"github.com/wsdouble/wsdouble/examples/reconnecting"
	"github.com/wsdouble/wsdouble/wstest"
)

// The two tests below are the walk-through of README.md's section "Testing
// a reconnecting client", copied there verbatim between snippet markers;
// TestReadmeSnippetsAreTestsThatRun keeps the copy in sync. Edit them here,
// then paste them there.

// Behaviour 1: the first attempt is immediate; then the n-th retry in a row
// waits min × grow^(n-1), capped at max.
func TestBackoffGrowsAndCaps(t *testing.T) {
	synctest.Test(t, func(t *testing.T) { // virtual time: 39 s of backoff in microseconds
		d := wstest.NewFakeDialer(t) // the server's side: each attempt waits for the test
		start := time.Now()
		c, err := reconnecting.New(d.Constructor(), "ws://example.test/", reconnecting.Options{
			MinReconnectionDelay: time.Second, ReconnectionDelayGrowFactor: 2, MaxReconnectionDelay: 8 * time.Second})
		require.NoError(t, err)
		defer func() { c.Close(wsdouble.CloseNormalClosure, ""); <-c.Done() }() // stopped before the dialer

		for range 7 { // the server refuses seven attempts in a row
			a, err := d.NextAttempt(t.Context())
			require.NoError(t, err)
			require.NoError(t, a.Refuse(http.StatusServiceUnavailable, nil, "busy"))
		}
		_, err = d.NextAttempt(t.Context()) // the client comes back once more
		require.NoError(t, err)
		assert.Zero(t, d.Attempts()[0].Time.Sub(start), "the first attempt is immediate")
		wstest.AssertBackoff(t, d, wstest.Backoff{Min: time.Second, Factor: 2, Max: 8 * time.Second}) // 1, 2, 4, 8, 8... s
	})
}

// Behaviour 6: a connection lost without a close frame (close 1006) is
// replaced after the first delay.
func TestAbruptDropReconnects(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		d := wstest.NewFakeDialer(t)
		c, err := reconnecting.New(d.Constructor(), "ws://example.test/", reconnecting.Options{MinReconnectionDelay: time.Second})
		require.NoError(t, err)
		defer func() { c.Close(wsdouble.CloseNormalClosure, ""); <-c.Done() }() // stopped before the dialer
		closed := make(chan wsdouble.Event, 1)
		c.AddEventListener(wsdouble.EventClose, wsdouble.ListenerFunc(func(e wsdouble.Event) { closed <- e }))

		a, err := d.NextAttempt(t.Context())
		require.NoError(t, err)
		peer, err := a.Accept(wstest.AcceptOptions{})
		require.NoError(t, err)
		synctest.Wait() // until every goroutine of the bubble is blocked: the client is open

		require.NoError(t, peer.Drop()) // the server dies: no close frame
		require.Equal(t, wsdouble.CloseEvent{Code: wsdouble.CloseAbnormalClosure}, <-closed)
		_, err = d.NextAttempt(t.Context()) // the client comes back, MinReconnectionDelay later
		require.NoError(t, err)
		wstest.AssertBackoff(t, d, wstest.Backoff{Min: time.Second})
	})
}

// snippet matches a Go code block of README.md between the markers
// <!-- snippet: NAME --> and <!-- end snippet -->.
var snippet = regexp.MustCompile("(?s)<!-- snippet: ([^ ]+) -->\n```go\n(.*?)```\n<!-- end snippet -->")

// TestReadmeSnippetsAreTestsThatRun checks that every Go snippet of README.md
// marked as coming from this file appears in it verbatim, so that the
// README only shows code that CI runs, and that together they stay under 40
// lines of code.
func TestReadmeSnippetsAreTestsThatRun(t *testing.T) {
	readme, err := os.ReadFile("../../README.md")
	require.NoError(t, err)
	self, err := os.ReadFile("readme_test.go")
	require.NoError(t, err)
	found, lines := 0, 0
	for _, m := range snippet.FindAllStringSubmatch(string(readme), -1) {
		if m[1] != "examples/reconnecting/readme_test.go" {
			continue
		}
		found++
		assert.Contains(t, string(self), m[2], "README.md's snippet %d is not in readme_test.go as it is: copy the test again", found)
		for _, line := range strings.Split(m[2], "\n") {
			if strings.TrimSpace(line) != "" {
				lines++
			}
		}
	}
	assert.Equal(t, 2, found, "README.md should show two snippets of readme_test.go")
	assert.Less(t, lines, 40, "the README's walk-through should stay under 40 lines of code")
}
