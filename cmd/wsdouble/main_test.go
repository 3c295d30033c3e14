package main_test

import (
	"bufio"
	"fmt"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/wsdouble/wsdouble"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// build builds the command once per test binary.
func build(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "wsdouble")
	out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput()
	if err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

// TestServeProcess runs the command as a user does: the built-in scenario
// on a free port, a Go client, then SIGTERM (and SIGINT), which end it
// with a summary and status 0.
func TestServeProcess(t *testing.T) {
	bin := build(t)
	for _, sig := range []syscall.Signal{syscall.SIGTERM, syscall.SIGINT} {
		t.Run(sig.String(), func(t *testing.T) {
			cmd := exec.Command(bin, "serve", "--listen", "127.0.0.1:0")
			stdout, err := cmd.StdoutPipe()
			if err != nil {
				t.Fatal(err)
			}
			var stderr strings.Builder
			cmd.Stderr = &stderr
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			defer cmd.Process.Kill()
			lines := make(chan string, 100)
			go func() {
				defer close(lines)
				sc := bufio.NewScanner(stdout)
				for sc.Scan() {
					lines <- sc.Text()
				}
			}()
			url := ""
			re := regexp.MustCompile(`at (ws://127\.0\.0\.1:\d+/)`)
			for url == "" {
				select {
				case l, ok := <-lines:
					if !ok {
						t.Fatalf("the command ended: %s", stderr.String())
					}
					if m := re.FindStringSubmatch(l); m != nil {
						url = m[1]
					}
				case <-time.After(30 * time.Second):
					t.Fatal("no URL printed")
				}
			}

			// A Go client: an echo, then the scripted drop after five.
			c := dial(t, url)
			c.expect("open")
			for i := range 5 {
				c.ws.Send(wsdouble.Text(fmt.Sprint(i)))
				c.expect(fmt.Sprintf("message text %q", fmt.Sprint(i)))
			}
			c.expect("close 1006 unclean")
			<-c.ws.(*wsdouble.WebSocket).Done()

			cmd.Process.Signal(sig)
			var rest strings.Builder
			for l := range lines {
				rest.WriteString(l + "\n")
			}
			if err := cmd.Wait(); err != nil {
				t.Errorf("exit: %v\nstderr: %s", err, stderr.String())
			}
			for _, want := range []string{"summary: 1 pass, 1 attempt: 1 accepted", "every expectation held"} {
				if !strings.Contains(rest.String(), want) {
					t.Errorf("after %v, the output lacks %q:\n%s", sig, want, rest.String())
				}
			}
			if stderr.Len() > 0 {
				t.Errorf("stderr: %s", stderr.String())
			}
		})
	}
}
