package mockws_test

import (
	"fmt"
	"testing"

	"go.uber.org/goleak"
	"go.uber.org/mock/gomock"

	"github.com/wsdouble/wsdouble"
	"github.com/wsdouble/wsdouble/mockws"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// greeter is the code under test: once its socket opens, it says hello.
func greeter(ws wsdouble.IWebSocket) {
	ws.AddEventListener(wsdouble.EventOpen, wsdouble.ListenerFunc(func(wsdouble.Event) {
		ws.Send(wsdouble.Text("hello"))
	}))
}

// A mock socket has no events of its own: DoAndReturn captures the listener
// the code under test registers, and the test fires the event by calling
// it. The expectations then check what the code did in answer: here, that
// it sent hello, once, after the open event.
//
// In a test, pass t to gomock.NewController; an Example has none, so this
// one prints what a test would report.
func ExampleMockIWebSocket() {
	ctrl := gomock.NewController(printer{})
	defer ctrl.Finish() // checks that every expected call was made
	ws := mockws.NewMockIWebSocket(ctrl)

	var onOpen wsdouble.Listener
	ws.EXPECT().AddEventListener(wsdouble.EventOpen, gomock.Any()).
		DoAndReturn(func(_ wsdouble.EventType, l wsdouble.Listener, _ ...wsdouble.ListenerOption) {
			onOpen = l // captured
		})
	ws.EXPECT().Send(wsdouble.Text("hello")).
		DoAndReturn(func(m wsdouble.Message) error {
			fmt.Println("sent:", m)
			return nil
		})

	greeter(ws)
	fmt.Println("open")
	onOpen.HandleEvent(wsdouble.OpenEvent{}) // fire the event, as the socket would
	// Output:
	// open
	// sent: text "hello"
}

// printer is a gomock.TestReporter for an Example: it prints failures.
type printer struct{}

func (printer) Errorf(format string, args ...any) { fmt.Printf("error: "+format+"\n", args...) }
func (printer) Fatalf(format string, args ...any) { panic(fmt.Sprintf(format, args...)) }
