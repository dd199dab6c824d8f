// tinybind:build -target=wasip1

//go:build ignore

// greeter is a WASI command (it has a _start) exporting string functions.
package main

import "strings"

//export greet
func greet(name string) string {
	return "Hello, " + name + "!"
}

//export shout
func shout(s string) string {
	return strings.ToUpper(s) + "!"
}

//export count_vowels
func countVowels(s string) int {
	n := 0
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case 'a', 'e', 'i', 'o', 'u', 'A', 'E', 'I', 'O', 'U':
			n++
		}
	}
	return n
}

func main() {}
