// mvt: x1 += A y1, x2 += A^T y2, 46x46.
// Written for OptGym: integer arithmetic, so any loop transformation
// that keeps the semantics prints the same checksum.
func.func @main() {
  %zero = arith.constant 0 : i64
  %sum = memref.alloc() : memref<1xi64>
  %A = memref.alloc() : memref<46x46xi64>
  %VX1 = memref.alloc() : memref<46xi64>
  %VX2 = memref.alloc() : memref<46xi64>
  %VY1 = memref.alloc() : memref<46xi64>
  %VY2 = memref.alloc() : memref<46xi64>
  affine.for %i = 0 to 46 {
    affine.for %j = 0 to 46 {
      %v = affine.apply affine_map<(d0, d1) -> ((d0 * 3 + d1 * 2 + 5) mod 13)>(%i, %j)
      %x = arith.index_cast %v : index to i64
      affine.store %x, %A[%i, %j] : memref<46x46xi64>
    }
  }
  affine.for %i = 0 to 46 {
    %v = affine.apply affine_map<(d0) -> ((d0 * 1 + 2) mod 5)>(%i)
    %x = arith.index_cast %v : index to i64
    affine.store %x, %VX1[%i] : memref<46xi64>
  }
  affine.for %i = 0 to 46 {
    %v = affine.apply affine_map<(d0) -> ((d0 * 2 + 1) mod 7)>(%i)
    %x = arith.index_cast %v : index to i64
    affine.store %x, %VX2[%i] : memref<46xi64>
  }
  affine.for %i = 0 to 46 {
    %v = affine.apply affine_map<(d0) -> ((d0 * 3 + 3) mod 9)>(%i)
    %x = arith.index_cast %v : index to i64
    affine.store %x, %VY1[%i] : memref<46xi64>
  }
  affine.for %i = 0 to 46 {
    %v = affine.apply affine_map<(d0) -> ((d0 * 5 + 4) mod 11)>(%i)
    %x = arith.index_cast %v : index to i64
    affine.store %x, %VY2[%i] : memref<46xi64>
  }
  affine.for %i = 0 to 46 {
    affine.for %j = 0 to 46 {
      %x = affine.load %VX1[%i] : memref<46xi64>
      %a = affine.load %A[%i, %j] : memref<46x46xi64>
      %y = affine.load %VY1[%j] : memref<46xi64>
      %p = arith.muli %a, %y : i64
      %s = arith.addi %x, %p : i64
      affine.store %s, %VX1[%i] : memref<46xi64>
    }
  }
  affine.for %i = 0 to 46 {
    affine.for %j = 0 to 46 {
      %x = affine.load %VX2[%i] : memref<46xi64>
      %a = affine.load %A[%j, %i] : memref<46x46xi64>
      %y = affine.load %VY2[%j] : memref<46xi64>
      %p = arith.muli %a, %y : i64
      %s = arith.addi %x, %p : i64
      affine.store %s, %VX2[%i] : memref<46xi64>
    }
  }
  affine.store %zero, %sum[0] : memref<1xi64>
  affine.for %i = 0 to 46 {
    %c = affine.load %VX1[%i] : memref<46xi64>
    %w = affine.apply affine_map<(d0) -> (d0 + 1)>(%i)
    %wi = arith.index_cast %w : index to i64
    %t = arith.muli %c, %wi : i64
    %s = affine.load %sum[0] : memref<1xi64>
    %u = arith.addi %s, %t : i64
    affine.store %u, %sum[0] : memref<1xi64>
  }
  affine.for %i = 0 to 46 {
    %c = affine.load %VX2[%i] : memref<46xi64>
    %w = affine.apply affine_map<(d0) -> (d0 + 1)>(%i)
    %wi = arith.index_cast %w : index to i64
    %t = arith.muli %c, %wi : i64
    %s = affine.load %sum[0] : memref<1xi64>
    %u = arith.addi %s, %t : i64
    affine.store %u, %sum[0] : memref<1xi64>
  }
  %r = affine.load %sum[0] : memref<1xi64>
  vector.print %r : i64
  memref.dealloc %A : memref<46x46xi64>
  memref.dealloc %VX1 : memref<46xi64>
  memref.dealloc %VX2 : memref<46xi64>
  memref.dealloc %VY1 : memref<46xi64>
  memref.dealloc %VY2 : memref<46xi64>
  memref.dealloc %sum : memref<1xi64>
  return
}
