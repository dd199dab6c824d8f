// tinybind:build -target=wasip1 -buildmode=c-shared

//go:build ignore

// reserved is a WASI reactor whose exports take the names of the methods
// the generated guest struct defines itself (new, with_host, host,
// host_mut, reset, instance, and runtime and guest): the bindings name them
// `new_2`, `with_host_2`, ... Each returns its own number, and calls the
// host's `tick` with it, so that the guest has a host trait (and so a
// `with_host`, `host` and `host_mut` of its own).
package main

//go:wasmimport env tick
func tick(n int32)

func answer(n int32) int32 {
	tick(n)
	return n
}

//export new
func exportNew() int32 { return answer(1) }

//export with_host
func exportWithHost() int32 { return answer(2) }

//export host
func exportHost() int32 { return answer(3) }

//export host_mut
func exportHostMut() int32 { return answer(4) }

//export reset
func exportReset() int32 { return answer(5) }

//export instance
func exportInstance() int32 { return answer(6) }

//export runtime
func exportRuntime() int32 { return answer(7) }

//export guest
func exportGuest() int32 { return answer(8) }

func main() {}
