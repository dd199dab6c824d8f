// tinybind:build -target=wasip1 -buildmode=c-shared

//go:build ignore

// mathx is a WASI reactor (exports _initialize, no _start) exporting numeric
// functions over every Go scalar type that maps onto a wasm value type.
package main

import "math"

//export add
func add(a, b int) int {
	return a + b
}

//export sub64
func sub64(a, b int64) int64 {
	return a - b
}

//export mul_u64
func mulU64(a, b uint64) uint64 {
	return a * b
}

// divmod returns the truncated quotient and remainder; b == 0 gives (0, 0).
//
//export divmod
func divmod(a, b int32) (q int32, r int32) {
	if b == 0 {
		return 0, 0
	}
	return a / b, a % b
}

//export hypot
func hypot(x, y float64) float64 {
	return math.Hypot(x, y)
}

//export halve
func halve(x float32) float32 {
	return x / 2
}

//export is_even
func isEven(n uint32) bool {
	return n%2 == 0
}

// clampU8 saturates x into the range 0..255.
//
//export clamp_u8
func clampU8(x int16) uint8 {
	if x < 0 {
		return 0
	}
	if x > 255 {
		return 255
	}
	return uint8(x)
}

//export neg_i8
func negI8(x int8) int8 {
	return -x
}

//export widen
func widen(a uint16, b byte, c rune) int64 {
	return int64(a) + int64(b) + int64(c)
}

// fibonacci returns F(n) with F(0) = 0, F(1) = 1 (wrapping past F(93)).
//
//export fibonacci
func fibonacci(n uint32) uint64 {
	var a, b uint64 = 0, 1
	for i := uint32(0); i < n; i++ {
		a, b = b, a+b
	}
	return a
}

func main() {}
