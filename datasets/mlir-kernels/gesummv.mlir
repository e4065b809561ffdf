// gesummv: y = 3 A x + 2 B x, 44x44.
// Written for OptGym: integer arithmetic, so any loop transformation
// that keeps the semantics prints the same checksum.
func.func @main() {
  %zero = arith.constant 0 : i64
  %sum = memref.alloc() : memref<1xi64>
  %A = memref.alloc() : memref<44x44xi64>
  %B = memref.alloc() : memref<44x44xi64>
  %VX = memref.alloc() : memref<44xi64>
  %VT = memref.alloc() : memref<44xi64>
  %VY = memref.alloc() : memref<44xi64>
  affine.for %i = 0 to 44 {
    affine.for %j = 0 to 44 {
      %v = affine.apply affine_map<(d0, d1) -> ((d0 * 2 + d1 * 3 + 1) mod 7)>(%i, %j)
      %x = arith.index_cast %v : index to i64
      affine.store %x, %A[%i, %j] : memref<44x44xi64>
    }
  }
  affine.for %i = 0 to 44 {
    affine.for %j = 0 to 44 {
      %v = affine.apply affine_map<(d0, d1) -> ((d0 * 5 + d1 * 1 + 2) mod 11)>(%i, %j)
      %x = arith.index_cast %v : index to i64
      affine.store %x, %B[%i, %j] : memref<44x44xi64>
    }
  }
  affine.for %i = 0 to 44 {
    %v = affine.apply affine_map<(d0) -> ((d0 * 3 + 2) mod 13)>(%i)
    %x = arith.index_cast %v : index to i64
    affine.store %x, %VX[%i] : memref<44xi64>
  }
  affine.for %i = 0 to 44 {
    affine.store %zero, %VT[%i] : memref<44xi64>
  }
  affine.for %i = 0 to 44 {
    affine.store %zero, %VY[%i] : memref<44xi64>
  }
  affine.for %i = 0 to 44 {
    affine.for %j = 0 to 44 {
      %a = affine.load %A[%i, %j] : memref<44x44xi64>
      %b = affine.load %B[%i, %j] : memref<44x44xi64>
      %x = affine.load %VX[%j] : memref<44xi64>
      %t = affine.load %VT[%i] : memref<44xi64>
      %y = affine.load %VY[%i] : memref<44xi64>
      %ax = arith.muli %a, %x : i64
      %bx = arith.muli %b, %x : i64
      %t2 = arith.addi %t, %ax : i64
      %y2 = arith.addi %y, %bx : i64
      affine.store %t2, %VT[%i] : memref<44xi64>
      affine.store %y2, %VY[%i] : memref<44xi64>
    }
    %three = arith.constant 3 : i64
    %two = arith.constant 2 : i64
    %t = affine.load %VT[%i] : memref<44xi64>
    %y = affine.load %VY[%i] : memref<44xi64>
    %t3 = arith.muli %t, %three : i64
    %y2 = arith.muli %y, %two : i64
    %s = arith.addi %t3, %y2 : i64
    affine.store %s, %VY[%i] : memref<44xi64>
  }
  affine.store %zero, %sum[0] : memref<1xi64>
  affine.for %i = 0 to 44 {
    %c = affine.load %VY[%i] : memref<44xi64>
    %w = affine.apply affine_map<(d0) -> (d0 + 1)>(%i)
    %wi = arith.index_cast %w : index to i64
    %t = arith.muli %c, %wi : i64
    %s = affine.load %sum[0] : memref<1xi64>
    %u = arith.addi %s, %t : i64
    affine.store %u, %sum[0] : memref<1xi64>
  }
  %r = affine.load %sum[0] : memref<1xi64>
  vector.print %r : i64
  memref.dealloc %A : memref<44x44xi64>
  memref.dealloc %B : memref<44x44xi64>
  memref.dealloc %VX : memref<44xi64>
  memref.dealloc %VT : memref<44xi64>
  memref.dealloc %VY : memref<44xi64>
  memref.dealloc %sum : memref<1xi64>
  return
}
