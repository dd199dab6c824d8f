// tinybind:build -target=wasip1 -buildmode=c-shared -scheduler=none

//go:build ignore

// split_nosched is split.go built with -scheduler=none (bench-only, not
// part of the product): the same exports without TinyGo's scheduler, so
// that benches/calls.rs (group `split`) can tell the scheduler's cost from
// the export wrapper's.
package main

//export noop
func noop() {}

//export first
func first(a string, b string) string {
	return a
}

//export concatenate
func concatenate(a string, b string) string {
	return a + b
}

func main() {}
