// matmul: C = A B, 48x40 times 40x56.
// Written for OptGym: integer arithmetic, so any loop transformation
// that keeps the semantics prints the same checksum.
func.func @main() {
  %zero = arith.constant 0 : i64
  %sum = memref.alloc() : memref<1xi64>
  %A = memref.alloc() : memref<48x40xi64>
  %B = memref.alloc() : memref<40x56xi64>
  %C = memref.alloc() : memref<48x56xi64>
  affine.for %i = 0 to 48 {
    affine.for %j = 0 to 40 {
      %v = affine.apply affine_map<(d0, d1) -> ((d0 * 3 + d1 * 7 + 1) mod 17)>(%i, %j)
      %x = arith.index_cast %v : index to i64
      affine.store %x, %A[%i, %j] : memref<48x40xi64>
    }
  }
  affine.for %i = 0 to 40 {
    affine.for %j = 0 to 56 {
      %v = affine.apply affine_map<(d0, d1) -> ((d0 * 5 + d1 * 2 + 3) mod 19)>(%i, %j)
      %x = arith.index_cast %v : index to i64
      affine.store %x, %B[%i, %j] : memref<40x56xi64>
    }
  }
  affine.for %i = 0 to 48 {
    affine.for %j = 0 to 56 {
      affine.store %zero, %C[%i, %j] : memref<48x56xi64>
    }
  }
  affine.for %i = 0 to 48 {
    affine.for %j = 0 to 56 {
      affine.for %k = 0 to 40 {
        %a = affine.load %A[%i, %k] : memref<48x40xi64>
        %b = affine.load %B[%k, %j] : memref<40x56xi64>
        %c = affine.load %C[%i, %j] : memref<48x56xi64>
        %p = arith.muli %a, %b : i64
        %q = arith.addi %c, %p : i64
        affine.store %q, %C[%i, %j] : memref<48x56xi64>
      }
    }
  }
  affine.store %zero, %sum[0] : memref<1xi64>
  affine.for %i = 0 to 48 {
    affine.for %j = 0 to 56 {
      %c = affine.load %C[%i, %j] : memref<48x56xi64>
      %w = affine.apply affine_map<(d0, d1) -> (d0 * 56 + d1 + 1)>(%i, %j)
      %wi = arith.index_cast %w : index to i64
      %t = arith.muli %c, %wi : i64
      %s = affine.load %sum[0] : memref<1xi64>
      %u = arith.addi %s, %t : i64
      affine.store %u, %sum[0] : memref<1xi64>
    }
  }
  %r = affine.load %sum[0] : memref<1xi64>
  vector.print %r : i64
  memref.dealloc %A : memref<48x40xi64>
  memref.dealloc %B : memref<40x56xi64>
  memref.dealloc %C : memref<48x56xi64>
  memref.dealloc %sum : memref<1xi64>
  return
}
