// Module for the plugin modules of tests/all/plugins.rs: each *.go file is a
// separate program (package main, tagged `//go:build ignore`), built by
// build.sh into NAME.wasm. They implement the interface guest-go/plug.go.
module tinybind/tests/plugins

go 1.22
