//go:build ignore

// Declarations only, for the hand-written badalloc.wat (see its header for
// why it is not built from Go): they give its exports typed bindings. There
// is no `// tinybind:build` line, so build.sh and check.sh skip this file.
package main

// setMode chooses how malloc misbehaves for requests over 64 bytes:
// 0 correct, 1 null, 2 outside memory, 3 straddling the end of memory,
// 4 never returning.
//
//export set_mode
func setMode(mode int32)

// echo returns its argument; the host copies the argument into memory it
// gets from malloc, so echo fails in every mode but 0.
//
//export echo
func echo(s string) string

// peek returns the 32-bit word at addr.
//
//export peek
func peek(addr int32) int32

// allOnes returns a string whose length is 0xFFFFFFFF.
//
//export all_ones
func allOnes() string
