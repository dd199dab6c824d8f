// tinybind:build -target=wasip1

//go:build ignore

// bytesx is a WASI command exporting functions over byte slices and strings,
// including multiple results.
package main

import "strings"

// reverse returns a new slice with the bytes of data in reverse order.
//
//export reverse
func reverse(data []byte) []byte {
	out := make([]byte, len(data))
	for i, b := range data {
		out[len(data)-1-i] = b
	}
	return out
}

// echo returns a copy of data.
//
//export echo
func echo(data []byte) []byte {
	out := make([]byte, len(data))
	copy(out, data)
	return out
}

// passthrough returns data itself, without copying: what moving bytes in
// and out costs, with no work in the guest.
//
//export passthrough
func passthrough(data []byte) []byte {
	return data
}

//export checksum
func checksum(data []byte) uint32 {
	var sum uint32
	for _, b := range data {
		sum += uint32(b)
	}
	return sum
}

// splitName splits at the first space; without a space it returns (full, "").
//
//export split_name
func splitName(full string) (first string, last string) {
	i := strings.IndexByte(full, ' ')
	if i < 0 {
		return full, ""
	}
	return full[:i], full[i+1:]
}

//export concatenate
func concatenate(a, b string) string {
	return a + b
}

// repeat returns s repeated n times; n <= 0 gives "".
//
//export repeat
func repeat(s string, n int) string {
	if n <= 0 {
		return ""
	}
	return strings.Repeat(s, n)
}

// stats returns the length and byte sum of data; ok is false for empty data.
//
//export stats
func stats(data []byte) (n int, sum uint64, ok bool) {
	for _, b := range data {
		sum += uint64(b)
	}
	return len(data), sum, len(data) > 0
}

func main() {}
