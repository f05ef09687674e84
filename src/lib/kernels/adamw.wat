;; One AdamW step over float32 arrays, 4 lanes at a time, as tfjs's kernels compute it: the same
;; float32 operations in the same order, so the two agree bit for bit (adamw.test.ts), and
;; outputs.test.ts pins every bit of this build. Compiled at build time by wat-plugin.ts;
;; adamw.ts loads it.
;;
;;   m = m·β₁ + g·(1−β₁);  v = v·β₂ + (g·g)·(1−β₂);  wOut = w·decay − (m / (√v·s + ε))·stepSize
;;
;; w, g, m, v, wOut: byte offsets; bytes: how many bytes of each array (a multiple of 16); m and v
;; are updated in place; wOut may be w.
(module
  ;; One source, three modules (wat-plugin.ts keeps a line marked `only:` in the named builds):
  ;; its own memory, or tfjs-backend-wasm's heap imported plain or, in tfjs's threaded build, shared
  ;; (a shared memory must declare a maximum: the largest, so any heap fits).
  (memory (export "memory") 1)                     ;; only: own
  (import "env" "memory" (memory 0))               ;; only: import
  (import "env" "memory" (memory 0 65536 shared))  ;; only: import-shared

  (func (export "adamw")
    (param $w i32) (param $g i32) (param $m i32) (param $v i32) (param $bytes i32)
    (param $beta1 f32) (param $oneMinusBeta1 f32) (param $beta2 f32) (param $oneMinusBeta2 f32)
    (param $epsilon f32) (param $stepSize f32) (param $secondMomentScale f32) (param $decay f32)
    (param $wOut i32)
    (local $i i32)
    ;; the scalars in 4 lanes
    (local $beta1V v128) (local $oneMinusBeta1V v128) (local $beta2V v128) (local $oneMinusBeta2V v128)
    (local $epsilonV v128) (local $stepSizeV v128) (local $secondMomentScaleV v128) (local $decayV v128)
    (local $gi v128) (local $mi v128) (local $vi v128)

    (local.set $beta1V (f32x4.splat (local.get $beta1)))
    (local.set $oneMinusBeta1V (f32x4.splat (local.get $oneMinusBeta1)))
    (local.set $beta2V (f32x4.splat (local.get $beta2)))
    (local.set $oneMinusBeta2V (f32x4.splat (local.get $oneMinusBeta2)))
    (local.set $epsilonV (f32x4.splat (local.get $epsilon)))
    (local.set $stepSizeV (f32x4.splat (local.get $stepSize)))
    (local.set $secondMomentScaleV (f32x4.splat (local.get $secondMomentScale)))
    (local.set $decayV (f32x4.splat (local.get $decay)))

    (block $done (loop $next
      (br_if $done (i32.ge_u (local.get $i) (local.get $bytes)))
      (local.set $gi (v128.load (i32.add (local.get $g) (local.get $i))))
      (local.set $mi (f32x4.add
        (f32x4.mul (v128.load (i32.add (local.get $m) (local.get $i))) (local.get $beta1V))
        (f32x4.mul (local.get $gi) (local.get $oneMinusBeta1V))))
      (local.set $vi (f32x4.add
        (f32x4.mul (v128.load (i32.add (local.get $v) (local.get $i))) (local.get $beta2V))
        (f32x4.mul (f32x4.mul (local.get $gi) (local.get $gi)) (local.get $oneMinusBeta2V))))
      (v128.store (i32.add (local.get $m) (local.get $i)) (local.get $mi))
      (v128.store (i32.add (local.get $v) (local.get $i)) (local.get $vi))
      (v128.store (i32.add (local.get $wOut) (local.get $i))
        (f32x4.sub
          (f32x4.mul (v128.load (i32.add (local.get $w) (local.get $i))) (local.get $decayV))
          (f32x4.mul
            (f32x4.div
              (local.get $mi)
              (f32x4.add (f32x4.mul (f32x4.sqrt (local.get $vi)) (local.get $secondMomentScaleV)) (local.get $epsilonV)))
            (local.get $stepSizeV))))
      (local.set $i (i32.add (local.get $i) (i32.const 16)))
      (br $next)))
  )
)
