;; The neighbour sum of the distinct-row GCN pass (predictor/distinct-rows.ts), 4 float32 lanes at
;; a time: for u < rows, out[u] = Σ x[neighbours[e]] over e in [offsets[u], offsets[u + 1]), added in
;; that order from 0. x and out are float32 matrices of rowBytes per row (a multiple of 16);
;; offsets and neighbours are int32 arrays. Every address is a byte offset into tfjs-backend-wasm's
;; heap. Compiled at build time by wat-plugin.ts; row-sum.ts loads it, and outputs.test.ts pins
;; every bit of both builds.
(module
  ;; tfjs-backend-wasm's heap, imported plain or, in tfjs's threaded build, shared (a shared memory
  ;; must declare a maximum: the largest, so any heap fits).
  (import "env" "memory" (memory 0))               ;; only: import
  (import "env" "memory" (memory 0 65536 shared))  ;; only: import-shared

  (func (export "rowSum")
    (param $x i32) (param $offsets i32) (param $neighbours i32) (param $out i32) (param $rows i32) (param $rowBytes i32)
    (local $u i32) (local $k i32) (local $e i32) (local $first i32) (local $end i32) (local $outRow i32)
    (local $acc v128) (local $zero v128) ;; v128 locals start at 0

    (block $rowsDone (loop $nextRow
      (br_if $rowsDone (i32.ge_u (local.get $u) (local.get $rows)))
      ;; this row's neighbours are entries offsets[u] .. offsets[u + 1] of the neighbour list
      (local.set $first (i32.load (i32.add (local.get $offsets) (i32.shl (local.get $u) (i32.const 2)))))
      (local.set $end (i32.load offset=4 (i32.add (local.get $offsets) (i32.shl (local.get $u) (i32.const 2)))))
      (local.set $outRow (i32.add (local.get $out) (i32.mul (local.get $u) (local.get $rowBytes))))

      (local.set $k (i32.const 0))
      (block $lanesDone (loop $nextLanes
        (br_if $lanesDone (i32.ge_u (local.get $k) (local.get $rowBytes)))
        (local.set $acc (local.get $zero))
        (local.set $e (local.get $first))
        (block $neighboursDone (loop $nextNeighbour
          (br_if $neighboursDone (i32.ge_u (local.get $e) (local.get $end)))
          ;; acc += x[neighbours[e]][k .. k + 3]
          (local.set $acc (f32x4.add (local.get $acc)
            (v128.load (i32.add
              (i32.add (local.get $x)
                (i32.mul (i32.load (i32.add (local.get $neighbours) (i32.shl (local.get $e) (i32.const 2)))) (local.get $rowBytes)))
              (local.get $k)))))
          (local.set $e (i32.add (local.get $e) (i32.const 1)))
          (br $nextNeighbour)))
        (v128.store (i32.add (local.get $outRow) (local.get $k)) (local.get $acc))
        (local.set $k (i32.add (local.get $k) (i32.const 16)))
        (br $nextLanes)))

      (local.set $u (i32.add (local.get $u) (i32.const 1)))
      (br $nextRow)))))
