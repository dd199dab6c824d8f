module tinybind.peers/extism

go 1.22

require github.com/extism/go-pdk v1.1.3
