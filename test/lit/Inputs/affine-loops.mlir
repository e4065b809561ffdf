// Affine loops for the affine-unroll tests: a constant trip count of 8, a
// 16x4 nest, a bound known only at run time, a short loop of 3 and a loop
// with a call, in a file named like a kernel (keys start with its name).
func.func private @ext(f32) -> f32

func.func @scale(%A: memref<8xf32>, %v: f32) {
  affine.for %i = 0 to 8 {
    %x = affine.load %A[%i] : memref<8xf32>
    %y = arith.mulf %x, %v : f32
    affine.store %y, %A[%i] : memref<8xf32>
  }
  return
}

func.func @nest(%B: memref<16x4xf32>, %v: f32) {
  affine.for %i = 0 to 16 {
    affine.for %j = 0 to 4 {
      affine.store %v, %B[%i, %j] : memref<16x4xf32>
    }
  }
  return
}

func.func @dynamic(%C: memref<?xf32>, %n: index, %v: f32) {
  affine.for %i = 0 to %n {
    affine.store %v, %C[%i] : memref<?xf32>
  }
  return
}

func.func @short(%D: memref<3xf32>, %v: f32) {
  affine.for %i = 0 to 3 {
    affine.store %v, %D[%i] : memref<3xf32>
  }
  return
}

func.func @calls(%E: memref<10xf32>) {
  affine.for %i = 0 to 10 {
    %x = affine.load %E[%i] : memref<10xf32>
    %y = func.call @ext(%x) : (f32) -> f32
    affine.store %y, %E[%i] : memref<10xf32>
  }
  return
}
