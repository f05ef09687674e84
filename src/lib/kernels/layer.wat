;; ReLU(LayerNorm(in + bias))·scale over the rows of a [rows, width] float32 matrix, forward and
;; closed-form backward, 4 lanes at a time (width a multiple of 4; rowBytes = 4·width).
;; Compiled at build time by wat-plugin.ts; layer.ts loads it. Every address is a byte offset.
;;
;;   forward: per row  z = in + bias → out;  mean = Σz / width;  var = Σ(z − mean)² / width
;;            rstd[r] = 1/√(var + ε);  norm = (z − mean)·rstd;  out = max(norm·gain + shift, 0)·scale
;;   backward: per row  dPre = dy·scale where out > 0, else 0;  dGain += dPre·norm;  dShift += dPre
;;            d = dPre·gain;  dIn = rstd·(d − mean(d) − norm·mean(d·norm));  dBias += dIn
;; dBias, dGain and dShift accumulate over rows: the caller zeroes them first.
;;
;; Float32 throughout, and the arithmetic order is part of the contract: row sums are 4 lane-wise
;; partial sums added at the end ($sum4), so results differ from tfjs's kernels in the last bits
;; (fused.test.ts) but never between the builds (outputs.test.ts pins every bit).
(module
  ;; One source, three modules (wat-plugin.ts keeps a line marked `only:` in the named builds):
  ;; its own memory, or tfjs-backend-wasm's heap imported plain or, in tfjs's threaded build, shared
  ;; (a shared memory must declare a maximum: the largest, so any heap fits).
  (memory (export "memory") 1)                     ;; only: own
  (import "env" "memory" (memory 0))               ;; only: import
  (import "env" "memory" (memory 0 65536 shared))  ;; only: import-shared

  ;; lane 0 + lane 1 + lane 2 + lane 3, in that order
  (func $sum4 (param $v v128) (result f32)
    (f32.add
      (f32.add
        (f32.add (f32x4.extract_lane 0 (local.get $v)) (f32x4.extract_lane 1 (local.get $v)))
        (f32x4.extract_lane 2 (local.get $v)))
      (f32x4.extract_lane 3 (local.get $v))))

  (func (export "forward")
    (param $in i32) (param $bias i32) (param $gain i32) (param $shift i32)
    (param $out i32) (param $norm i32) (param $rstd i32) (param $rows i32) (param $rowBytes i32)
    (param $scale f32) (param $epsilon f32) (param $width f32)
    (local $r i32) (local $k i32) (local $rowIn i32) (local $rowOut i32) (local $rowNorm i32)
    (local $inv f32)
    (local $acc v128) (local $z v128) (local $meanV v128) (local $invV v128) (local $scaleV v128)
    (local $zero v128) ;; v128 locals start at 0

    (local.set $scaleV (f32x4.splat (local.get $scale)))
    (local.set $r (i32.const 0))
    (block $rowsDone (loop $row
      (br_if $rowsDone (i32.ge_u (local.get $r) (local.get $rows)))
      (local.set $rowIn (i32.add (local.get $in) (i32.mul (local.get $r) (local.get $rowBytes))))
      (local.set $rowOut (i32.add (local.get $out) (i32.mul (local.get $r) (local.get $rowBytes))))
      (local.set $rowNorm (i32.add (local.get $norm) (i32.mul (local.get $r) (local.get $rowBytes))))

      ;; z = in + bias, kept in out; Σz
      (local.set $acc (local.get $zero))
      (local.set $k (i32.const 0))
      (block $done (loop $next
        (br_if $done (i32.ge_u (local.get $k) (local.get $rowBytes)))
        (local.set $z (f32x4.add
          (v128.load (i32.add (local.get $rowIn) (local.get $k)))
          (v128.load (i32.add (local.get $bias) (local.get $k)))))
        (v128.store (i32.add (local.get $rowOut) (local.get $k)) (local.get $z))
        (local.set $acc (f32x4.add (local.get $acc) (local.get $z)))
        (local.set $k (i32.add (local.get $k) (i32.const 16)))
        (br $next)))
      (local.set $meanV (f32x4.splat (f32.div (call $sum4 (local.get $acc)) (local.get $width))))

      ;; Σ(z − mean)²
      (local.set $acc (local.get $zero))
      (local.set $k (i32.const 0))
      (block $done (loop $next
        (br_if $done (i32.ge_u (local.get $k) (local.get $rowBytes)))
        (local.set $z (f32x4.sub (v128.load (i32.add (local.get $rowOut) (local.get $k))) (local.get $meanV)))
        (local.set $acc (f32x4.add (local.get $acc) (f32x4.mul (local.get $z) (local.get $z))))
        (local.set $k (i32.add (local.get $k) (i32.const 16)))
        (br $next)))
      (local.set $inv (f32.div
        (f32.const 1)
        (f32.sqrt (f32.add (f32.div (call $sum4 (local.get $acc)) (local.get $width)) (local.get $epsilon)))))
      (f32.store (i32.add (local.get $rstd) (i32.mul (local.get $r) (i32.const 4))) (local.get $inv))
      (local.set $invV (f32x4.splat (local.get $inv)))

      ;; norm = (z − mean)·rstd;  out = max(norm·gain + shift, 0)·scale
      (local.set $k (i32.const 0))
      (block $done (loop $next
        (br_if $done (i32.ge_u (local.get $k) (local.get $rowBytes)))
        (local.set $z (f32x4.mul
          (f32x4.sub (v128.load (i32.add (local.get $rowOut) (local.get $k))) (local.get $meanV))
          (local.get $invV)))
        (v128.store (i32.add (local.get $rowNorm) (local.get $k)) (local.get $z))
        (v128.store (i32.add (local.get $rowOut) (local.get $k))
          (f32x4.mul
            (f32x4.max
              (f32x4.add
                (f32x4.mul (local.get $z) (v128.load (i32.add (local.get $gain) (local.get $k))))
                (v128.load (i32.add (local.get $shift) (local.get $k))))
              (local.get $zero))
            (local.get $scaleV)))
        (local.set $k (i32.add (local.get $k) (i32.const 16)))
        (br $next)))

      (local.set $r (i32.add (local.get $r) (i32.const 1)))
      (br $row))))

  (func (export "backward")
    (param $dy i32) (param $out i32) (param $norm i32) (param $rstd i32) (param $gain i32)
    (param $dIn i32) (param $dBias i32) (param $dGain i32) (param $dShift i32) (param $rows i32) (param $rowBytes i32)
    (param $scale f32) (param $width f32)
    (local $r i32) (local $k i32) (local $rowDy i32) (local $rowOut i32) (local $rowNorm i32) (local $rowDIn i32)
    (local $accD v128) (local $accDNorm v128) (local $dPre v128) (local $xHat v128) (local $d v128)
    (local $meanDV v128) (local $meanDNormV v128) (local $invV v128) (local $scaleV v128)
    (local $zero v128) ;; v128 locals start at 0

    (local.set $scaleV (f32x4.splat (local.get $scale)))
    (local.set $r (i32.const 0))
    (block $rowsDone (loop $row
      (br_if $rowsDone (i32.ge_u (local.get $r) (local.get $rows)))
      (local.set $rowDy (i32.add (local.get $dy) (i32.mul (local.get $r) (local.get $rowBytes))))
      (local.set $rowOut (i32.add (local.get $out) (i32.mul (local.get $r) (local.get $rowBytes))))
      (local.set $rowNorm (i32.add (local.get $norm) (i32.mul (local.get $r) (local.get $rowBytes))))
      (local.set $rowDIn (i32.add (local.get $dIn) (i32.mul (local.get $r) (local.get $rowBytes))))

      ;; d = dPre·gain, kept in dIn; the gain and shift gradients; Σd and Σd·norm
      (local.set $accD (local.get $zero))
      (local.set $accDNorm (local.get $zero))
      (local.set $k (i32.const 0))
      (block $done (loop $next
        (br_if $done (i32.ge_u (local.get $k) (local.get $rowBytes)))
        (local.set $dPre (v128.and
          (f32x4.mul (v128.load (i32.add (local.get $rowDy) (local.get $k))) (local.get $scaleV))
          (f32x4.gt (v128.load (i32.add (local.get $rowOut) (local.get $k))) (local.get $zero))))
        (local.set $xHat (v128.load (i32.add (local.get $rowNorm) (local.get $k))))
        (v128.store (i32.add (local.get $dGain) (local.get $k))
          (f32x4.add (v128.load (i32.add (local.get $dGain) (local.get $k))) (f32x4.mul (local.get $dPre) (local.get $xHat))))
        (v128.store (i32.add (local.get $dShift) (local.get $k))
          (f32x4.add (v128.load (i32.add (local.get $dShift) (local.get $k))) (local.get $dPre)))
        (local.set $d (f32x4.mul (local.get $dPre) (v128.load (i32.add (local.get $gain) (local.get $k)))))
        (v128.store (i32.add (local.get $rowDIn) (local.get $k)) (local.get $d))
        (local.set $accD (f32x4.add (local.get $accD) (local.get $d)))
        (local.set $accDNorm (f32x4.add (local.get $accDNorm) (f32x4.mul (local.get $d) (local.get $xHat))))
        (local.set $k (i32.add (local.get $k) (i32.const 16)))
        (br $next)))
      (local.set $meanDV (f32x4.splat (f32.div (call $sum4 (local.get $accD)) (local.get $width))))
      (local.set $meanDNormV (f32x4.splat (f32.div (call $sum4 (local.get $accDNorm)) (local.get $width))))
      (local.set $invV (f32x4.splat (f32.load (i32.add (local.get $rstd) (i32.mul (local.get $r) (i32.const 4))))))

      ;; dIn = rstd·(d − mean(d) − norm·mean(d·norm));  dBias += dIn
      (local.set $k (i32.const 0))
      (block $done (loop $next
        (br_if $done (i32.ge_u (local.get $k) (local.get $rowBytes)))
        (local.set $d (f32x4.mul
          (local.get $invV)
          (f32x4.sub
            (f32x4.sub (v128.load (i32.add (local.get $rowDIn) (local.get $k))) (local.get $meanDV))
            (f32x4.mul (v128.load (i32.add (local.get $rowNorm) (local.get $k))) (local.get $meanDNormV)))))
        (v128.store (i32.add (local.get $rowDIn) (local.get $k)) (local.get $d))
        (v128.store (i32.add (local.get $dBias) (local.get $k))
          (f32x4.add (v128.load (i32.add (local.get $dBias) (local.get $k))) (local.get $d)))
        (local.set $k (i32.add (local.get $k) (i32.const 16)))
        (br $next)))

      (local.set $r (i32.add (local.get $r) (i32.const 1)))
      (br $row))))
)
