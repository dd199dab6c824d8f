// tinybind:build -target=wasip1 -buildmode=c-shared

//go:build ignore

// hostcalls is a WASI reactor for tests of host functions: it imports
// functions from the host (modules env and other) and each export calls one
// of them, so a test can provide the imports and check what comes back.
package main

import "strconv"

// hostLog uses the //go:wasmimport spelling: imports env.log (i32 i32) -> ().
//
//go:wasmimport env log
func hostLog(message string)

// countRunes uses the //go:wasmimport spelling: env.count_runes.
//
//go:wasmimport env count_runes
func countRunes(s string) int32

// addI64 uses the //go:wasmimport spelling: env.add_i64.
//
//go:wasmimport env add_i64
func addI64(a, b int64) int64

// scale uses the //go:wasmimport spelling: env.scale.
//
//go:wasmimport env scale
func scale(x float64) float64

// isEven uses the //go:wasmimport spelling: env.is_even.
//
//go:wasmimport env is_even
func isEven(n uint32) bool

// hostCheck uses the //go:wasmimport spelling: env.check (the host may fail
// this call).
//
//go:wasmimport env check
func hostCheck(code int32) int32

// otherLog uses the //go:wasmimport spelling: other.log, the same import
// name as env.log in another module, on purpose (name collisions).
//
//go:wasmimport other log
func otherLog(level uint32)

// lookup uses the legacy spelling, a body-less func under //export (module
// env): imports env.lookup, its string result through a return pointer.
//
//export lookup
func lookup(key string) string

// pair uses the legacy spelling, a body-less func under //export (module
// env): imports env.pair, its two results through a return pointer.
//
//export pair
func pair(n int32) (string, int32)

//export greet
func greet(name string) string {
	hostLog("greeting " + name)
	return "Hello, " + name + "!"
}

//export runes
func runes(s string) int32 {
	return countRunes(s)
}

//export sum64
func sum64(a, b int64) int64 {
	return addI64(a, b)
}

//export scaled
func scaled(x float64) float64 {
	return scale(x)
}

//export even
func even(n uint32) bool {
	return isEven(n)
}

//export checked
func checked(code int32) int32 {
	return hostCheck(code) + 1
}

//export other
func other(level uint32) {
	otherLog(level)
}

//export describe
func describe(key string) string {
	return key + "=" + lookup(key)
}

//export pair_of
func pairOf(n int32) string {
	s, k := pair(n)
	return s + ":" + strconv.Itoa(int(k))
}

// sink keeps the garbage allocated by lookupMany reachable until the next
// allocation, so that the compiler cannot drop it and TinyGo's GC runs often.
var sink []byte

// lookupMany calls lookup(key) n times and returns how many calls gave
// "v:" + key. It keeps the last 16 results in a window and re-checks all of
// them after every call, with garbage allocated in between, so a result
// string that the GC frees (or the host overwrites) too early is caught.
// Nothing beyond the window stays alive: guest memory should stay flat.
//
//export lookup_many
func lookupMany(key string, n int32) int32 {
	expect := "v:" + key
	var window [16]string
	ok := int32(0)
	for i := int32(0); i < n; i++ {
		v := lookup(key)
		window[i%int32(len(window))] = v
		sink = make([]byte, 64)
		good := v == expect
		for j := int32(0); j < int32(len(window)) && j <= i; j++ {
			if window[j] != expect {
				good = false
			}
		}
		if good {
			ok++
		}
	}
	sink = nil
	return ok
}

// logMany calls hostLog(message) n times (a benchmark of the host-call cost).
//
//export log_many
func logMany(message string, n int32) {
	for i := int32(0); i < n; i++ {
		hostLog(message)
	}
}

func main() {}
