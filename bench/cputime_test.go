package bench

import "testing"

// cpuPerOp starts counting the CPU time the whole process uses (both ends
// of the connection, the runtime, the garbage collector); the function it
// returns, called after the timed loop, reports it per op as cpu-ns/op.
//
// Unlike ns/op, the figure leaves out the time the benchmark waits: for a
// wake-up, or for a virtual machine's host to give the CPU back. It shows
// how much work an op costs, and varies less on a busy host; ns/op shows
// how long an op takes. Where the process cannot tell its CPU time, nothing
// is reported.
func cpuPerOp(b *testing.B) (stop func()) {
	start, ok := processCPU()
	return func() {
		end, ok2 := processCPU()
		if ok && ok2 && b.N > 0 {
			b.ReportMetric(float64(end-start)/float64(b.N), "cpu-ns/op")
		}
	}
}
