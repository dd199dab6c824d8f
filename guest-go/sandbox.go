// tinybind:build -target=wasip1

//go:build ignore

// sandbox is a WASI command that tries to reach the outside world: files,
// environment variables, arguments and stdin. It exists for the host's
// sandbox tests: by default a guest is granted none of these, and a runtime
// builder grants each one explicitly. Every export returns what it found,
// or "error: " and the error, so that the host sees why access failed.
package main

import (
	"io"
	"os"
	"strings"
)

// readFile returns the contents of a file.
//
//export read_file
func readFile(path string) string {
	b, err := os.ReadFile(path)
	if err != nil {
		return "error: " + err.Error()
	}
	return string(b)
}

// writeFile creates or truncates a file with the given contents and returns
// "ok".
//
//export write_file
func writeFile(path, contents string) string {
	if err := os.WriteFile(path, []byte(contents), 0o644); err != nil {
		return "error: " + err.Error()
	}
	return "ok"
}

// listDir returns the names in a directory, one per line.
//
//export list_dir
func listDir(path string) string {
	entries, err := os.ReadDir(path)
	if err != nil {
		return "error: " + err.Error()
	}
	names := make([]string, 0, len(entries))
	for _, e := range entries {
		names = append(names, e.Name())
	}
	return strings.Join(names, "\n")
}

// envVar returns an environment variable ("" when it is not set). (The
// export is not called getenv: that name is libc's, and the link breaks.)
//
//export env_var
func envVar(key string) string {
	return os.Getenv(key)
}

// envList returns the whole environment, one KEY=VALUE per line.
//
//export env_list
func envList() string {
	return strings.Join(os.Environ(), "\n")
}

// args returns the program's arguments, one per line.
//
//export args
func args() string {
	return strings.Join(os.Args, "\n")
}

// readStdin returns everything on stdin.
//
//export read_stdin
func readStdin() string {
	b, err := io.ReadAll(os.Stdin)
	if err != nil {
		return "error: " + err.Error()
	}
	return string(b)
}

func main() {}
