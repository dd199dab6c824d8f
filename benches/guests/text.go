// tinybind:build -target=wasip1 -buildmode=c-shared

//go:build ignore

// text is a bench-only guest (not part of the product) of about 400 KB with
// its debug info, the size of a typical TinyGo guest that uses strconv and
// strings: the code generator benchmark reads it 1, 10 and 100 times.
package main

import (
	"sort"
	"strconv"
	"strings"
	"unicode"
)

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

// title maps s to title case.
//
//export title
func title(s string) string {
	return strings.ToTitle(s)
}

// sorted returns the words of s in sorted order, joined by spaces.
//
//export sorted
func sorted(s string) string {
	w := strings.FieldsFunc(s, unicode.IsSpace)
	sort.Strings(w)
	return strings.Join(w, " ")
}

// split_words returns the words of s and how many there are.
//
//export split_words
func splitWords(s string) (first string, count int) {
	w := strings.Fields(s)
	if len(w) == 0 {
		return "", 0
	}
	return w[0], len(w)
}

// parse_int parses s in the given base; ok is false when it does not parse.
//
//export parse_int
func parseInt(s string, base int) (n int64, ok bool) {
	x, err := strconv.ParseInt(s, base, 64)
	return x, err == nil
}

func main() {}
