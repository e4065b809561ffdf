// jacobi-2d: 10 time steps of a 5-point stencil and back, 34x34.
// Written for OptGym: integer arithmetic, so any loop transformation
// that keeps the semantics prints the same checksum.
func.func @main() {
  %zero = arith.constant 0 : i64
  %sum = memref.alloc() : memref<1xi64>
  %A = memref.alloc() : memref<34x34xi64>
  %B = memref.alloc() : memref<34x34xi64>
  affine.for %i = 0 to 34 {
    affine.for %j = 0 to 34 {
      %v = affine.apply affine_map<(d0, d1) -> ((d0 * 3 + d1 * 5 + 1) mod 17)>(%i, %j)
      %x = arith.index_cast %v : index to i64
      affine.store %x, %A[%i, %j] : memref<34x34xi64>
    }
  }
  affine.for %i = 0 to 34 {
    affine.for %j = 0 to 34 {
      %v = affine.apply affine_map<(d0, d1) -> ((d0 * 2 + d1 * 7 + 3) mod 13)>(%i, %j)
      %x = arith.index_cast %v : index to i64
      affine.store %x, %B[%i, %j] : memref<34x34xi64>
    }
  }
  affine.for %t = 0 to 10 {
    affine.for %i = 1 to 33 {
      affine.for %j = 1 to 33 {
        %c = affine.load %A[%i, %j] : memref<34x34xi64>
        %n = affine.load %A[%i - 1, %j] : memref<34x34xi64>
        %s = affine.load %A[%i + 1, %j] : memref<34x34xi64>
        %w = affine.load %A[%i, %j - 1] : memref<34x34xi64>
        %e = affine.load %A[%i, %j + 1] : memref<34x34xi64>
        %a1 = arith.addi %c, %n : i64
        %a2 = arith.addi %a1, %s : i64
        %a3 = arith.addi %a2, %w : i64
        %a4 = arith.addi %a3, %e : i64
        %m = arith.constant 1000003 : i64
        %r = arith.remsi %a4, %m : i64
        affine.store %r, %B[%i, %j] : memref<34x34xi64>
      }
    }
    affine.for %i = 1 to 33 {
      affine.for %j = 1 to 33 {
        %c = affine.load %B[%i, %j] : memref<34x34xi64>
        %n = affine.load %B[%i - 1, %j] : memref<34x34xi64>
        %s = affine.load %B[%i + 1, %j] : memref<34x34xi64>
        %w = affine.load %B[%i, %j - 1] : memref<34x34xi64>
        %e = affine.load %B[%i, %j + 1] : memref<34x34xi64>
        %a1 = arith.addi %c, %n : i64
        %a2 = arith.addi %a1, %s : i64
        %a3 = arith.addi %a2, %w : i64
        %a4 = arith.addi %a3, %e : i64
        %m = arith.constant 1000003 : i64
        %r = arith.remsi %a4, %m : i64
        affine.store %r, %A[%i, %j] : memref<34x34xi64>
      }
    }
  }
  affine.store %zero, %sum[0] : memref<1xi64>
  affine.for %i = 0 to 34 {
    affine.for %j = 0 to 34 {
      %c = affine.load %A[%i, %j] : memref<34x34xi64>
      %w = affine.apply affine_map<(d0, d1) -> (d0 * 34 + d1 + 1)>(%i, %j)
      %wi = arith.index_cast %w : index to i64
      %t = arith.muli %c, %wi : i64
      %s = affine.load %sum[0] : memref<1xi64>
      %u = arith.addi %s, %t : i64
      affine.store %u, %sum[0] : memref<1xi64>
    }
  }
  %r = affine.load %sum[0] : memref<1xi64>
  vector.print %r : i64
  memref.dealloc %A : memref<34x34xi64>
  memref.dealloc %B : memref<34x34xi64>
  memref.dealloc %sum : memref<1xi64>
  return
}
