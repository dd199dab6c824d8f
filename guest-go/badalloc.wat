;; badalloc: a HAND-WRITTEN guest, not built by TinyGo.
;;
;; TinyGo's `malloc` never returns null or a pointer outside memory (it traps
;; with "out of memory" instead), so no Go source can produce the guest the
;; host's allocation checks are meant for. This module is shaped like TinyGo
;; output so that the code generator binds it like one: it exports `memory`,
;; `malloc` and `free`, a no-op `_initialize` (a reactor), and string results
;; come through a return pointer given as the first parameter (Go's string
;; layout: ptr, len). `badalloc.go` next to it holds the Go declarations that
;; give it typed bindings.
;;
;; `malloc` always succeeds for requests of at most 64 bytes (the host's
;; 8-byte retptr area, allocated at instantiation), and for bigger ones (the
;; host's argument arena) it misbehaves as `set_mode` says:
;;   0  a correct bump allocator
;;   1  returns null
;;   2  returns 0xFFFF0000, far outside memory (the default)
;;   3  returns a block that starts inside memory but ends past its end
;;   4  never returns (an endless loop, for the deadline and fuel)
(module
  (memory (export "memory") 2)
  ;; Next free byte of the bump allocator.
  (global $next (mut i32) (i32.const 4096))
  (global $mode (mut i32) (i32.const 2))

  (func (export "_initialize"))

  (func $bump (param $size i32) (result i32)
    (local $ptr i32)
    (local.set $ptr (global.get $next))
    ;; Keep every block 8-byte aligned.
    (global.set $next
      (i32.and
        (i32.add (i32.add (local.get $ptr) (local.get $size)) (i32.const 7))
        (i32.const -8)))
    ;; Grow memory when the block does not fit.
    (block $fits
      (br_if $fits
        (i32.le_u (global.get $next)
                  (i32.mul (memory.size) (i32.const 65536))))
      (drop (memory.grow
        (i32.add
          (i32.div_u
            (i32.sub (global.get $next) (i32.mul (memory.size) (i32.const 65536)))
            (i32.const 65536))
          (i32.const 1)))))
    (local.get $ptr))

  (func (export "malloc") (param $size i32) (result i32)
    (if (i32.le_u (local.get $size) (i32.const 64))
      (then (return (call $bump (local.get $size)))))
    (block $bad
      (block $spin
        (block $outside
          (block $null
            (block $good
              (br_table $good $null $outside $bad $spin (global.get $mode)))
            (return (call $bump (local.get $size))))
          (return (i32.const 0)))
        (return (i32.const 0xFFFF0000)))
      ;; Mode 4: an endless loop.
      (loop $forever (br $forever)))
    ;; Mode 3: 16 bytes before the end of memory.
    (i32.sub (i32.mul (memory.size) (i32.const 65536)) (i32.const 16)))

  (func (export "free") (param $ptr i32))

  ;; func setMode(mode int32)
  (func (export "set_mode") (param $mode i32)
    (global.set $mode (local.get $mode)))

  ;; func echo(s string) string: returns its argument.
  (func (export "echo") (param $ret i32) (param $ptr i32) (param $len i32)
    (i32.store (local.get $ret) (local.get $ptr))
    (i32.store offset=4 (local.get $ret) (local.get $len)))

  ;; func peek(addr int32) int32: the 32-bit word at addr.
  (func (export "peek") (param $addr i32) (result i32)
    (i32.load (local.get $addr)))

  ;; func allOnes() string: a string of length 0xFFFFFFFF at address 1024.
  (func (export "all_ones") (param $ret i32)
    (i32.store (local.get $ret) (i32.const 1024))
    (i32.store offset=4 (local.get $ret) (i32.const -1)))
)
