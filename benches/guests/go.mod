// Module for the bench-only TinyGo guests: see build.sh.
module tinybind/bench-guests

go 1.22
