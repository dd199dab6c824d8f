// Package guests holds tinybind's Go test guests.
//
// Every other .go file in this directory is a separate WebAssembly program
// (package main, excluded from normal builds by `//go:build ignore`) whose
// first line declares its TinyGo build flags, or, with `// tinybind:go-build`,
// the declarations of a guest built by standard Go from a package under std/.
// build.sh builds each of them into NAME.wasm; check.sh verifies the
// committed .wasm files. This file only exists so that `go vet ./...` here
// has a package to look at.
package guests
