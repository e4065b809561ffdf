// atax: y = A^T (A x), A 38x42.
// Written for OptGym: integer arithmetic, so any loop transformation
// that keeps the semantics prints the same checksum.
func.func @main() {
  %zero = arith.constant 0 : i64
  %sum = memref.alloc() : memref<1xi64>
  %A = memref.alloc() : memref<38x42xi64>
  %VX = memref.alloc() : memref<42xi64>
  %VTMP = memref.alloc() : memref<38xi64>
  %VY = memref.alloc() : memref<42xi64>
  affine.for %i = 0 to 38 {
    affine.for %j = 0 to 42 {
      %v = affine.apply affine_map<(d0, d1) -> ((d0 * 5 + d1 * 3 + 2) mod 17)>(%i, %j)
      %x = arith.index_cast %v : index to i64
      affine.store %x, %A[%i, %j] : memref<38x42xi64>
    }
  }
  affine.for %i = 0 to 42 {
    %v = affine.apply affine_map<(d0) -> ((d0 * 3 + 1) mod 11)>(%i)
    %x = arith.index_cast %v : index to i64
    affine.store %x, %VX[%i] : memref<42xi64>
  }
  affine.for %i = 0 to 38 {
    affine.store %zero, %VTMP[%i] : memref<38xi64>
  }
  affine.for %i = 0 to 42 {
    affine.store %zero, %VY[%i] : memref<42xi64>
  }
  affine.for %i = 0 to 38 {
    affine.for %j = 0 to 42 {
      %a = affine.load %A[%i, %j] : memref<38x42xi64>
      %x = affine.load %VX[%j] : memref<42xi64>
      %t = affine.load %VTMP[%i] : memref<38xi64>
      %p = arith.muli %a, %x : i64
      %q = arith.addi %t, %p : i64
      affine.store %q, %VTMP[%i] : memref<38xi64>
    }
    affine.for %j = 0 to 42 {
      %a = affine.load %A[%i, %j] : memref<38x42xi64>
      %t = affine.load %VTMP[%i] : memref<38xi64>
      %y = affine.load %VY[%j] : memref<42xi64>
      %p = arith.muli %a, %t : i64
      %q = arith.addi %y, %p : i64
      affine.store %q, %VY[%j] : memref<42xi64>
    }
  }
  affine.store %zero, %sum[0] : memref<1xi64>
  affine.for %i = 0 to 42 {
    %c = affine.load %VY[%i] : memref<42xi64>
    %w = affine.apply affine_map<(d0) -> (d0 + 1)>(%i)
    %wi = arith.index_cast %w : index to i64
    %t = arith.muli %c, %wi : i64
    %s = affine.load %sum[0] : memref<1xi64>
    %u = arith.addi %s, %t : i64
    affine.store %u, %sum[0] : memref<1xi64>
  }
  %r = affine.load %sum[0] : memref<1xi64>
  vector.print %r : i64
  memref.dealloc %A : memref<38x42xi64>
  memref.dealloc %VX : memref<42xi64>
  memref.dealloc %VTMP : memref<38xi64>
  memref.dealloc %VY : memref<42xi64>
  memref.dealloc %sum : memref<1xi64>
  return
}
