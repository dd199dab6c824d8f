//go:build wasip1

// stdnoalloc is a WASI reactor built by standard Go (not TinyGo):
//
//	GOOS=wasip1 GOARCH=wasm go build -buildmode=c-shared ./std/stdnoalloc
//
// It exports no allocator (no malloc/free), so a host cannot copy a string
// argument into its memory. guest-go/stdnoalloc.go declares its exports.
package main

// size returns the length of s in bytes.
//
//go:wasmexport size
func size(s string) int32 {
	return int32(len(s))
}

// add returns a + b.
//
//go:wasmexport add
func add(a, b int32) int32 {
	return a + b
}

func main() {}
