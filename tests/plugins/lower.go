// tinybind:build -target=wasip1 -buildmode=c-shared

//go:build ignore

// lower is a plugin of the interface guest-go/plug.go: its transform gives the
// line in lower case and logs it through the host.
package main

import "strings"

//go:wasmimport env log
func log(message string)

//export transform
func transform(line string) string {
	out := strings.ToLower(line)
	log("lower: " + out)
	return out
}

//export version
func version() int32 {
	return 2
}

func main() {}
