// Module for the Go guests. Each *.go file here is a separate TinyGo program
// (package main, tagged `//go:build ignore`), built one file at a time by
// build.sh, or the declarations of a standard-Go guest whose program is the
// package std/NAME (`//go:build wasip1`); see README.md.
module tinybind/guest-go

go 1.22
