// tinybind:build -target=wasip1 -buildmode=c-shared

//go:build ignore

// leaky is a WASI reactor whose heap grows with every call, as a long-running
// TinyGo plugin's does: keep retains each block it fills, so TinyGo's
// collector can never free them and linear memory only grows (pool
// recycling tests, tests/recycling.rs).
package main

var kept [][]byte

// keep fills a new block of n bytes, retains it, and returns how many
// blocks are retained.
//
//export keep
func keep(n int32) int32 {
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(i)
	}
	kept = append(kept, b)
	return int32(len(kept))
}

// retained is the number of bytes kept so far.
//
//export retained
func retained() int64 {
	var total int64
	for _, b := range kept {
		total += int64(len(b))
	}
	return total
}

func main() {}
