// The Extism peer: a go-pdk plugin, TinyGo -target=wasip1
// -buildmode=c-shared. Extism exports take no parameters: input and output
// are one buffer each.
package main

import (
	"encoding/binary"

	"github.com/extism/go-pdk"
)

// concatenate: input = u32 little-endian len(a) ++ a ++ b; output = a + b.
//
//go:wasmexport concatenate
func concatenate() int32 {
	in := pdk.Input()
	if len(in) < 4 {
		pdk.SetErrorString("input shorter than 4 bytes")
		return 1
	}
	n := binary.LittleEndian.Uint32(in)
	if uint64(n) > uint64(len(in)-4) {
		pdk.SetErrorString("bad length prefix")
		return 1
	}
	a, b := string(in[4:4+n]), string(in[4+n:])
	pdk.OutputString(a + b)
	return 0
}

type pair struct {
	A string `json:"a"`
	B string `json:"b"`
}

// concatenate_json: the idiomatic Extism way, {"a": .., "b": ..} in,
// the string out.
//
//go:wasmexport concatenate_json
func concatenateJSON() int32 {
	var p pair
	if err := pdk.InputJSON(&p); err != nil {
		pdk.SetError(err)
		return 1
	}
	pdk.OutputString(p.A + p.B)
	return 0
}

func main() {}
