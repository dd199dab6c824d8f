module tinybind/go-oracle

go 1.21
