// bicg: s = r^T A and q = A p, A 42x38.
// Written for OptGym: integer arithmetic, so any loop transformation
// that keeps the semantics prints the same checksum.
func.func @main() {
  %zero = arith.constant 0 : i64
  %sum = memref.alloc() : memref<1xi64>
  %A = memref.alloc() : memref<42x38xi64>
  %VR = memref.alloc() : memref<42xi64>
  %VP = memref.alloc() : memref<38xi64>
  %VS = memref.alloc() : memref<38xi64>
  %VQ = memref.alloc() : memref<42xi64>
  affine.for %i = 0 to 42 {
    affine.for %j = 0 to 38 {
      %v = affine.apply affine_map<(d0, d1) -> ((d0 * 3 + d1 * 4 + 1) mod 13)>(%i, %j)
      %x = arith.index_cast %v : index to i64
      affine.store %x, %A[%i, %j] : memref<42x38xi64>
    }
  }
  affine.for %i = 0 to 42 {
    %v = affine.apply affine_map<(d0) -> ((d0 * 5 + 2) mod 9)>(%i)
    %x = arith.index_cast %v : index to i64
    affine.store %x, %VR[%i] : memref<42xi64>
  }
  affine.for %i = 0 to 38 {
    %v = affine.apply affine_map<(d0) -> ((d0 * 7 + 3) mod 11)>(%i)
    %x = arith.index_cast %v : index to i64
    affine.store %x, %VP[%i] : memref<38xi64>
  }
  affine.for %i = 0 to 38 {
    affine.store %zero, %VS[%i] : memref<38xi64>
  }
  affine.for %i = 0 to 42 {
    affine.store %zero, %VQ[%i] : memref<42xi64>
  }
  affine.for %i = 0 to 42 {
    affine.for %j = 0 to 38 {
      %a = affine.load %A[%i, %j] : memref<42x38xi64>
      %r = affine.load %VR[%i] : memref<42xi64>
      %s = affine.load %VS[%j] : memref<38xi64>
      %rs = arith.muli %r, %a : i64
      %s2 = arith.addi %s, %rs : i64
      affine.store %s2, %VS[%j] : memref<38xi64>
      %p = affine.load %VP[%j] : memref<38xi64>
      %q = affine.load %VQ[%i] : memref<42xi64>
      %ap = arith.muli %a, %p : i64
      %q2 = arith.addi %q, %ap : i64
      affine.store %q2, %VQ[%i] : memref<42xi64>
    }
  }
  affine.store %zero, %sum[0] : memref<1xi64>
  affine.for %i = 0 to 38 {
    %c = affine.load %VS[%i] : memref<38xi64>
    %w = affine.apply affine_map<(d0) -> (d0 + 1)>(%i)
    %wi = arith.index_cast %w : index to i64
    %t = arith.muli %c, %wi : i64
    %s = affine.load %sum[0] : memref<1xi64>
    %u = arith.addi %s, %t : i64
    affine.store %u, %sum[0] : memref<1xi64>
  }
  affine.for %i = 0 to 42 {
    %c = affine.load %VQ[%i] : memref<42xi64>
    %w = affine.apply affine_map<(d0) -> (d0 + 1)>(%i)
    %wi = arith.index_cast %w : index to i64
    %t = arith.muli %c, %wi : i64
    %s = affine.load %sum[0] : memref<1xi64>
    %u = arith.addi %s, %t : i64
    affine.store %u, %sum[0] : memref<1xi64>
  }
  %r = affine.load %sum[0] : memref<1xi64>
  vector.print %r : i64
  memref.dealloc %A : memref<42x38xi64>
  memref.dealloc %VR : memref<42xi64>
  memref.dealloc %VP : memref<38xi64>
  memref.dealloc %VS : memref<38xi64>
  memref.dealloc %VQ : memref<42xi64>
  memref.dealloc %sum : memref<1xi64>
  return
}
