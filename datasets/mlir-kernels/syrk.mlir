// syrk: C = A A^T + 2 C on the lower triangle, A 36x28.
// Written for OptGym: integer arithmetic, so any loop transformation
// that keeps the semantics prints the same checksum.
func.func @main() {
  %zero = arith.constant 0 : i64
  %sum = memref.alloc() : memref<1xi64>
  %A = memref.alloc() : memref<36x28xi64>
  %C = memref.alloc() : memref<36x36xi64>
  affine.for %i = 0 to 36 {
    affine.for %j = 0 to 28 {
      %v = affine.apply affine_map<(d0, d1) -> ((d0 * 3 + d1 * 7 + 2) mod 11)>(%i, %j)
      %x = arith.index_cast %v : index to i64
      affine.store %x, %A[%i, %j] : memref<36x28xi64>
    }
  }
  affine.for %i = 0 to 36 {
    affine.for %j = 0 to 36 {
      %v = affine.apply affine_map<(d0, d1) -> ((d0 * 5 + d1 * 2 + 1) mod 13)>(%i, %j)
      %x = arith.index_cast %v : index to i64
      affine.store %x, %C[%i, %j] : memref<36x36xi64>
    }
  }
  affine.for %i = 0 to 36 {
    affine.for %j = 0 to affine_map<(d0) -> (d0 + 1)>(%i) {
      %two = arith.constant 2 : i64
      %c = affine.load %C[%i, %j] : memref<36x36xi64>
      %c2 = arith.muli %c, %two : i64
      affine.store %c2, %C[%i, %j] : memref<36x36xi64>
      affine.for %k = 0 to 28 {
        %a = affine.load %A[%i, %k] : memref<36x28xi64>
        %b = affine.load %A[%j, %k] : memref<36x28xi64>
        %acc = affine.load %C[%i, %j] : memref<36x36xi64>
        %p = arith.muli %a, %b : i64
        %s = arith.addi %acc, %p : i64
        affine.store %s, %C[%i, %j] : memref<36x36xi64>
      }
    }
  }
  affine.store %zero, %sum[0] : memref<1xi64>
  affine.for %i = 0 to 36 {
    affine.for %j = 0 to 36 {
      %c = affine.load %C[%i, %j] : memref<36x36xi64>
      %w = affine.apply affine_map<(d0, d1) -> (d0 * 36 + d1 + 1)>(%i, %j)
      %wi = arith.index_cast %w : index to i64
      %t = arith.muli %c, %wi : i64
      %s = affine.load %sum[0] : memref<1xi64>
      %u = arith.addi %s, %t : i64
      affine.store %u, %sum[0] : memref<1xi64>
    }
  }
  %r = affine.load %sum[0] : memref<1xi64>
  vector.print %r : i64
  memref.dealloc %A : memref<36x28xi64>
  memref.dealloc %C : memref<36x36xi64>
  memref.dealloc %sum : memref<1xi64>
  return
}
