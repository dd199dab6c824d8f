package main

type Point struct {
	X, Y int32
}

//export area
func area(p Point, scale float64) (int32, error)

//go:wasmimport env log
func log(message string)

//export names
func names(words []string, flags [4]bool) map[string]int
