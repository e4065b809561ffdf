// Loop nests for the affine-unroll-jam tests: a matmul accumulating in memory
// (i and j independent, k carrying C's sum), row sums carried in registers
// (iter_args), a sweep whose outer loop carries a dependence, a triangular
// nest (inner bounds depend on the outer loop), and an outer loop bounded
// only at run time.
func.func @matmul(%A: memref<16x16xf32>, %B: memref<16x16xf32>, %C: memref<16x16xf32>) {
  affine.for %i = 0 to 16 {
    affine.for %j = 0 to 16 {
      affine.for %k = 0 to 16 {
        %a = affine.load %A[%i, %k] : memref<16x16xf32>
        %b = affine.load %B[%k, %j] : memref<16x16xf32>
        %c = affine.load %C[%i, %j] : memref<16x16xf32>
        %p = arith.mulf %a, %b : f32
        %s = arith.addf %c, %p : f32
        affine.store %s, %C[%i, %j] : memref<16x16xf32>
      }
    }
  }
  return
}

func.func @rowsums(%A: memref<6x32xf32>, %R: memref<6xf32>) {
  %zero = arith.constant 0.0 : f32
  affine.for %i = 0 to 6 {
    %sum = affine.for %j = 0 to 32 iter_args(%acc = %zero) -> (f32) {
      %a = affine.load %A[%i, %j] : memref<6x32xf32>
      %s = arith.addf %acc, %a : f32
      affine.yield %s : f32
    }
    affine.store %sum, %R[%i] : memref<6xf32>
  }
  return
}

func.func @sweep(%A: memref<8x32xf32>) {
  affine.for %t = 1 to 8 {
    affine.for %j = 0 to 32 {
      %x = affine.load %A[%t - 1, %j] : memref<8x32xf32>
      affine.store %x, %A[%t, %j] : memref<8x32xf32>
    }
  }
  return
}

func.func @triangle(%A: memref<16x16xf32>, %v: f32) {
  affine.for %i = 0 to 16 {
    affine.for %j = 0 to affine_map<(d0) -> (d0)>(%i) {
      affine.store %v, %A[%i, %j] : memref<16x16xf32>
    }
  }
  return
}

func.func @dynamic(%A: memref<?x8xf32>, %n: index, %v: f32) {
  affine.for %i = 0 to %n {
    affine.for %j = 0 to 8 {
      affine.store %v, %A[%i, %j] : memref<?x8xf32>
    }
  }
  return
}
