// tinybind:go-build -buildmode=c-shared ./std/stdnoalloc

//go:build ignore

// Declarations only, for stdnoalloc.wasm, a WASI reactor built by standard
// Go (GOOS=wasip1 GOARCH=wasm go build) from guest-go/std/stdnoalloc/main.go,
// which holds the real code. It exports no allocator (no malloc/free).
package main

// size returns the length of s in bytes.
//
//go:wasmexport size
func size(s string) int32

// add returns a + b.
//
//go:wasmexport add
func add(a, b int32) int32
