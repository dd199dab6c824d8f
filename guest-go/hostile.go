// tinybind:build -target=wasip1

//go:build ignore

// hostile is a WASI command that misbehaves on purpose. It exists for the
// host runtime's safety tests: every export except good must be caught by
// the host (bad memory references, traps, fuel or time limits, memory limits).
package main

import (
	"os"
	"unsafe"
)

// stringHeader has the layout of a Go string in TinyGo: pointer, length.
type stringHeader struct {
	p uintptr
	n int
}

//export good
func good(name string) string {
	return "ok " + name
}

// badPointer returns a string whose pointer lies far outside linear memory.
//
//export bad_pointer
func badPointer() string {
	h := stringHeader{p: 0xFFFFFF00, n: 64}
	return *(*string)(unsafe.Pointer(&h))
}

// hugeLength returns a string with a valid pointer and a length of 2 GiB - 1.
//
//export huge_length
func hugeLength() string {
	s := "huge"
	h := stringHeader{p: uintptr(unsafe.Pointer(unsafe.StringData(s))), n: 0x7FFFFFFF}
	return *(*string)(unsafe.Pointer(&h))
}

// maxLength returns a string with a valid pointer and a length of
// 0xFFFFFFFF (an int of -1 in 32-bit TinyGo).
//
//export max_length
func maxLength() string {
	s := "max"
	h := stringHeader{p: uintptr(unsafe.Pointer(unsafe.StringData(s))), n: -1}
	return *(*string)(unsafe.Pointer(&h))
}

// badUTF8 returns bytes that are not valid UTF-8.
//
//export bad_utf8
func badUTF8() string {
	return "\xff\xfe\xfd"
}

var empty []int

// boom indexes an empty slice: the Go panic traps the module.
//
//export boom
func boom(n int) int {
	return empty[n]
}

// sink is written on every iteration so that the loops below have an
// observable effect and cannot be optimised away.
var sink int

// spin never returns.
//
//export spin
func spin(n int) int {
	for {
		n = n*3 + 1
		sink += n
	}
}

// hoard keeps every allocation of hog reachable forever.
var hoard [][]byte

// hog allocates 1 MiB slices and keeps them, so memory grows without bound
// (until the host stops it, or the module runs out of memory and traps).
//
//export hog
func hog() int {
	for {
		b := make([]byte, 1<<20)
		b[0] = byte(len(hoard))
		hoard = append(hoard, b)
		sink += len(hoard)
	}
}

// divide traps when b == 0 (Go's integer divide by zero panic).
//
//export divide
func divide(a, b int32) int32 {
	return a / b
}

// depth is written around every recursive call of recurse, so that the
// recursion can be neither removed nor turned into a loop.
var depth [64]int

// recurse calls itself until the wasm call stack overflows.
//
//export recurse
func recurse(n int) int {
	depth[n&63] = n
	r := recurse(n + 1)
	depth[n&63] += r
	return r + depth[(n+1)&63]
}

// flood writes lines of 1 KiB to stdout and returns how many bytes the
// writes reported as written (short of lines*1024 once the host's buffer is
// full).
//
//export flood
func flood(lines int) int {
	line := make([]byte, 1024)
	for i := range line {
		line[i] = 'a' + byte(i%26)
	}
	line[len(line)-1] = '\n'
	written := 0
	for i := 0; i < lines; i++ {
		n, _ := os.Stdout.Write(line)
		written += n
	}
	return written
}

// quit says why on stderr, then calls WASI proc_exit during a call.
//
//export quit
func quit(code int) int {
	os.Stderr.WriteString("quit: giving up\n")
	os.Exit(code)
	return 0
}

// nthLine returns line n of text, from 0; past the last line it panics
// with an index out of range.
func nthLine(text string, n int) string {
	var lines []string
	start := 0
	for i := 0; i <= len(text); i++ {
		if i == len(text) || text[i] == '\n' {
			lines = append(lines, text[start:i])
			start = i + 1
		}
	}
	return lines[n]
}

// nthLine for the host: a panic a Go function below the export.
//
//export nth_line
func nth_line(text string, n int32) string {
	return nthLine(text, int(n))
}

func main() {}
