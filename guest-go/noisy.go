// tinybind:build -target=wasip1 -buildmode=c-shared

//go:build ignore

// noisy is a reactor whose start-up writes to stdout (WASI `fd_write`):
// I/O that a snapshot cannot replay, so `preinitialize(true)` keeps it on
// the normal start-up path and says why.
package main

func init() {
	println("noisy: starting")
}

//export hello
func hello() string {
	return "hello"
}

func main() {}
