// The tinybind peer: TinyGo -target=wasip1 -buildmode=c-shared, strings in
// and out; the bindings tinybind-codegen generates call it.
package main

//export concatenate
func concatenate(a string, b string) string {
	return a + b
}

func main() {}
