// The component-model peer: TinyGo -target=wasip2, the WIT world in wit/,
// bindings from wit-bindgen-go (generated into internal/ by the build).
package main

import "tinybind.peers/component/internal/tinybind/peers/concat"

func init() {
	concat.Exports.Concatenate = func(a, b string) string { return a + b }
	concat.Exports.ConcatenatePacked = func(aLen uint32, ab string) string { return ab[:aLen] + ab[aLen:] }
}

func main() {}
