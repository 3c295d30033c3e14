package jsonrpc

import (
	"encoding/json"
	"errors"
	"fmt"
	"sync"

	"github.com/wsdouble/wsdouble"
)

// Request is a JSON-RPC 2.0 request (https://www.jsonrpc.org/specification).
type Request struct {
	JSONRPC string `json:"jsonrpc"`
	ID      int    `json:"id"`
	Method  string `json:"method"`
	Params  []any  `json:"params"`
}

// message is what the server sends: a response (ID set) or a
// notification (Method set).
type message struct {
	ID     *int            `json:"id"`
	Method string          `json:"method"`
	Result json.RawMessage `json:"result"`
	Error  *struct {
		Code    int    `json:"code"`
		Message string `json:"message"`
	} `json:"error"`
	Params struct {
		Subscription string          `json:"subscription"`
		Result       json.RawMessage `json:"result"`
	} `json:"params"`
}

// Notification is one value a subscription delivered.
type Notification struct {
	// Topic is the subscription's topic ("newHeads"); ID the id the
	// server gave it on the connection it came on.
	Topic, ID string
	Result    json.RawMessage
}

// Client subscribes to topics over a socket and delivers their
// notifications to a callback, on the socket's dispatch goroutine.
type Client struct {
	ws     wsdouble.IWebSocket
	notify func(Notification)

	mu      sync.Mutex
	nextID  int
	topics  []string          // subscribed, in order
	pending map[int]string    // request id -> topic, awaiting the reply
	subs    map[string]string // server's subscription id -> topic
	errs    []error
}

// New makes a client on ws, which may be a socket that reconnects; notify
// is called with each notification. Subscribe before the socket opens, or
// after: every open sends the subscriptions again.
func New(ws wsdouble.IWebSocket, notify func(Notification)) *Client {
	c := &Client{ws: ws, notify: notify, pending: map[int]string{}, subs: map[string]string{}}
	ws.AddEventListener(wsdouble.EventOpen, wsdouble.ListenerFunc(func(wsdouble.Event) { c.resubscribe() }))
	ws.AddEventListener(wsdouble.EventMessage, wsdouble.ListenerFunc(func(e wsdouble.Event) {
		c.handle(e.(wsdouble.MessageEvent).Message)
	}))
	return c
}

// Subscribe adds a topic: it is subscribed now if the socket is open, and
// again on every open.
func (c *Client) Subscribe(topic string) error {
	c.mu.Lock()
	c.topics = append(c.topics, topic)
	c.mu.Unlock()
	if c.ws.ReadyState() != wsdouble.Open {
		return nil
	}
	return c.send(topic)
}

// Errors returns the errors the server answered with, and the messages
// the client could not read.
func (c *Client) Errors() []error {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]error(nil), c.errs...)
}

func (c *Client) resubscribe() {
	c.mu.Lock()
	topics := append([]string(nil), c.topics...)
	clear(c.subs) // the server forgot them with the connection
	c.mu.Unlock()
	for _, t := range topics {
		c.send(t) // fails only if the socket closes meanwhile: the next open sends it
	}
}

func (c *Client) send(topic string) error {
	c.mu.Lock()
	c.nextID++
	id := c.nextID
	c.pending[id] = topic
	c.mu.Unlock()
	b, err := json.Marshal(Request{JSONRPC: "2.0", ID: id, Method: "eth_subscribe", Params: []any{topic}})
	if err != nil {
		return err
	}
	return c.ws.Send(wsdouble.Text(string(b)))
}

func (c *Client) handle(m wsdouble.Message) {
	var msg message
	if err := json.Unmarshal(m.Data, &msg); err != nil {
		c.fail(fmt.Errorf("jsonrpc: reading %v: %w", m, err))
		return
	}
	c.mu.Lock()
	switch {
	case msg.ID != nil:
		topic, ok := c.pending[*msg.ID]
		delete(c.pending, *msg.ID)
		var sub string
		switch {
		case !ok:
			c.errs = append(c.errs, fmt.Errorf("jsonrpc: a reply to id %d, which no request has", *msg.ID))
		case msg.Error != nil:
			c.errs = append(c.errs, fmt.Errorf("jsonrpc: subscribing to %s: %d %s", topic, msg.Error.Code, msg.Error.Message))
		case json.Unmarshal(msg.Result, &sub) != nil:
			c.errs = append(c.errs, fmt.Errorf("jsonrpc: subscribing to %s: the result %s is not a subscription id", topic, msg.Result))
		default:
			c.subs[sub] = topic
		}
		c.mu.Unlock()
	case msg.Method == "eth_subscription":
		topic, ok := c.subs[msg.Params.Subscription]
		c.mu.Unlock()
		if !ok {
			c.fail(errors.New("jsonrpc: a notification of subscription " + msg.Params.Subscription + ", which is not ours"))
			return
		}
		c.notify(Notification{Topic: topic, ID: msg.Params.Subscription, Result: msg.Params.Result})
	default:
		c.mu.Unlock()
	}
}

func (c *Client) fail(err error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.errs = append(c.errs, err)
}
