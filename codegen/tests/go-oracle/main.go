// Command go-oracle is the reference for tinybind's Go declaration reader:
// for every .go file under a directory it parses the file with Go's own
// parser (go/parser), writes a copy with `//export NAME` above every
// top-level function that is not a method, and prints one JSON line with what
// go/ast says of that copy: each such function's parameter and result types
// and whether it has a body, and each top-level type with its struct fields.
//
//	go run . SRC_DIR OUT_DIR > oracle.jsonl
package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"go/ast"
	"go/parser"
	"go/printer"
	"go/token"
	"os"
	"path/filepath"
	"sort"
	"strings"
)

type fn struct {
	Name    string   `json:"name"`
	Params  []string `json:"params"`
	Results []string `json:"results"`
	Body    bool     `json:"body"`
}

type typ struct {
	Name   string   `json:"name"`
	Fields []string `json:"fields"` // nil unless a struct
	Struct bool     `json:"struct"`
}

type file struct {
	Path  string `json:"path"`
	Funcs []fn   `json:"funcs"`
	Types []typ  `json:"types"`
}

func text(fset *token.FileSet, n ast.Node) string {
	var b bytes.Buffer
	printer.Fprint(&b, fset, n)
	return strings.Join(strings.Fields(b.String()), " ")
}

func list(fset *token.FileSet, fl *ast.FieldList) []string {
	out := []string{}
	if fl == nil {
		return out
	}
	for _, f := range fl.List {
		n := len(f.Names)
		if n == 0 {
			n = 1
		}
		for i := 0; i < n; i++ {
			out = append(out, text(fset, f.Type))
		}
	}
	return out
}

// A function whose doc comment already holds an export or import pragma.
func hasPragma(fd *ast.FuncDecl) bool {
	if fd.Doc == nil {
		return false
	}
	for _, c := range fd.Doc.List {
		if strings.HasPrefix(c.Text, "//export") || strings.HasPrefix(c.Text, "//go:") {
			return true
		}
	}
	return false
}

// TinyGo cannot export a variadic function; the reader refuses one.
func variadic(fd *ast.FuncDecl) bool {
	for _, p := range fd.Type.Params.List {
		if _, ok := p.Type.(*ast.Ellipsis); ok {
			return true
		}
	}
	return false
}

func main() {
	src, out := os.Args[1], os.Args[2]
	enc := json.NewEncoder(os.Stdout)
	n := 0
	filepath.Walk(src, func(path string, info os.FileInfo, err error) error {
		if err != nil || info.IsDir() || !strings.HasSuffix(path, ".go") {
			return nil
		}
		orig, err := os.ReadFile(path)
		if err != nil {
			return nil
		}
		fset := token.NewFileSet()
		f, err := parser.ParseFile(fset, path, orig, parser.ParseComments)
		if err != nil {
			return nil // not valid Go: no reference
		}
		// Insert `//export NAME` on its own line above each plain func.
		type ins struct {
			at   int
			name string
		}
		// Names declared twice (test data of the compiler) are not compared,
		// nor functions that already carry a pragma.
		counts := map[string]int{}
		for _, d := range f.Decls {
			switch d := d.(type) {
			case *ast.FuncDecl:
				if d.Recv == nil {
					counts["func "+d.Name.Name]++
				}
			case *ast.GenDecl:
				for _, s := range d.Specs {
					if ts, ok := s.(*ast.TypeSpec); ok {
						counts["type "+ts.Name.Name]++
					}
				}
			}
		}
		var inserts []ins
		for _, d := range f.Decls {
			if fd, ok := d.(*ast.FuncDecl); ok && fd.Recv == nil && fd.Type.TypeParams == nil && !variadic(fd) &&
				counts["func "+fd.Name.Name] == 1 && !hasPragma(fd) {
				inserts = append(inserts, ins{fset.Position(fd.Pos()).Offset, fd.Name.Name})
			}
		}
		sort.Slice(inserts, func(i, j int) bool { return inserts[i].at < inserts[j].at })
		var b bytes.Buffer
		last := 0
		for _, in := range inserts {
			lineStart := bytes.LastIndexByte(orig[:in.at], '\n') + 1
			if strings.TrimSpace(string(orig[lineStart:in.at])) != "" {
				continue // not at the start of its line
			}
			b.Write(orig[last:lineStart])
			fmt.Fprintf(&b, "//export %s\n", in.name)
			last = lineStart
		}
		b.Write(orig[last:])
		n++
		copyPath := filepath.Join(out, fmt.Sprintf("%05d.go", n))
		if os.WriteFile(copyPath, b.Bytes(), 0o644) != nil {
			return nil
		}
		// The reference is what Go's parser says of the copy.
		fset = token.NewFileSet()
		f, err = parser.ParseFile(fset, copyPath, b.Bytes(), parser.ParseComments)
		if err != nil {
			return nil
		}
		rec := file{Path: copyPath, Funcs: []fn{}, Types: []typ{}}
		for _, d := range f.Decls {
			switch d := d.(type) {
			case *ast.FuncDecl:
				if d.Recv != nil || d.Type.TypeParams != nil || d.Doc == nil {
					continue
				}
				// The export name of the pragma, as TinyGo reads it; an
				// import pragma makes the function an import instead.
				export, imported := "", false
				for _, c := range d.Doc.List {
					for _, p := range []string{"//export ", "//go:export ", "//go:wasmexport "} {
						if args := strings.Fields(strings.TrimPrefix(c.Text, p)); strings.HasPrefix(c.Text, p) && len(args) > 0 {
							export = args[0]
						}
					}
					if args := strings.Fields(strings.TrimPrefix(c.Text, "//go:wasmimport ")); strings.HasPrefix(c.Text, "//go:wasmimport ") && len(args) == 2 {
						imported = true
					}
				}
				if export != "" && !imported {
					rec.Funcs = append(rec.Funcs, fn{export, list(fset, d.Type.Params), list(fset, d.Type.Results), d.Body != nil})
				}
			case *ast.GenDecl:
				if d.Tok != token.TYPE {
					continue
				}
				for _, s := range d.Specs {
					ts := s.(*ast.TypeSpec)
					if ts.TypeParams != nil || counts["type "+ts.Name.Name] != 1 {
						continue
					}
					t := typ{Name: ts.Name.Name}
					if st, ok := ts.Type.(*ast.StructType); ok {
						t.Struct = true
						t.Fields = []string{}
						for _, fl := range st.Fields.List {
							if len(fl.Names) == 0 {
								typ := fl.Type
								if st, ok := typ.(*ast.StarExpr); ok {
									typ = st.X
								}
								switch g := typ.(type) {
								case *ast.IndexExpr:
									typ = g.X
								case *ast.IndexListExpr:
									typ = g.X
								}
								name := text(fset, typ)
								if i := strings.LastIndex(name, "."); i >= 0 {
									name = name[i+1:]
								}
								t.Fields = append(t.Fields, name)
							}
							for _, nm := range fl.Names {
								t.Fields = append(t.Fields, nm.Name)
							}
						}
					}
					rec.Types = append(rec.Types, t)
				}
			}
		}
		enc.Encode(rec)
		return nil
	})
}
