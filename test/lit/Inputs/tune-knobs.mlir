// A payload and its transform schedule with two knobs (tile sizes; the
// second already selected) and a choice between two loop orders, for the
// tune-knob tests. The schedule runs with --transform-interpreter once the
// choices are made.
func.func @mm(%A: memref<64x48xf32>, %B: memref<48x32xf32>, %C: memref<64x32xf32>) {
  linalg.matmul ins(%A, %B : memref<64x48xf32>, memref<48x32xf32>) outs(%C : memref<64x32xf32>)
  return
}

module attributes {transform.with_named_sequence} {
  transform.named_sequence @__transform_main(%root: !transform.any_op {transform.readonly}) {
    %m = transform.structured.match ops{["linalg.matmul"]} in %root : (!transform.any_op) -> !transform.any_op
    %ti = transform.tune.knob<"tile_i"> options = [4, 8, 16, 32] -> !transform.param<i64>
    %tj = transform.tune.knob<"tile_j"> = 8 from options = [8, 16] -> !transform.param<i64>
    transform.tune.alternatives<"order"> {
      %t, %l:2 = transform.structured.tile_using_for %m tile_sizes [%ti, %tj, 0] : (!transform.any_op, !transform.param<i64>, !transform.param<i64>) -> (!transform.any_op, !transform.any_op, !transform.any_op)
    }, {
      %t, %l:2 = transform.structured.tile_using_for %m tile_sizes [%ti, %tj, 0] interchange = [1, 0, 2] : (!transform.any_op, !transform.param<i64>, !transform.param<i64>) -> (!transform.any_op, !transform.any_op, !transform.any_op)
    }
    transform.yield
  }
}
