package scenario_test

import (
	"fmt"
	"os"
	"sync"

	"github.com/wsdouble/wsdouble"
)

type fakeTB struct {
	mu       sync.Mutex
	errors   []string
	cleanups []func()
}

func (f *fakeTB) Helper() {}
func (f *fakeTB) Errorf(format string, args ...any) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.errors = append(f.errors, fmt.Sprintf(format, args...))
}
func (f *fakeTB) Fatalf(format string, args ...any) { f.Errorf(format, args...); panic("Fatalf") }
func (f *fakeTB) Cleanup(fn func())                 { f.cleanups = append(f.cleanups, fn) }
func (f *fakeTB) cleanup() {
	for i := len(f.cleanups) - 1; i >= 0; i-- {
		f.cleanups[i]()
	}
}

func opened(ws wsdouble.IWebSocket) <-chan struct{} {
	ch := make(chan struct{})
	ws.AddEventListener(wsdouble.EventOpen, wsdouble.ListenerFunc(func(wsdouble.Event) { close(ch) }), wsdouble.Once())
	return ch
}

func writeFile(t interface {
	Helper()
	Fatal(...any)
}, path, content string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}
