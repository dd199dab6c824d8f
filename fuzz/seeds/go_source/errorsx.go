// tinybind:build -target=wasip1 -buildmode=c-shared

//go:build ignore

// errorsx returns Go errors (errors.New, fmt.Errorf with and without %w, a
// custom error type) as `error` and `(T, error)` results, and passes
// []string both ways: the tests of tinybind's GoError and string slices.
package main

import (
	"errors"
	"fmt"
	"strings"
)

//export check
func check(n int32) error {
	if n < 0 {
		return errors.New("negative input")
	}
	return nil
}

//export divide
func divide(a, b int32) (int32, error) {
	if b == 0 {
		return 0, fmt.Errorf("cannot divide %d by zero", a)
	}
	return a / b, nil
}

//export wrapped
func wrapped(n int32) error {
	if n == 0 {
		return nil
	}
	return fmt.Errorf("wrapped: %w", errors.New("inner"))
}

// codeError is an error type of the guest's own: its message is only known
// to its Error method.
type codeError struct{ code int32 }

func (e *codeError) Error() string { return fmt.Sprintf("code %d", e.code) }

//export custom
func custom(n int32) error {
	if n == 0 {
		return nil
	}
	return &codeError{n}
}

//export greet_checked
func greetChecked(name string) (string, error) {
	if name == "" {
		return "", errors.New("no name")
	}
	return "Hello, " + name + "!", nil
}

//export join
func join(parts []string, sep string) string {
	return strings.Join(parts, sep)
}

//export split
func split(s string) []string {
	return strings.Split(s, ",")
}

func main() {}
