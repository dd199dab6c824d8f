// tinybind:build -target=wasip1 -buildmode=c-shared

//go:build ignore

// split is a bench-only guest (not part of the product) that takes an
// 8-byte `concatenate` apart (benches/calls.rs, group `split`): `noop` is
// TinyGo's export wrapper and scheduler alone, `first` adds the calling
// convention of `concatenate` (two strings in, a string out through the
// retptr) without work, and `concatenate` is guest-go/concat.go's, whose
// own work (an allocation and two copies) is the difference. split_nosched
// is the same source built with -scheduler=none.
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
