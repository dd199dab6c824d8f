//go:build wasip1

// stdgreet is a WASI reactor built by standard Go (not TinyGo):
//
//	GOOS=wasip1 GOARCH=wasm go build -buildmode=c-shared ./std/stdgreet
//
// Standard Go's //go:wasmexport cannot return a string, so every string or
// byte result is packed into a uint64, ptr<<32 | len, of a block from this
// guest's own malloc; the host copies it out and frees it. A block stays
// pinned (reachable from the map blocks, so Go's GC keeps it) until free.
// guest-go/stdgreet.go declares the same exports with their Go types
// (string results, a []byte parameter) for the bindings.
package main

import (
	"strings"
	"unsafe"
)

// blocks keeps every block handed out by malloc alive until free.
var blocks = map[uintptr][]byte{}

// spins is what spin increments, so that its loop has an effect.
var spins uint64

// log prints a message on the host.
//
//go:wasmimport env log
func log(message string)

// lookup asks the host for the value of key, packed (ptr<<32 | len) in a
// block the host allocated with malloc; the caller frees it.
//
//go:wasmimport env lookup
func lookup(key string) uint64

// malloc returns the address of a new zeroed block of size bytes (at least
// one), pinned until free.
//
//go:wasmexport malloc
func malloc(size uint32) uintptr {
	if size == 0 {
		size = 1
	}
	block := make([]byte, size)
	ptr := uintptr(unsafe.Pointer(unsafe.SliceData(block)))
	blocks[ptr] = block
	return ptr
}

// free unpins the block at ptr; unknown pointers are ignored.
//
//go:wasmexport free
func free(ptr uintptr) {
	delete(blocks, ptr)
}

// pinned returns the number of blocks malloc handed out that are not freed.
//
//go:wasmexport pinned
func pinned() int32 {
	return int32(len(blocks))
}

// pack copies s into a block from malloc and returns ptr<<32 | len, or 0
// for an empty s.
func pack(s string) uint64 {
	if len(s) == 0 {
		return 0
	}
	ptr := malloc(uint32(len(s)))
	copy(blocks[ptr], s)
	return uint64(ptr)<<32 | uint64(len(s))
}

// packBytes is pack for a byte slice.
func packBytes(b []byte) uint64 {
	return pack(unsafe.String(unsafe.SliceData(b), len(b)))
}

// greet returns "Hello, NAME!".
//
//go:wasmexport greet
func greet(name string) uint64 {
	return pack("Hello, " + name + "!")
}

// concatenate returns a followed by b.
//
//go:wasmexport concatenate
func concatenate(a, b string) uint64 {
	return pack(a + b)
}

// repeat returns s n times (nothing for n < 0).
//
//go:wasmexport repeat
func repeat(s string, n int32) uint64 {
	if n < 0 {
		return 0
	}
	return pack(strings.Repeat(s, int(n)))
}

// reverse returns the n bytes at data in reverse order.
//
//go:wasmexport reverse
func reverse(data unsafe.Pointer, n uint32) uint64 {
	in := unsafe.Slice((*byte)(data), n)
	out := make([]byte, n)
	for i, b := range in {
		out[len(out)-1-i] = b
	}
	return packBytes(out)
}

// count returns the number of non-overlapping sep in s.
//
//go:wasmexport count
func count(s string, sep string) int32 {
	return int32(strings.Count(s, sep))
}

// add returns a + b.
//
//go:wasmexport add
func add(a, b int32) int32 {
	return a + b
}

// shout logs message upper-cased, with a "!".
//
//go:wasmexport shout
func shout(message string) {
	log(strings.ToUpper(message) + "!")
}

// describe returns "KEY=VALUE", VALUE from the host's lookup(KEY). The host
// wrote VALUE into a block from malloc, so it is found in blocks; describe
// copies it and frees the block, so pinned() is back where it was (plus the
// result). A packed 0 is an empty VALUE; a block not from malloc panics.
//
//go:wasmexport describe
func describe(key string) uint64 {
	packed := lookup(key)
	ptr, n := uintptr(packed>>32), uint32(packed)
	var value string
	if ptr != 0 || n != 0 {
		block, ok := blocks[ptr]
		if !ok || uint64(n) > uint64(len(block)) {
			panic("describe: lookup did not return a block from malloc")
		}
		value = string(block[:n])
		free(ptr)
	}
	return pack(key + "=" + value)
}

// spin never returns (for epoch/fuel interruption tests).
//
//go:wasmexport spin
func spin() {
	for {
		spins++
	}
}

// boom panics with message.
//
//go:wasmexport boom
func boom(message string) {
	panic(message)
}

func main() {}
