;; Hand-written, shaped like TinyGo output (`memory`, `malloc`/`free`, a
;; retptr string import), for the host-function edge cases TinyGo never
;; emits: pointers outside memory, bytes that are not UTF-8, a result area
;; outside memory, and a `malloc` that calls back into the host (while the
;; runtime places a typed result, and while a raw method allocates). The declarations in badhost.go
;; type its imports and exports.
(module
  (import "env" "log" (func $log (param i32 i32)))
  (import "env" "lookup" (func $lookup (param i32 i32 i32)))
  ;; Undeclared in badhost.go, so raw: fill(out) writes {ptr, len} of a
  ;; host-allocated string at out.
  (import "env" "fill" (func $fill (param i32)))
  (memory (export "memory") 1)
  ;; The next free byte of a bump allocator.
  (global $next (mut i32) (i32.const 4096))
  ;; Whether malloc calls env.log (re-entering the host).
  (global $reenter (mut i32) (i32.const 0))
  (data (i32.const 16) "\ff\fe\fd")
  (data (i32.const 32) "key")
  (func (export "malloc") (param $n i32) (result i32)
    (local $p i32)
    (if (global.get $reenter)
      (then (call $log (i32.const 32) (i32.const 3))))
    (local.set $p (global.get $next))
    (global.set $next
      (i32.and (i32.add (i32.add (local.get $p) (local.get $n)) (i32.const 7))
               (i32.const -8)))
    (local.get $p))
  (func (export "free") (param i32))
  ;; 1000 bytes from 65000: past the end of the 64 KiB memory.
  (func (export "log_out_of_bounds")
    (call $log (i32.const 65000) (i32.const 1000)))
  (func (export "log_not_utf8")
    (call $log (i32.const 16) (i32.const 3)))
  ;; A result area of 8 bytes at 65532: past the end.
  (func (export "lookup_bad_retptr")
    (call $lookup (i32.const 65532) (i32.const 32) (i32.const 3)))
  (func (export "lookup_reentrant")
    (global.set $reenter (i32.const 1))
    (call $lookup (i32.const 64) (i32.const 32) (i32.const 3))
    (global.set $reenter (i32.const 0)))
  (func (export "fill_len") (result i32)
    (call $fill (i32.const 128))
    (i32.load (i32.const 132)))
  (func (export "fill_reentrant")
    (global.set $reenter (i32.const 1))
    (call $fill (i32.const 128))
    (global.set $reenter (i32.const 0)))
  ;; lookup("key") through a result area at 64, returning the string's length.
  (func (export "lookup_len") (result i32)
    (call $lookup (i32.const 64) (i32.const 32) (i32.const 3))
    (i32.load (i32.const 68)))
)
