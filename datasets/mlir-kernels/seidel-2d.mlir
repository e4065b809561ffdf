// seidel-2d: 8 in-place sweeps of a 9-point stencil, 30x30.
// Written for OptGym: integer arithmetic, so any loop transformation
// that keeps the semantics prints the same checksum.
func.func @main() {
  %zero = arith.constant 0 : i64
  %sum = memref.alloc() : memref<1xi64>
  %A = memref.alloc() : memref<30x30xi64>
  affine.for %i = 0 to 30 {
    affine.for %j = 0 to 30 {
      %v = affine.apply affine_map<(d0, d1) -> ((d0 * 5 + d1 * 3 + 2) mod 19)>(%i, %j)
      %x = arith.index_cast %v : index to i64
      affine.store %x, %A[%i, %j] : memref<30x30xi64>
    }
  }
  affine.for %t = 0 to 8 {
    affine.for %i = 1 to 29 {
      affine.for %j = 1 to 29 {
        %a = affine.load %A[%i - 1, %j - 1] : memref<30x30xi64>
        %b = affine.load %A[%i - 1, %j] : memref<30x30xi64>
        %c = affine.load %A[%i - 1, %j + 1] : memref<30x30xi64>
        %d = affine.load %A[%i, %j - 1] : memref<30x30xi64>
        %e = affine.load %A[%i, %j] : memref<30x30xi64>
        %f = affine.load %A[%i, %j + 1] : memref<30x30xi64>
        %g = affine.load %A[%i + 1, %j - 1] : memref<30x30xi64>
        %h = affine.load %A[%i + 1, %j] : memref<30x30xi64>
        %k = affine.load %A[%i + 1, %j + 1] : memref<30x30xi64>
        %s1 = arith.addi %a, %b : i64
        %s2 = arith.addi %s1, %c : i64
        %s3 = arith.addi %s2, %d : i64
        %s4 = arith.addi %s3, %e : i64
        %s5 = arith.addi %s4, %f : i64
        %s6 = arith.addi %s5, %g : i64
        %s7 = arith.addi %s6, %h : i64
        %s8 = arith.addi %s7, %k : i64
        %m = arith.constant 1000003 : i64
        %r = arith.remsi %s8, %m : i64
        affine.store %r, %A[%i, %j] : memref<30x30xi64>
      }
    }
  }
  affine.store %zero, %sum[0] : memref<1xi64>
  affine.for %i = 0 to 30 {
    affine.for %j = 0 to 30 {
      %c = affine.load %A[%i, %j] : memref<30x30xi64>
      %w = affine.apply affine_map<(d0, d1) -> (d0 * 30 + d1 + 1)>(%i, %j)
      %wi = arith.index_cast %w : index to i64
      %t = arith.muli %c, %wi : i64
      %s = affine.load %sum[0] : memref<1xi64>
      %u = arith.addi %s, %t : i64
      affine.store %u, %sum[0] : memref<1xi64>
    }
  }
  %r = affine.load %sum[0] : memref<1xi64>
  vector.print %r : i64
  memref.dealloc %A : memref<30x30xi64>
  memref.dealloc %sum : memref<1xi64>
  return
}
