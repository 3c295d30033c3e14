package wstest

import (
	"path/filepath"
	"reflect"
	"runtime"
	"slices"
	"strings"
	"testing"
)

// TestConformanceLayout checks that each conformance check's function is in
// the file of its topic (conformance_<topic>.go, see conformanceChecks), so
// that a reader finds every check of a topic in one place.
func TestConformanceLayout(t *testing.T) {
	for _, cc := range conformanceChecks {
		topic, _, _ := strings.Cut(cc.Name, "/")
		want := "conformance_" + strings.ReplaceAll(topic, "-", "") + ".go"
		fn := runtime.FuncForPC(reflect.ValueOf(cc.run).Pointer())
		file, _ := fn.FileLine(fn.Entry())
		if got := filepath.Base(file); got != want {
			t.Errorf("check %s: %s is in %s, want %s", cc.Name, fn.Name(), got, want)
		}
	}
}

// TestConformanceCheckNames pins the names and the order of the checks:
// users run them as subtests by name, so they are public.
func TestConformanceCheckNames(t *testing.T) {
	want := []string{
		"constructor/initial-state",
		"constructor/http-url",
		"constructor/invalid-url",
		"constructor/invalid-protocols",
		"open/event",
		"open/request",
		"open/protocol-chosen",
		"open/protocol-none",
		"open/protocol-missing",
		"open/protocol-not-offered",
		"open/extension-not-offered",
		"send/before-open",
		"send/text-and-binary",
		"send/invalid",
		"send/after-close",
		"send/buffered-in-task",
		"send/buffered-drains",
		"message/text",
		"message/binary",
		"message/empty",
		"message/order",
		"message/large",
		"message/none-after-close",
		"close/server-code-and-reason",
		"close/server-no-status",
		"close/server-1012",
		"close/server-every-code",
		"close/client",
		"close/client-no-code",
		"close/client-reason-only",
		"close/invalid-code",
		"close/reason-too-long",
		"close/twice",
		"close/while-connecting",
		"fail/refused",
		"fail/drop",
		"listener/once",
		"listener/remove",
		"listener/remove-during-dispatch",
		"listener/add-during-dispatch",
		"listener/duplicate",
		"listener/per-type",
		"listener/serial",
		"listener/reentrant-send",
		"listener/reentrant-close",
		"binary-type",
	}
	var got []string
	for _, cc := range ConformanceChecks() {
		got = append(got, cc.Name)
	}
	if !slices.Equal(got, want) {
		t.Errorf("ConformanceChecks names:\ngot  %q\nwant %q", got, want)
	}
}
