//go:build ignore

// Declarations only, for the hand-written badhost.wat (see its header for
// why it is not built from Go): they type its host imports and its exports,
// but not the import env.fill, which stays raw on purpose.
// There is no `// tinybind:build` line, so build.sh and check.sh skip it.
package main

//go:wasmimport env log
func log(message string)

// The legacy spelling: a body-less func under //export that the module
// imports and does not export.
//
//export lookup
func lookup(key string) string

//export log_out_of_bounds
func logOutOfBounds()

//export log_not_utf8
func logNotUTF8()

//export lookup_bad_retptr
func lookupBadRetptr()

//export lookup_reentrant
func lookupReentrant()

//export fill_len
func fillLen() int32

//export fill_reentrant
func fillReentrant()

//export lookup_len
func lookupLen() int32
