// Package guests holds tinybind's TinyGo test guests.
//
// Every other .go file in this directory is a separate WebAssembly program
// (package main, excluded from normal builds by `//go:build ignore`) whose
// first line declares its TinyGo build flags. build.sh builds each of them on
// its own into NAME.wasm; check.sh verifies the committed .wasm files. This
// file only exists so that `go vet ./...` here has a package to look at.
package guests
