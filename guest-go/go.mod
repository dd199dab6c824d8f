// Module for the TinyGo guests. Each *.go file here is a separate program
// (package main, tagged `//go:build ignore`), built one file at a time by
// build.sh; see README.md.
module tinybind/guest-go

go 1.22
