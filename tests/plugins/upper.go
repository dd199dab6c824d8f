// tinybind:build -target=wasip1 -buildmode=c-shared

//go:build ignore

// upper is a plugin of the interface guest-go/plug.go: its transform gives the
// line in upper case and logs it through the host.
package main

import "strings"

//go:wasmimport env log
func log(message string)

//export transform
func transform(line string) string {
	out := strings.ToUpper(line)
	log("upper: " + out)
	return out
}

//export version
func version() int32 {
	return 1
}

func main() {}
