// bench/mlir_search.py's matmul: C = A B on 512x512 f32 matrices, the
// classic i-j-k nest in @kernel (the decisions that matter), with the
// matrices filled and the result summed in @main. The values are small
// integers, so every sum is exact in f32 and any order of the loops that
// keeps the dependences prints the same checksum.
func.func @kernel(%A: memref<512x512xf32>, %B: memref<512x512xf32>, %C: memref<512x512xf32>) {
  affine.for %i = 0 to 512 {
    affine.for %j = 0 to 512 {
      affine.for %k = 0 to 512 {
        %a = affine.load %A[%i, %k] : memref<512x512xf32>
        %b = affine.load %B[%k, %j] : memref<512x512xf32>
        %c = affine.load %C[%i, %j] : memref<512x512xf32>
        %p = arith.mulf %a, %b : f32
        %s = arith.addf %c, %p : f32
        affine.store %s, %C[%i, %j] : memref<512x512xf32>
      }
    }
  }
  return
}

func.func @main() {
  %A = memref.alloc() : memref<512x512xf32>
  %B = memref.alloc() : memref<512x512xf32>
  %C = memref.alloc() : memref<512x512xf32>
  %sum = memref.alloc() : memref<1xi64>
  %zero = arith.constant 0.0 : f32
  %zero_i = arith.constant 0 : i64
  affine.for %i = 0 to 512 {
    affine.for %j = 0 to 512 {
      %a = affine.apply affine_map<(d0, d1) -> ((d0 * 3 + d1) mod 7)>(%i, %j)
      %b = affine.apply affine_map<(d0, d1) -> ((d0 + d1 * 5) mod 5)>(%i, %j)
      %ai = arith.index_cast %a : index to i32
      %bi = arith.index_cast %b : index to i32
      %af = arith.sitofp %ai : i32 to f32
      %bf = arith.sitofp %bi : i32 to f32
      affine.store %af, %A[%i, %j] : memref<512x512xf32>
      affine.store %bf, %B[%i, %j] : memref<512x512xf32>
      affine.store %zero, %C[%i, %j] : memref<512x512xf32>
    }
  }
  func.call @kernel(%A, %B, %C) : (memref<512x512xf32>, memref<512x512xf32>, memref<512x512xf32>) -> ()
  affine.store %zero_i, %sum[0] : memref<1xi64>
  affine.for %i = 0 to 512 {
    affine.for %j = 0 to 512 {
      %c = affine.load %C[%i, %j] : memref<512x512xf32>
      %ci = arith.fptosi %c : f32 to i64
      %w = affine.apply affine_map<(d0, d1) -> ((d0 * 512 + d1) mod 1021 + 1)>(%i, %j)
      %wi = arith.index_cast %w : index to i64
      %t = arith.muli %ci, %wi : i64
      %s = affine.load %sum[0] : memref<1xi64>
      %u = arith.addi %s, %t : i64
      affine.store %u, %sum[0] : memref<1xi64>
    }
  }
  %r = affine.load %sum[0] : memref<1xi64>
  vector.print %r : i64
  memref.dealloc %A : memref<512x512xf32>
  memref.dealloc %B : memref<512x512xf32>
  memref.dealloc %C : memref<512x512xf32>
  memref.dealloc %sum : memref<1xi64>
  return
}
