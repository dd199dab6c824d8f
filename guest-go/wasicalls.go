// tinybind:build -target=wasip1 -buildmode=c-shared

//go:build ignore

// wasicalls makes one kind of WASI call per export: stdout, stderr, the
// clock, random bytes, a file and proc_exit. It exists for the tests that
// call guests from inside a tokio runtime, where the sync WASI of wasmtime
// must not start a runtime of its own (each of these goes through it).
// since_start and started_at read a time taken in package initialisation:
// the tests of pre-initialisation, whose snapshot takes it.
package main

import (
	"crypto/rand"
	"encoding/binary"
	"os"
	"time"
)

// say writes text to stdout and returns how many bytes were written.
//
//export say
func say(text string) int32 {
	n, _ := os.Stdout.WriteString(text)
	return int32(n)
}

// complain writes text to stderr and returns how many bytes were written.
//
//export complain
func complain(text string) int32 {
	n, _ := os.Stderr.WriteString(text)
	return int32(n)
}

// now is the wall clock, in nanoseconds since 1970.
//
//export now
func now() int64 {
	return time.Now().UnixNano()
}

// started is when the guest started: its package initialisation, or the
// snapshot of it when the runtime pre-initialises the guest.
var started = time.Now()

// sinceStart is the time since started, in nanoseconds (time.Since: Go's
// monotonic reading, which TinyGo takes from the WASI realtime clock).
//
//export since_start
func sinceStart() int64 {
	return int64(time.Since(started))
}

// startedAt is started, in nanoseconds since 1970.
//
//export started_at
func startedAt() int64 {
	return started.UnixNano()
}

// random is eight random bytes from the host.
//
//export random
func random() uint64 {
	var b [8]byte
	if _, err := rand.Read(b[:]); err != nil {
		return 0
	}
	return binary.LittleEndian.Uint64(b[:])
}

// readFile returns a file's contents, or "error: " and why.
//
//export read_file
func readFile(path string) string {
	data, err := os.ReadFile(path)
	if err != nil {
		return "error: " + err.Error()
	}
	return string(data)
}

// quit ends the guest with WASI proc_exit.
//
//export quit
func quit(code int32) int32 {
	os.Exit(int(code))
	return 0
}

func main() {}
