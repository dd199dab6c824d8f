// tinybind:go-build -buildmode=c-shared ./std/stdgreet

//go:build ignore

// Declarations only, for stdgreet.wasm, a WASI reactor built by standard Go
// (GOOS=wasip1 GOARCH=wasm go build) from guest-go/std/stdgreet/main.go,
// which holds the real code. These body-less funcs give its exports their Go
// types: a result the source packs into a uint64 (ptr<<32 | len of a block
// from its malloc, which the host frees) is declared `string` or `[]byte`,
// and the (unsafe.Pointer, uint32) pair of reverse one `[]byte`. malloc,
// free and the wasm types come from the module itself.
package main

// log prints a message on the host.
//
//go:wasmimport env log
func log(message string)

// lookup returns the host's value for key (packed in a block from malloc).
//
//go:wasmimport env lookup
func lookup(key string) string

// pinned returns the number of blocks from malloc not yet freed.
//
//go:wasmexport pinned
func pinned() int32

// greet returns "Hello, NAME!".
//
//go:wasmexport greet
func greet(name string) string

// concatenate returns a followed by b.
//
//go:wasmexport concatenate
func concatenate(a, b string) string

// repeat returns s n times (nothing for n < 0).
//
//go:wasmexport repeat
func repeat(s string, n int32) string

// reverse returns data with its bytes in reverse order.
//
//go:wasmexport reverse
func reverse(data []byte) []byte

// count returns the number of non-overlapping sep in s.
//
//go:wasmexport count
func count(s string, sep string) int32

// add returns a + b.
//
//go:wasmexport add
func add(a, b int32) int32

// shout logs message upper-cased with a "!" through the import log.
//
//go:wasmexport shout
func shout(message string)

// describe returns "KEY=VALUE", VALUE from the import lookup(KEY).
//
//go:wasmexport describe
func describe(key string) string

// spin loops forever.
//
//go:wasmexport spin
func spin()

// boom panics with message.
//
//go:wasmexport boom
func boom(message string)
