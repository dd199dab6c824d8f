// tinybind:build -target=wasip1 -buildmode=c-shared

//go:build ignore

// concat is a WASI reactor with the exports of the corpus module
// tg0.35.0-wasm-rmarchet-concat-RETPTR.wasm: two scalar functions and a
// string function whose result comes back through a hidden retptr. The
// benchmarks call it; the corpus module can replace concat.wasm unchanged.
package main

//export add
func add(x int, y int) int {
	return x + y
}

//export multiply
func multiply(x int, y int) int {
	return x * y
}

//export concatenate
func concatenate(a string, b string) string {
	return a + b
}

func main() {}
