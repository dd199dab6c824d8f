//go:build ignore

// Declarations only, for the hand-written hoststart.wat. There is no
// `// tinybind:build` line, so build.sh and check.sh skip it.
package main

//go:wasmimport env ready
func ready() int32

//export state
func state() int32
