// tinybind:build -target=wasip1 -buildmode=c-shared

//go:build ignore

// fresh is a reactor for the pre-initialisation tests
// (`Runtime::builder().preinitialize(true)`): its start-up only seeds
// TinyGo's runtime (WASI `random_get`), so it can be snapshotted. It has a
// string function to check results, and a loop and an allocation that
// never end, to check that the deadline and the memory cap still hold on a
// pre-initialised instance.
package main

// greeting is set by start-up (package initialisation): a snapshot must
// carry it.
var greeting = makeGreeting()

func makeGreeting() string {
	b := []byte("hello from ")
	return string(append(b, "init"...))
}

//export concatenate
func concatenate(a string, b string) string {
	return a + b
}

//export greet
func greet() string {
	return greeting
}

// sink is written on every iteration so that the loops below have an
// observable effect and cannot be optimised away.
var sink int

// spin never returns.
//
//export spin
func spin(n int) int {
	for {
		n = n*3 + 1
		sink += n
	}
}

// hoard keeps every allocation of hog reachable.
var hoard [][]byte

// hog allocates 1 MiB slices and keeps them: memory grows without bound.
//
//export hog
func hog() int {
	for {
		b := make([]byte, 1<<20)
		b[0] = byte(len(hoard))
		hoard = append(hoard, b)
		sink += len(hoard)
	}
}

func main() {}
