package wstest

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"sync"
	"time"

	"github.com/gorilla/websocket"

	"github.com/wsdouble/wsdouble"
)

// serverPeer is the Peer of a Server connection. Its reader runs on the
// request's handler goroutine (readLoop); writes are serialized by wmu.
type serverPeer struct {
	s        *Server
	rec      *AttemptRecord
	req      *http.Request
	protocol string
	conn     *websocket.Conn
	done     chan struct{}

	wmu sync.Mutex // gorilla allows one writer at a time

	mu          sync.Mutex
	inbox       []wsdouble.Message
	waiters     []chan struct{}
	closeSent   bool // a close frame went out: ours, or our echo
	sentCode    int  // the code of our own close frame, when we started
	sentReason  string
	serverClose bool // we started the closing handshake
	clientClose *End // the client started it; set when its frame arrived
	dropped     bool
	shut        bool
	closeTimer  *time.Timer
	ended       bool
	end         End
}

func newServerPeer(a *serverAttempt, conn *websocket.Conn) *serverPeer {
	p := &serverPeer{
		s:        a.s,
		rec:      a.rec,
		req:      a.req,
		protocol: conn.Subprotocol(),
		conn:     conn,
		done:     make(chan struct{}),
	}
	if a.s.cfg.readLimit > 0 {
		conn.SetReadLimit(a.s.cfg.readLimit)
	}
	conn.SetCloseHandler(p.onCloseFrame)
	a.s.mu.Lock()
	a.s.peers[p] = struct{}{}
	a.s.mu.Unlock()
	return p
}

func (p *serverPeer) Request() *http.Request { return p.req }
func (p *serverPeer) Protocol() string       { return p.protocol }
func (p *serverPeer) Done() <-chan struct{}  { return p.done }

func (p *serverPeer) Send(m wsdouble.Message) error {
	if m.Type != wsdouble.TextMessage && m.Type != wsdouble.BinaryMessage {
		return fmt.Errorf("%w: type %v", wsdouble.ErrInvalidMessage, m.Type)
	}
	p.mu.Lock()
	if p.ended || p.closeSent {
		err := p.closedErrLocked()
		p.mu.Unlock()
		return err
	}
	p.mu.Unlock()
	p.wmu.Lock()
	err := p.conn.WriteMessage(int(m.Type), m.Data)
	p.wmu.Unlock()
	if err != nil {
		return fmt.Errorf("wstest: Peer.Send: %w", err)
	}
	p.s.mu.Lock()
	p.rec.ToClient++
	p.s.mu.Unlock()
	return nil
}

func (p *serverPeer) closedErrLocked() error {
	if p.ended {
		return closedError(p.end)
	}
	return fmt.Errorf("%w (closing handshake started)", ErrPeerClosed)
}

func (p *serverPeer) Receive(ctx context.Context) (wsdouble.Message, error) {
	for {
		p.mu.Lock()
		if len(p.inbox) > 0 {
			m := p.inbox[0]
			p.inbox[0] = wsdouble.Message{}
			p.inbox = p.inbox[1:]
			p.mu.Unlock()
			return m, nil
		}
		if p.ended {
			err := closedError(p.end)
			p.mu.Unlock()
			return wsdouble.Message{}, err
		}
		ch := make(chan struct{})
		p.waiters = append(p.waiters, ch)
		p.mu.Unlock()
		select {
		case <-ch:
		case <-ctx.Done():
			p.mu.Lock()
			p.waiters = slices.DeleteFunc(p.waiters, func(c chan struct{}) bool { return c == ch })
			p.mu.Unlock()
			return wsdouble.Message{}, fmt.Errorf("wstest: Peer.Receive: no message from the client before %w", context.Cause(ctx))
		}
	}
}

func (p *serverPeer) wakeLocked() {
	for _, ch := range p.waiters {
		close(ch)
	}
	p.waiters = nil
}

func (p *serverPeer) Close(code int, reason string) error {
	if err := wsdouble.ValidateServerClose(code, reason); err != nil {
		return err
	}
	p.mu.Lock()
	if p.ended || p.closeSent {
		err := p.closedErrLocked()
		p.mu.Unlock()
		return err
	}
	p.closeSent, p.serverClose = true, true
	p.sentCode, p.sentReason = code, reason
	if code == 0 {
		p.sentCode = wsdouble.CloseNoStatusReceived
	}
	p.mu.Unlock()

	payload := []byte{}
	if code != 0 {
		payload = websocket.FormatCloseMessage(code, reason)
	}
	timeout := p.s.cfg.closeTimeout
	if err := p.conn.WriteControl(websocket.CloseMessage, payload, time.Now().Add(timeout)); err != nil {
		p.conn.Close()
		return fmt.Errorf("wstest: Peer.Close: %w", err)
	}
	t := time.AfterFunc(timeout, func() { p.conn.Close() })
	p.mu.Lock()
	p.closeTimer = t
	p.mu.Unlock()
	return nil
}

func (p *serverPeer) Drop() error {
	p.mu.Lock()
	if p.ended {
		err := closedError(p.end)
		p.mu.Unlock()
		return err
	}
	p.dropped = true
	p.mu.Unlock()
	p.conn.Close()
	return nil
}

// shutdown ends the connection for Server.Close.
func (p *serverPeer) shutdown() {
	p.mu.Lock()
	p.shut = !p.ended
	p.mu.Unlock()
	p.conn.Close()
}

func (p *serverPeer) Wait(ctx context.Context) (End, error) {
	select {
	case <-p.done:
		p.mu.Lock()
		defer p.mu.Unlock()
		return p.end, nil
	case <-ctx.Done():
		return End{}, fmt.Errorf("wstest: Peer.Wait: connection still open at %w", context.Cause(ctx))
	}
}

// onCloseFrame runs on the reader when a close frame arrives: it completes
// our closing handshake, or answers the client's by echoing its code (RFC
// 6455 §5.5.1).
func (p *serverPeer) onCloseFrame(code int, text string) error {
	p.mu.Lock()
	if p.closeSent {
		p.mu.Unlock()
		return nil
	}
	p.closeSent = true
	p.clientClose = &End{Kind: ClientClosed, Code: code, Reason: text}
	p.mu.Unlock()
	payload := []byte{}
	if code != wsdouble.CloseNoStatusReceived {
		payload = websocket.FormatCloseMessage(code, "")
	}
	p.conn.WriteControl(websocket.CloseMessage, payload, time.Now().Add(p.s.cfg.closeTimeout))
	return nil
}

func (p *serverPeer) readLoop() {
	for {
		mt, data, err := p.conn.ReadMessage()
		if err != nil {
			p.finish(err)
			return
		}
		p.mu.Lock()
		p.inbox = append(p.inbox, wsdouble.Message{Type: wsdouble.MessageType(mt), Data: data})
		p.wakeLocked()
		p.mu.Unlock()
		p.s.mu.Lock()
		p.rec.FromClient++
		p.s.mu.Unlock()
	}
}

// finish closes the transport once the reader stopped with err, and records
// how the connection ended. As the server, it closes the TCP connection
// first once the closing handshake is done (RFC 6455 §7.1.1).
func (p *serverPeer) finish(err error) {
	p.conn.Close()
	now := time.Now()
	// gorilla reports an unexpected EOF as a *CloseError with code 1006;
	// only other codes come from a close frame.
	var ce *websocket.CloseError
	gotClose := errors.As(err, &ce) && ce.Code != websocket.CloseAbnormalClosure
	p.mu.Lock()
	if p.closeTimer != nil {
		p.closeTimer.Stop()
	}
	var end End
	switch {
	case p.clientClose != nil:
		end = *p.clientClose
		end.Clean = gotClose
	case p.serverClose:
		end = End{Kind: ServerClosed, Code: p.sentCode, Reason: p.sentReason, Clean: gotClose}
		if !gotClose {
			end.Err = err
		}
	case p.dropped:
		end = End{Kind: Dropped}
	case p.shut:
		end = End{Kind: Shutdown}
	default:
		end = End{Kind: ClientGone, Err: err}
	}
	end.Time = now
	p.end, p.ended = end, true
	p.wakeLocked()
	p.mu.Unlock()

	p.s.mu.Lock()
	p.rec.End = end
	delete(p.s.peers, p)
	p.s.mu.Unlock()
	close(p.done)
}
