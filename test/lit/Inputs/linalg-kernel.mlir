// A Linalg kernel that prints a checksum: C = A x B with linalg.matmul on
// 37x13 and 13x29 integer matrices filled with a pattern, then the sum of C
// weighted by position. Odd sizes leave partial tiles for every tile size.
func.func @main() {
  %A = memref.alloc() : memref<37x13xi64>
  %B = memref.alloc() : memref<13x29xi64>
  %C = memref.alloc() : memref<37x29xi64>
  %S = memref.alloc() : memref<1xi64>
  %zero = arith.constant 0 : i64
  affine.for %i = 0 to 37 {
    affine.for %k = 0 to 13 {
      %v = affine.apply affine_map<(d0, d1) -> (d0 * 3 + d1 * 7 + 1)>(%i, %k)
      %x = arith.index_cast %v : index to i64
      affine.store %x, %A[%i, %k] : memref<37x13xi64>
    }
  }
  affine.for %k = 0 to 13 {
    affine.for %j = 0 to 29 {
      %v = affine.apply affine_map<(d0, d1) -> (d0 * 5 + d1 * 2 + 3)>(%k, %j)
      %x = arith.index_cast %v : index to i64
      affine.store %x, %B[%k, %j] : memref<13x29xi64>
    }
  }
  linalg.fill ins(%zero : i64) outs(%C : memref<37x29xi64>)
  linalg.matmul ins(%A, %B : memref<37x13xi64>, memref<13x29xi64>) outs(%C : memref<37x29xi64>)
  affine.store %zero, %S[0] : memref<1xi64>
  affine.for %i = 0 to 37 {
    affine.for %j = 0 to 29 {
      %c = affine.load %C[%i, %j] : memref<37x29xi64>
      %w = affine.apply affine_map<(d0, d1) -> (d0 * 29 + d1 + 1)>(%i, %j)
      %wi = arith.index_cast %w : index to i64
      %t = arith.muli %c, %wi : i64
      %s = affine.load %S[0] : memref<1xi64>
      %u = arith.addi %s, %t : i64
      affine.store %u, %S[0] : memref<1xi64>
    }
  }
  %r = affine.load %S[0] : memref<1xi64>
  vector.print %r : i64
  memref.dealloc %A : memref<37x13xi64>
  memref.dealloc %B : memref<13x29xi64>
  memref.dealloc %C : memref<37x29xi64>
  memref.dealloc %S : memref<1xi64>
  return
}
