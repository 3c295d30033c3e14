package htmlreport_test

import (
	"bytes"
	"fmt"
	"html"
	"regexp"
	"strings"
	"time"

	"github.com/wsdouble/wsdouble/internal/htmlreport"
)

// A run of two attempts, a refusal and a connection the server dropped,
// with the client back too soon, drawn as one page. The page asks for
// nothing outside itself, and the same Page gives the same bytes.
func ExampleWrite() {
	page := &htmlreport.Page{
		Title:    `scenario "reconnect"`,
		Status:   "2 attempts played, 1 problem",
		Failed:   true,
		Problems: []string{"retry 1 in a row: want 1s–2s, got 300ms"},
		Policy:   "min 1s, ×2, max 30s",
		Origin:   "times from the first attempt",
		Lanes: []htmlreport.Lane{
			{Name: "#1", Answer: htmlreport.Answer{Kind: htmlreport.Refused, Text: "refused 503"}},
			{Name: "#2", At: 300 * time.Millisecond,
				Answer: htmlreport.Answer{Kind: htmlreport.Accepted, Text: "accepted", At: 300 * time.Millisecond},
				Gap:    htmlreport.Gap{Kind: htmlreport.OffPolicy, Lo: time.Second, Hi: 2 * time.Second, Text: "✗ want 1s–2s, got 300ms"},
				Events: []htmlreport.Event{{At: 310 * time.Millisecond, Kind: htmlreport.ToClient,
					Text: `step 1 → text "hello"`, Frame: &htmlreport.Frame{Preview: "hello", Size: 5}}},
				End: htmlreport.End{Kind: htmlreport.Dropped, Text: "dropped", At: 2 * time.Second}},
		},
	}
	var once, again bytes.Buffer
	if err := htmlreport.Write(&once, page); err != nil {
		panic(err)
	}
	htmlreport.Write(&again, page)

	drawing := once.String()
	for _, re := range []string{`<title>(.*)</title>`, `<p class="status">(.*)</p>`, `<li>(.*)</li>`, `<p class="meta">(.*)</p>`} {
		fmt.Println(regexp.MustCompile(re).FindStringSubmatch(drawing)[1])
	}
	csp := regexp.MustCompile(`Content-Security-Policy" content="([^"]*)"`).FindStringSubmatch(drawing)[1]
	first, _, _ := strings.Cut(html.UnescapeString(csp), ";")
	fmt.Println("Content-Security-Policy:", first, "(the page's own style and script aside)")
	fmt.Println("same bytes again:", bytes.Equal(once.Bytes(), again.Bytes()))
	// Output:
	// scenario &#34;reconnect&#34;
	// 2 attempts played, 1 problem
	// retry 1 in a row: want 1s–2s, got 300ms
	// 2 attempts, times from the first attempt · backoff policy: min 1s, ×2, max 30s
	// Content-Security-Policy: default-src 'none' (the page's own style and script aside)
	// same bytes again: true
}
