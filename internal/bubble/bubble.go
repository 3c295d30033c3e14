package bubble

import (
	"bytes"
	"runtime"
	"strconv"
)

// ID returns the id of the synctest bubble of the calling goroutine, or 0
// outside any bubble. The runtime prints the id in the goroutine's
// traceback header ("goroutine 7 [running, synctest bubble 1]:"), the only
// place it is exposed; reading it costs a microsecond or two.
func ID() int {
	var buf [128]byte
	n := runtime.Stack(buf[:], false)
	header := buf[:n]
	if i := bytes.IndexByte(header, '\n'); i >= 0 {
		header = header[:i]
	}
	const marker = "synctest bubble "
	i := bytes.Index(header, []byte(marker))
	if i < 0 {
		return 0
	}
	rest := header[i+len(marker):]
	j := 0
	for j < len(rest) && rest[j] >= '0' && rest[j] <= '9' {
		j++
	}
	id, _ := strconv.Atoi(string(rest[:j]))
	return id
}
