// tinybind:build -target=wasip1 -buildmode=c-shared

//go:build ignore

// json is a bench-only guest (not part of the product): it pulls in fmt,
// strconv and encoding/json, so that the module is big (about 1.2 MB with
// its debug info), for the compile and first start-up benchmarks.
package main

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
)

type record struct {
	Name  string            `json:"name"`
	Count int               `json:"count"`
	Score float64           `json:"score"`
	Tags  []string          `json:"tags"`
	Attrs map[string]string `json:"attrs"`
}

// pretty re-indents a JSON document; invalid JSON gives the error text.
//
//export pretty
func pretty(doc string) string {
	var v any
	if err := json.Unmarshal([]byte(doc), &v); err != nil {
		return "error: " + err.Error()
	}
	out, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return "error: " + err.Error()
	}
	return string(out)
}

// describe formats a record given as JSON.
//
//export describe
func describe(doc string) string {
	var r record
	if err := json.Unmarshal([]byte(doc), &r); err != nil {
		return fmt.Sprintf("invalid record: %v", err)
	}
	return fmt.Sprintf("%s x%d (%.3f) tags=%s attrs=%v", r.Name, r.Count, r.Score, strings.Join(r.Tags, ","), r.Attrs)
}

// sum parses comma-separated numbers and adds them up.
//
//export sum
func sum(list string) float64 {
	total := 0.0
	for _, f := range strings.Split(list, ",") {
		x, err := strconv.ParseFloat(strings.TrimSpace(f), 64)
		if err == nil {
			total += x
		}
	}
	return total
}

// quote returns s as a Go string literal.
//
//export quote
func quote(s string) string {
	return strconv.Quote(s)
}

// fields returns the words of s.
//
//export count_fields
func countFields(s string) int {
	return len(strings.Fields(s))
}

func main() {}
