;; Hand-written: a guest with one page of memory and a bump `malloc`, which
;; no compiler emits this small. The memory-reader property test
;; (tests/all/hostile.rs) and the `memory_readers` fuzz target write
;; `{ptr, len}` headers into its memory and read them back.
(module
  (memory (export "memory") 1)
  (global $next (mut i32) (i32.const 1024))
  (func (export "malloc") (param $n i32) (result i32)
    (local $p i32)
    (local.set $p (global.get $next))
    (global.set $next (i32.add (local.get $p) (local.get $n)))
    (local.get $p))
  (func (export "free") (param i32)))
