;; Hand-written: a reactor whose `_initialize` calls a host function, as
;; TinyGo 0.10 browser builds call `env.io_get_stdout` in `_start`. Start-up
;; then needs the host; hoststart.go declares the import.
(module
  (import "env" "ready" (func $ready (result i32)))
  (memory (export "memory") 1)
  (global $state (mut i32) (i32.const 0))
  (func (export "_initialize")
    (global.set $state (call $ready)))
  (func (export "state") (result i32)
    (global.get $state))
)
