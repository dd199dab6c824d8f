// The wazero peer: a Go host (wazero v1.12.0) calling the tinybind peer
// guest, built by benches/peers/run.sh with the machine's Go. Outside the
// Rust workspace, as the other peers are.
module tinybind.dev/peers/wazero

go 1.25.0

require github.com/tetratelabs/wazero v1.12.0

require golang.org/x/sys v0.44.0 // indirect
