// gemver: A += u1 v1^T + u2 v2^T; x += 3 A^T y; x += z; w += 2 A x.
// Written for OptGym: integer arithmetic, so any loop transformation
// that keeps the semantics prints the same checksum.
func.func @main() {
  %zero = arith.constant 0 : i64
  %sum = memref.alloc() : memref<1xi64>
  %A = memref.alloc() : memref<40x40xi64>
  %VU1 = memref.alloc() : memref<40xi64>
  %VV1 = memref.alloc() : memref<40xi64>
  %VU2 = memref.alloc() : memref<40xi64>
  %VV2 = memref.alloc() : memref<40xi64>
  %VY = memref.alloc() : memref<40xi64>
  %VZ = memref.alloc() : memref<40xi64>
  %VX = memref.alloc() : memref<40xi64>
  %VW = memref.alloc() : memref<40xi64>
  affine.for %i = 0 to 40 {
    affine.for %j = 0 to 40 {
      %v = affine.apply affine_map<(d0, d1) -> ((d0 * 3 + d1 * 5 + 2) mod 7)>(%i, %j)
      %x = arith.index_cast %v : index to i64
      affine.store %x, %A[%i, %j] : memref<40x40xi64>
    }
  }
  affine.for %i = 0 to 40 {
    %v = affine.apply affine_map<(d0) -> ((d0 * 3 + 1) mod 5)>(%i)
    %x = arith.index_cast %v : index to i64
    affine.store %x, %VU1[%i] : memref<40xi64>
  }
  affine.for %i = 0 to 40 {
    %v = affine.apply affine_map<(d0) -> ((d0 * 2 + 3) mod 7)>(%i)
    %x = arith.index_cast %v : index to i64
    affine.store %x, %VV1[%i] : memref<40xi64>
  }
  affine.for %i = 0 to 40 {
    %v = affine.apply affine_map<(d0) -> ((d0 * 5 + 2) mod 9)>(%i)
    %x = arith.index_cast %v : index to i64
    affine.store %x, %VU2[%i] : memref<40xi64>
  }
  affine.for %i = 0 to 40 {
    %v = affine.apply affine_map<(d0) -> ((d0 * 7 + 1) mod 11)>(%i)
    %x = arith.index_cast %v : index to i64
    affine.store %x, %VV2[%i] : memref<40xi64>
  }
  affine.for %i = 0 to 40 {
    %v = affine.apply affine_map<(d0) -> ((d0 * 3 + 4) mod 13)>(%i)
    %x = arith.index_cast %v : index to i64
    affine.store %x, %VY[%i] : memref<40xi64>
  }
  affine.for %i = 0 to 40 {
    %v = affine.apply affine_map<(d0) -> ((d0 * 1 + 5) mod 6)>(%i)
    %x = arith.index_cast %v : index to i64
    affine.store %x, %VZ[%i] : memref<40xi64>
  }
  affine.for %i = 0 to 40 {
    affine.store %zero, %VX[%i] : memref<40xi64>
  }
  affine.for %i = 0 to 40 {
    affine.store %zero, %VW[%i] : memref<40xi64>
  }
  affine.for %i = 0 to 40 {
    affine.for %j = 0 to 40 {
      %a = affine.load %A[%i, %j] : memref<40x40xi64>
      %u1 = affine.load %VU1[%i] : memref<40xi64>
      %v1 = affine.load %VV1[%j] : memref<40xi64>
      %u2 = affine.load %VU2[%i] : memref<40xi64>
      %v2 = affine.load %VV2[%j] : memref<40xi64>
      %p1 = arith.muli %u1, %v1 : i64
      %p2 = arith.muli %u2, %v2 : i64
      %s1 = arith.addi %a, %p1 : i64
      %s2 = arith.addi %s1, %p2 : i64
      affine.store %s2, %A[%i, %j] : memref<40x40xi64>
    }
  }
  affine.for %i = 0 to 40 {
    affine.for %j = 0 to 40 {
      %three = arith.constant 3 : i64
      %x = affine.load %VX[%i] : memref<40xi64>
      %a = affine.load %A[%j, %i] : memref<40x40xi64>
      %y = affine.load %VY[%j] : memref<40xi64>
      %p = arith.muli %a, %y : i64
      %p3 = arith.muli %p, %three : i64
      %s = arith.addi %x, %p3 : i64
      affine.store %s, %VX[%i] : memref<40xi64>
    }
  }
  affine.for %i = 0 to 40 {
    %x = affine.load %VX[%i] : memref<40xi64>
    %z = affine.load %VZ[%i] : memref<40xi64>
    %s = arith.addi %x, %z : i64
    affine.store %s, %VX[%i] : memref<40xi64>
  }
  affine.for %i = 0 to 40 {
    affine.for %j = 0 to 40 {
      %two = arith.constant 2 : i64
      %w = affine.load %VW[%i] : memref<40xi64>
      %a = affine.load %A[%i, %j] : memref<40x40xi64>
      %x = affine.load %VX[%j] : memref<40xi64>
      %p = arith.muli %a, %x : i64
      %p2 = arith.muli %p, %two : i64
      %s = arith.addi %w, %p2 : i64
      affine.store %s, %VW[%i] : memref<40xi64>
    }
  }
  affine.store %zero, %sum[0] : memref<1xi64>
  affine.for %i = 0 to 40 {
    %c = affine.load %VW[%i] : memref<40xi64>
    %w = affine.apply affine_map<(d0) -> (d0 + 1)>(%i)
    %wi = arith.index_cast %w : index to i64
    %t = arith.muli %c, %wi : i64
    %s = affine.load %sum[0] : memref<1xi64>
    %u = arith.addi %s, %t : i64
    affine.store %u, %sum[0] : memref<1xi64>
  }
  affine.for %i = 0 to 40 {
    %c = affine.load %VX[%i] : memref<40xi64>
    %w = affine.apply affine_map<(d0) -> (d0 + 1)>(%i)
    %wi = arith.index_cast %w : index to i64
    %t = arith.muli %c, %wi : i64
    %s = affine.load %sum[0] : memref<1xi64>
    %u = arith.addi %s, %t : i64
    affine.store %u, %sum[0] : memref<1xi64>
  }
  %r = affine.load %sum[0] : memref<1xi64>
  vector.print %r : i64
  memref.dealloc %A : memref<40x40xi64>
  memref.dealloc %VU1 : memref<40xi64>
  memref.dealloc %VV1 : memref<40xi64>
  memref.dealloc %VU2 : memref<40xi64>
  memref.dealloc %VV2 : memref<40xi64>
  memref.dealloc %VY : memref<40xi64>
  memref.dealloc %VZ : memref<40xi64>
  memref.dealloc %VX : memref<40xi64>
  memref.dealloc %VW : memref<40xi64>
  memref.dealloc %sum : memref<1xi64>
  return
}
