// The wazero peer of benches/peers: a Go host on wazero v1.12.0 calling
// the same TinyGo guest as tinybind (guests/tinybind/concat.go, built by
// build-guests.sh), `concatenate(a, b string) string`, whose wasm type is
// (retptr, a_ptr, a_len, b_ptr, b_len) -> (): TinyGo returns the string
// through a hidden retptr, 8 bytes (ptr, len), in the first parameter.
//
//	wazero-peer calls -guests DIR -out FILE
//	    per-call time at each size, every form below, as JSON
//	wazero-peer throughput -wasm FILE -threads N -seconds S [-engine E]
//	    requests per second with a fresh instance per request, as JSON
//
// The forms of one call (all check every result):
//
//   - "call": wazero's documented pattern (examples/allocation/tinygo):
//     `malloc` each input and the retptr through api.Function.Call,
//     Memory.Write, call, read the retptr and the result (copied into a Go
//     string), `free` each block: seven calls into the guest.
//   - "reuse": what a careful wazero user does, and what tinybind does: one
//     block malloc'd once and reused (grown when too small), holding both
//     inputs and the retptr, and api.Function.CallWithStack with a reused
//     stack (no allocation per call): one call into the guest.
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"sync"
	"time"

	"github.com/tetratelabs/wazero"
	"github.com/tetratelabs/wazero/api"
	"github.com/tetratelabs/wazero/imports/wasi_snapshot_preview1"
)

// The string sizes measured, as in benches/peers/src/lib.rs: each of a
// and b has this many bytes.
var sizes = []struct {
	label string
	n     int
}{{"8B", 8}, {"1KiB", 1 << 10}, {"64KiB", 64 << 10}, {"1MiB", 1 << 20}}

// inputs returns the same strings as lib.rs's `inputs`.
func inputs(n int) (a, b, ab []byte) {
	a, b = make([]byte, n), make([]byte, n)
	for i := range n {
		a[i] = 'a' + byte(i%26)
		b[i] = 'A' + byte(i%26)
	}
	return a, b, append(append([]byte{}, a...), b...)
}

// host is one wazero runtime with WASI and a compiled guest.
type host struct {
	rt       wazero.Runtime
	compiled wazero.CompiledModule
}

func newHost(ctx context.Context, engine string, wasm []byte) (*host, error) {
	var cfg wazero.RuntimeConfig
	switch engine {
	case "compiler":
		cfg = wazero.NewRuntimeConfigCompiler()
	case "interpreter":
		cfg = wazero.NewRuntimeConfigInterpreter()
	default:
		return nil, fmt.Errorf("unknown engine %q (compiler, interpreter)", engine)
	}
	rt := wazero.NewRuntimeWithConfig(ctx, cfg)
	if _, err := wasi_snapshot_preview1.Instantiate(ctx, rt); err != nil {
		return nil, err
	}
	compiled, err := rt.CompileModule(ctx, wasm)
	if err != nil {
		return nil, err
	}
	return &host{rt, compiled}, nil
}

// instance is one module instance (a reactor: `_initialize` runs at
// instantiation) and its exports.
type instance struct {
	mod                  api.Module
	mem                  api.Memory
	malloc, free, concat api.Function
	// The reuse form's block, its size, and the call stack.
	block, blockSize uint32
	stack            []uint64
}

// instance makes an anonymous instance (WithName("") lets any number of
// them live at once), as wazero documents for one instance per request.
func (h *host) instance(ctx context.Context) (*instance, error) {
	cfg := wazero.NewModuleConfig().WithName("").WithStartFunctions("_initialize")
	mod, err := h.rt.InstantiateModule(ctx, h.compiled, cfg)
	if err != nil {
		return nil, err
	}
	i := &instance{
		mod:    mod,
		mem:    mod.Memory(),
		malloc: mod.ExportedFunction("malloc"),
		free:   mod.ExportedFunction("free"),
		concat: mod.ExportedFunction("concatenate"),
		stack:  make([]uint64, 5),
	}
	if i.mem == nil || i.malloc == nil || i.free == nil || i.concat == nil {
		mod.Close(ctx)
		return nil, errors.New("the guest lacks memory, malloc, free or concatenate")
	}
	return i, nil
}

func (i *instance) close(ctx context.Context) { i.mod.Close(ctx) }

// alloc is `malloc(n)` through Call, as documented.
func (i *instance) alloc(ctx context.Context, n int) (uint32, error) {
	r, err := i.malloc.Call(ctx, uint64(n))
	if err != nil {
		return 0, err
	}
	if r[0] == 0 && n > 0 {
		return 0, errors.New("malloc returned 0")
	}
	return uint32(r[0]), nil
}

// result reads the string the guest left at retptr, copied out of guest
// memory (a Go string, as tinybind returns a String).
func (i *instance) result(ret uint32) (string, error) {
	ptr, ok1 := i.mem.ReadUint32Le(ret)
	n, ok2 := i.mem.ReadUint32Le(ret + 4)
	out, ok3 := i.mem.Read(ptr, n)
	if !ok1 || !ok2 || !ok3 {
		return "", errors.New("result out of bounds")
	}
	return string(out), nil
}

// callDocumented is the "call" form.
func (i *instance) callDocumented(ctx context.Context, a, b []byte) (string, error) {
	pa, err := i.alloc(ctx, len(a))
	if err != nil {
		return "", err
	}
	defer i.free.Call(ctx, uint64(pa))
	pb, err := i.alloc(ctx, len(b))
	if err != nil {
		return "", err
	}
	defer i.free.Call(ctx, uint64(pb))
	ret, err := i.alloc(ctx, 8)
	if err != nil {
		return "", err
	}
	defer i.free.Call(ctx, uint64(ret))
	if !i.mem.Write(pa, a) || !i.mem.Write(pb, b) {
		return "", errors.New("argument out of bounds")
	}
	if _, err := i.concat.Call(ctx, uint64(ret), uint64(pa), uint64(len(a)), uint64(pb), uint64(len(b))); err != nil {
		return "", err
	}
	return i.result(ret)
}

// callReuse is the "reuse" form.
func (i *instance) callReuse(ctx context.Context, a, b []byte) (string, error) {
	need := uint32(8 + len(a) + len(b))
	if need > i.blockSize {
		if i.blockSize > 0 {
			if _, err := i.free.Call(ctx, uint64(i.block)); err != nil {
				return "", err
			}
			i.blockSize = 0
		}
		p, err := i.alloc(ctx, int(need))
		if err != nil {
			return "", err
		}
		i.block, i.blockSize = p, need
	}
	ret, pa := i.block, i.block+8
	pb := pa + uint32(len(a))
	if !i.mem.Write(pa, a) || !i.mem.Write(pb, b) {
		return "", errors.New("argument out of bounds")
	}
	s := i.stack
	s[0], s[1], s[2], s[3], s[4] = uint64(ret), uint64(pa), uint64(len(a)), uint64(pb), uint64(len(b))
	if err := i.concat.CallWithStack(ctx, s); err != nil {
		return "", err
	}
	return i.result(ret)
}

func (i *instance) call(ctx context.Context, form string, a, b []byte) (string, error) {
	if form == "call" {
		return i.callDocumented(ctx, a, b)
	}
	return i.callReuse(ctx, a, b)
}

// A row of the per-call table: its id in results/peers.json, engine,
// guest and form.
type row struct{ id, engine, wasm, form string }

var rows = []row{
	{"wazero", "compiler", "concat.wasm", "reuse"},
	{"wazero_call", "compiler", "concat.wasm", "call"},
	{"wazero_nosched", "compiler", "concat_nosched.wasm", "reuse"},
	{"wazero_interp", "interpreter", "concat.wasm", "reuse"},
	{"wazero_interp_call", "interpreter", "concat.wasm", "call"},
}

type figure struct {
	NS       float64 `json:"ns"`
	Calls    uint64  `json:"calls"`
	Failures uint64  `json:"failures"`
}

// measure times calls as criterion does in benches/peers.rs: 1 s of
// warm-up, then about 3 s in samples, and the mean of the samples' time
// per call. Every result is checked; a failure is counted and the
// instance made anew, inside the timing.
func measure(ctx context.Context, h *host, form string, a, b, ab []byte) (figure, error) {
	inst, err := h.instance(ctx)
	if err != nil {
		return figure{}, err
	}
	var f figure
	batch := func(iters uint64) time.Duration {
		start := time.Now()
		for range iters {
			out, err := inst.call(ctx, form, a, b)
			if err != nil || out != string(ab) {
				f.Failures++
				inst.close(ctx)
				if inst, err = h.instance(ctx); err != nil {
					panic(err)
				}
			}
			f.Calls++
		}
		return time.Since(start)
	}
	// Warm-up, which also sizes the batches.
	iters, spent := uint64(1), time.Duration(0)
	for deadline := time.Now().Add(time.Second); time.Now().Before(deadline); iters *= 2 {
		spent = batch(iters)
	}
	perCall := float64(spent) / float64(iters/2)
	const samples = 30
	per := uint64(max(1, 3e9/samples/perCall))
	var sum float64
	for range samples {
		sum += float64(batch(per)) / float64(per)
	}
	inst.close(ctx)
	f.NS = sum / samples
	return f, nil
}

func calls(guests, out string) error {
	ctx := context.Background()
	res := map[string]map[string]figure{}
	for _, r := range rows {
		wasm, err := os.ReadFile(filepath.Join(guests, r.wasm))
		if err != nil {
			return err
		}
		h, err := newHost(ctx, r.engine, wasm)
		if err != nil {
			return err
		}
		res[r.id] = map[string]figure{}
		for _, s := range sizes {
			a, b, ab := inputs(s.n)
			f, err := measure(ctx, h, r.form, a, b, ab)
			if err != nil {
				return err
			}
			res[r.id][s.label] = f
			fmt.Fprintf(os.Stderr, "wazero-peer: %-18s %-6s %12.1f ns  (%d calls, %d failed)\n", r.id, s.label, f.NS, f.Calls, f.Failures)
		}
		h.rt.Close(ctx)
	}
	doc := map[string]any{"wazero": "v1.12.0", "go": runtime.Version(), "calls": res}
	data, err := json.MarshalIndent(doc, "", " ")
	if err != nil {
		return err
	}
	return os.WriteFile(out, data, 0o644)
}

// throughput: `threads` workers, each making requests for `seconds`: a
// new instance from the compiled module, one 64-byte concatenate (one
// block malloc'd for both inputs and the retptr, as tinybind's fresh
// instance does), checked, and Close.
func throughput(wasmPath, engine string, threads int, seconds float64) error {
	ctx := context.Background()
	wasm, err := os.ReadFile(wasmPath)
	if err != nil {
		return err
	}
	h, err := newHost(ctx, engine, wasm)
	if err != nil {
		return err
	}
	a, b, ab := inputs(64)
	type tally struct {
		lat      []time.Duration
		failures uint64
	}
	tallies := make([]tally, threads)
	var wg sync.WaitGroup
	start := time.Now()
	stop := start.Add(time.Duration(seconds * float64(time.Second)))
	for w := range threads {
		wg.Add(1)
		go func(t *tally) {
			defer wg.Done()
			t.lat = make([]time.Duration, 0, 1<<20)
			for {
				t0 := time.Now()
				if !t0.Before(stop) {
					return
				}
				inst, err := h.instance(ctx)
				ok := err == nil
				if ok {
					out, err := inst.callReuse(ctx, a, b)
					ok = err == nil && out == string(ab)
					inst.close(ctx)
				}
				if !ok {
					t.failures++
				}
				t.lat = append(t.lat, time.Since(t0))
			}
		}(&tallies[w])
	}
	wg.Wait()
	elapsed := time.Since(start)
	var all []time.Duration
	var failures uint64
	for _, t := range tallies {
		all = append(all, t.lat...)
		failures += t.failures
	}
	slices.Sort(all)
	pct := func(p float64) float64 {
		if len(all) == 0 {
			return 0
		}
		return float64(all[min(len(all)-1, int(p*float64(len(all))))].Nanoseconds())
	}
	doc := map[string]any{
		"peer": "wazero", "engine": engine, "threads": threads, "requests": len(all), "failures": failures,
		"seconds": elapsed.Seconds(), "rps": float64(len(all)) / elapsed.Seconds(),
		"p50_ns": pct(0.50), "p99_ns": pct(0.99),
	}
	data, err := json.Marshal(doc)
	if err != nil {
		return err
	}
	fmt.Println(string(data))
	return nil
}

func main() {
	if len(os.Args) < 2 {
		fmt.Fprintln(os.Stderr, "usage: wazero-peer calls|throughput [flags]")
		os.Exit(2)
	}
	fs := flag.NewFlagSet(os.Args[1], flag.ExitOnError)
	guests := fs.String("guests", "", "directory with concat.wasm and concat_nosched.wasm")
	out := fs.String("out", "wazero-calls.json", "where calls writes its JSON")
	wasm := fs.String("wasm", "", "the guest for throughput")
	engine := fs.String("engine", "compiler", "compiler (wazevo) or interpreter")
	threads := fs.Int("threads", 1, "worker goroutines")
	seconds := fs.Float64("seconds", 5, "how long throughput runs")
	_ = fs.Parse(os.Args[2:])
	var err error
	switch os.Args[1] {
	case "calls":
		err = calls(*guests, *out)
	case "throughput":
		err = throughput(*wasm, *engine, *threads, *seconds)
	default:
		err = fmt.Errorf("unknown mode %q", os.Args[1])
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "wazero-peer:", err)
		os.Exit(1)
	}
}
