package flawed

import "fmt"

// Bug is the one bug a Client carries, or None. Each is one class of
// reconnect bug.
type Bug int

// The bugs.
const (
	// None: the client follows its policy.
	None Bug = iota
	// NoBackoffReset: the retry count never starts over, however long a
	// connection stayed up.
	NoBackoffReset
	// HotLoopOnDrop: when an open connection ends without a close frame
	// (1006), the client dials again at once, with no delay.
	HotLoopOnDrop
	// NoResubscribeAfter1012: after the server closed with 1012 (service
	// restart), the next connection does not subscribe.
	NoResubscribeAfter1012
	// DeafKeepalive: the client pings but never notices that no pong
	// came: a half-open connection stays for ever.
	DeafKeepalive
	// LeakPerReconnect: every connection after the first starts a
	// goroutine that nothing stops but the end of the client's context.
	LeakPerReconnect
	// TwoConnections: when the keepalive gives up on a connection, the
	// client dials a new one without closing the old.
	TwoConnections
	// NeverGivesUp: the client ignores MaxRetries, GiveUpStatuses and
	// GiveUpCodes.
	NeverGivesUp
	// GivesUpEarly: the client gives up one retry before MaxRetries.
	GivesUpEarly
	// IgnoresConnectTimeout: the client waits for a handshake answer for
	// ever.
	IgnoresConnectTimeout
	// LeavesConnectionOpen: on Stop, the client forgets its connection
	// instead of closing it.
	LeavesConnectionOpen
	// DoubleSubscribe: when a connection ends before the server
	// acknowledged the subscription, the client queues the subscription
	// to send again, as it does any unacknowledged request; the next
	// connection subscribes on open, then once more from the queue.
	DoubleSubscribe
	// ResetOnOpen: the retry count starts over as soon as a connection
	// opens, not once it stayed up ResetAfter: a server that accepts and
	// drops at once is retried at the first delay for ever.
	ResetOnOpen
	// LosesQueuedOnClose: when the server closes the connection (a close
	// frame) while the client flushes its queue, the client takes the
	// whole queue for delivered: what it had not sent yet is lost.
	LosesQueuedOnClose
)

// String returns the bug's name, "none" for None.
func (b Bug) String() string {
	switch b {
	case None:
		return "none"
	case NoBackoffReset:
		return "no-backoff-reset"
	case HotLoopOnDrop:
		return "hot-loop-on-drop"
	case NoResubscribeAfter1012:
		return "no-resubscribe-after-1012"
	case DeafKeepalive:
		return "deaf-keepalive"
	case LeakPerReconnect:
		return "leak-per-reconnect"
	case TwoConnections:
		return "two-connections"
	case NeverGivesUp:
		return "never-gives-up"
	case GivesUpEarly:
		return "gives-up-early"
	case IgnoresConnectTimeout:
		return "ignores-connect-timeout"
	case LeavesConnectionOpen:
		return "leaves-connection-open"
	case DoubleSubscribe:
		return "double-subscribe"
	case ResetOnOpen:
		return "reset-on-open"
	case LosesQueuedOnClose:
		return "loses-queued-on-close"
	}
	return fmt.Sprintf("Bug(%d)", int(b))
}
