package battery_test

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// snippet matches a Go code block of README.md between the markers
// <!-- snippet: PATH --> and <!-- end snippet -->.
var snippet = regexp.MustCompile("(?s)<!-- snippet: ([^ ]+) -->\n```go\n(.*?)```\n<!-- end snippet -->")

// clientTests are the files README.md's section "Testing a client written
// on gorilla, coder, gobwas or gws" copies its lines from.
var clientTests = []string{
	"examples/gorilla/client_test.go",
	"examples/coder/client_test.go",
	"examples/gobwas/client_test.go",
	"examples/gws/client_test.go",
}

// section is the title of README.md's section that TestReadmeShowsEveryLibrary
// checks.
const section = "## Testing a client written on gorilla, coder, gobwas or gws\n"

// TestReadmeShowsEveryLibrary checks that README.md's section shows the
// lines of each example library's test as they are in its file
// (indentation aside), so that it only shows code that compiles and runs.
func TestReadmeShowsEveryLibrary(t *testing.T) {
	root := filepath.Join("..", "..", "..")
	readme, err := os.ReadFile(filepath.Join(root, "README.md"))
	require.NoError(t, err)
	_, text, ok := strings.Cut(string(readme), section)
	require.True(t, ok, "README.md has no section %q", section)
	text, _, _ = strings.Cut(text, "\n## ")
	shown := map[string]int{}
	for _, m := range snippet.FindAllStringSubmatch(text, -1) {
		path, code := m[1], m[2]
		if !assert.Contains(t, clientTests, path, "a snippet of the section names another file") {
			continue
		}
		file, err := os.ReadFile(filepath.Join(root, path))
		require.NoError(t, err)
		assert.Contains(t, dedent(string(file)), dedent(code), "README.md's snippet of %s is not in it as it is: copy it again", path)
		shown[path]++
	}
	for _, path := range clientTests {
		assert.NotZero(t, shown[path], "README.md shows no lines of %s", path)
	}
}

// dedent removes every line's leading tabs and spaces.
func dedent(s string) string {
	lines := strings.Split(s, "\n")
	for i, l := range lines {
		lines[i] = strings.TrimLeft(l, " \t")
	}
	return strings.Join(lines, "\n")
}
