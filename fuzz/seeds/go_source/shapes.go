// tinybind:build -target=wasip1 -buildmode=c-shared

//go:build ignore

// shapes passes Go structs both ways: flattened parameters, results through
// the retptr, nesting, arrays, fields of every size (alignment), slices of
// structs and numbers, a struct named like a Rust prelude type (`Result`),
// and struct results with an error: the tests of tinybind's Go structs.
package main

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
)

// Point is a position on a grid.
type Point struct{ X, Y int32 }

type (
	// Box is two corners and a label.
	Box struct {
		Min, Max Point
		Label    string
	}

	// Result has a name that Rust's prelude also uses.
	Result struct {
		Ok      bool
		Code    uint16
		Total   int64 // aligned to 8
		Message string
		Tags    []string
	}
)

/* Mixed packs fields of every size, so that its layout has padding. */
type Mixed struct {
	A    uint8
	B    int64
	C    uint16
	D    float32
	E    bool
	F    float64
	Grid [3]int16
}

// Record holds everything that lives in memory, inside a struct parameter.
type Record struct {
	Name   string
	Data   []byte
	Tags   []string
	Points []Point
	Scores [2]float64
}

// Single has one field, which TinyGo returns as a plain wasm value.
type Single struct{ N int32 }

//export area
func area(b Box) int32 {
	return (b.Max.X - b.Min.X) * (b.Max.Y - b.Min.Y)
}

//export make_box
func makeBox(x, y, w, h int32, label string) Box {
	return Box{Min: Point{x, y}, Max: Point{x + w, y + h}, Label: strings.ToUpper(label)}
}

//export grow
func grow(b Box, by int32) Box {
	b.Min.X -= by
	b.Min.Y -= by
	b.Max.X += by
	b.Max.Y += by
	b.Label = b.Label + "+"
	return b
}

//export summarize
func summarize(words []string, code uint16) Result {
	total := int64(0)
	for _, w := range words {
		total += int64(len(w))
	}
	return Result{Ok: len(words) > 0, Code: code, Total: total << 33, Message: strings.Join(words, " "), Tags: words}
}

//export echo_mixed
func echoMixed(m Mixed) Mixed {
	m.A++
	m.B = -m.B
	m.C *= 2
	m.D += 0.5
	m.E = !m.E
	m.F *= 3
	m.Grid[0], m.Grid[2] = m.Grid[2], m.Grid[0]
	return m
}

//export single
func single(n int32) Single { return Single{N: n * 3} }

//export centroid
func centroid(points []Point) Point {
	if len(points) == 0 {
		return Point{}
	}
	var sx, sy int32
	for _, p := range points {
		sx += p.X
		sy += p.Y
	}
	n := int32(len(points))
	return Point{sx / n, sy / n}
}

//export corners
func corners(b Box) []Point {
	return []Point{b.Min, {b.Max.X, b.Min.Y}, b.Max, {b.Min.X, b.Max.Y}}
}

//export labels
func labels(boxes []Box) []string {
	out := make([]string, len(boxes))
	for i, b := range boxes {
		out[i] = fmt.Sprintf("%s@%d,%d", b.Label, b.Min.X, b.Min.Y)
	}
	return out
}

//export scale
func scale(xs []float64, by float64) []float64 {
	out := make([]float64, len(xs))
	for i, x := range xs {
		out[i] = x * by
	}
	return out
}

//export parse_point
func parsePoint(s string) (Point, error) {
	xs, ys, ok := strings.Cut(s, ",")
	if !ok {
		return Point{}, errors.New("want X,Y")
	}
	x, err := strconv.Atoi(xs)
	if err != nil {
		return Point{}, fmt.Errorf("parse_point %q: %w", s, err)
	}
	y, err := strconv.Atoi(ys)
	if err != nil {
		return Point{}, fmt.Errorf("parse_point %q: %w", s, err)
	}
	if x < 0 {
		return Point{}, errors.New("negative x")
	}
	return Point{int32(x), int32(y)}, nil
}

//export validate
func validate(b Box) error {
	if b.Label == "" {
		return errors.New("a box needs a label")
	}
	if b.Max.X < b.Min.X || b.Max.Y < b.Min.Y {
		return fmt.Errorf("box %s is inside out", b.Label)
	}
	return nil
}

//export rework
func rework(r Record) Record {
	out := Record{Name: strings.ToUpper(r.Name), Scores: [2]float64{r.Scores[1], r.Scores[0]}}
	for i := len(r.Data) - 1; i >= 0; i-- {
		out.Data = append(out.Data, r.Data[i])
	}
	out.Tags = append(out.Tags, r.Tags...)
	out.Tags = append(out.Tags, r.Name)
	for _, p := range r.Points {
		out.Points = append(out.Points, Point{p.Y, p.X})
	}
	return out
}

func main() {}
