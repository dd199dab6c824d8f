// greet is an interface only: the Go declarations of wazero's greet example,
// as a host that loads any of its builds at run time writes them. No module
// is beside it; the tests load the corpus's builds by TinyGo 0.22 to 0.35.
package main

//go:wasmimport env log
func log(message string)

//export greet
func greet(name string)
