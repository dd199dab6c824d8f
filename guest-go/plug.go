//go:build ignore

// plug is an interface only: there is no plug.wasm. Its bindings
// (`guests::plug`) are generated from these declarations, and any module that
// fits them is loaded at run time with `PlugPre::load` or `load_file`; the
// plugins of tests/plugins/ are two. A declarations-only file declares an
// export as a body-less func under `//export NAME`, and a host import under
// `//go:wasmimport MODULE NAME`.
package main

// log hands the host a line to record.
//
//go:wasmimport env log
func log(message string)

// transform gives the line, transformed as the plugin sees fit.
//
//export transform
func transform(line string) string

// version is the plugin's version number.
//
//export version
func version() int32
