// Perfect affine.for bands for the affine-tile tests: a 64x64x64 matmul (a
// band of three), an in-place stencil whose dependence runs backwards along
// j (MLIR's validity check lets it be tiled), an imperfect nest (a band of
// one) and a loop bounded only at run time.
func.func @matmul(%A: memref<64x64xf32>, %B: memref<64x64xf32>, %C: memref<64x64xf32>) {
  affine.for %i = 0 to 64 {
    affine.for %j = 0 to 64 {
      affine.for %k = 0 to 64 {
        %a = affine.load %A[%i, %k] : memref<64x64xf32>
        %b = affine.load %B[%k, %j] : memref<64x64xf32>
        %c = affine.load %C[%i, %j] : memref<64x64xf32>
        %p = arith.mulf %a, %b : f32
        %s = arith.addf %c, %p : f32
        affine.store %s, %C[%i, %j] : memref<64x64xf32>
      }
    }
  }
  return
}

func.func @skewed(%A: memref<64x64xf32>) {
  affine.for %i = 1 to 63 {
    affine.for %j = 1 to 63 {
      %x = affine.load %A[%i - 1, %j + 1] : memref<64x64xf32>
      affine.store %x, %A[%i, %j] : memref<64x64xf32>
    }
  }
  return
}

func.func @imperfect(%A: memref<32x32xf32>, %v: f32) {
  affine.for %i = 0 to 32 {
    affine.store %v, %A[%i, 0] : memref<32x32xf32>
    affine.for %j = 1 to 32 {
      affine.store %v, %A[%i, %j] : memref<32x32xf32>
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
