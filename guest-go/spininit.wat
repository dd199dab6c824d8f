;; Hand-written: a reactor whose start-up never ends, for the
;; pre-initialisation tests: the snapshot run must stop it at the deadline
;; and keep the guest on the normal path, whose start-up then times out too.
(module
  (memory (export "memory") 1)
  (global $n (mut i32) (i32.const 0))
  (func (export "_initialize")
    (loop $forever
      (global.set $n (i32.add (global.get $n) (i32.const 1)))
      (br $forever)))
  (func (export "count") (result i32)
    (global.get $n))
)
