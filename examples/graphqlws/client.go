package graphqlws

import (
	"encoding/json"
	"fmt"
	"strconv"
	"sync"

	"github.com/wsdouble/wsdouble"
)

// Subprotocol is the protocol's name, which a client offers and a server
// chooses in the handshake.
const Subprotocol = "graphql-transport-ws"

// Message is a message of the protocol.
type Message struct {
	ID      string          `json:"id,omitempty"`
	Type    string          `json:"type"`
	Payload json.RawMessage `json:"payload,omitempty"`
}

// Client runs subscriptions on one socket.
type Client struct {
	ws wsdouble.IWebSocket

	mu     sync.Mutex
	acked  bool
	nextID int
	subs   map[string]*subscription
	queued []string // ids subscribed before the ack
	errs   []error
}

type subscription struct {
	query string
	next  func(json.RawMessage)
	done  chan struct{}
}

// New makes a client on ws, a socket made offering Subprotocol.
func New(ws wsdouble.IWebSocket) *Client {
	c := &Client{ws: ws, subs: map[string]*subscription{}}
	ws.AddEventListener(wsdouble.EventOpen, wsdouble.ListenerFunc(func(wsdouble.Event) {
		c.send(Message{Type: "connection_init", Payload: json.RawMessage(`{}`)})
	}))
	ws.AddEventListener(wsdouble.EventMessage, wsdouble.ListenerFunc(func(e wsdouble.Event) {
		c.handle(e.(wsdouble.MessageEvent).Message)
	}))
	return c
}

// Subscribe starts a subscription: next is called with the payload of each
// next message, and the channel returned is closed at complete.
func (c *Client) Subscribe(query string, next func(json.RawMessage)) <-chan struct{} {
	c.mu.Lock()
	c.nextID++
	id := strconv.Itoa(c.nextID)
	s := &subscription{query: query, next: next, done: make(chan struct{})}
	c.subs[id] = s
	acked := c.acked
	if !acked {
		c.queued = append(c.queued, id)
	}
	c.mu.Unlock()
	if acked {
		c.subscribe(id, query)
	}
	return s.done
}

// Errors returns what the client could not make sense of.
func (c *Client) Errors() []error {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]error(nil), c.errs...)
}

func (c *Client) subscribe(id, query string) {
	payload, _ := json.Marshal(map[string]string{"query": query})
	c.send(Message{ID: id, Type: "subscribe", Payload: payload})
}

func (c *Client) send(m Message) {
	b, _ := json.Marshal(m)
	if err := c.ws.Send(wsdouble.Text(string(b))); err != nil {
		c.fail(err)
	}
}

func (c *Client) handle(raw wsdouble.Message) {
	var m Message
	if err := json.Unmarshal(raw.Data, &m); err != nil {
		c.fail(fmt.Errorf("graphqlws: reading %v: %w", raw, err))
		return
	}
	switch m.Type {
	case "connection_ack":
		c.mu.Lock()
		c.acked = true
		queued := c.queued
		c.queued = nil
		subs := make([]string, len(queued))
		for i, id := range queued {
			subs[i] = c.subs[id].query
		}
		c.mu.Unlock()
		for i, id := range queued {
			c.subscribe(id, subs[i])
		}
	case "ping":
		c.send(Message{Type: "pong"})
	case "pong":
	case "next", "complete", "error":
		c.mu.Lock()
		s := c.subs[m.ID]
		if s != nil && m.Type != "next" {
			delete(c.subs, m.ID)
		}
		c.mu.Unlock()
		switch {
		case s == nil:
			c.fail(fmt.Errorf("graphqlws: %s for id %q, which is no subscription of ours", m.Type, m.ID))
		case m.Type == "next":
			s.next(m.Payload)
		case m.Type == "error":
			c.fail(fmt.Errorf("graphqlws: subscription %s: %s", m.ID, m.Payload))
			close(s.done)
		default:
			close(s.done)
		}
	default:
		c.fail(fmt.Errorf("graphqlws: unknown message type %q", m.Type))
	}
}

func (c *Client) fail(err error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.errs = append(c.errs, err)
}
