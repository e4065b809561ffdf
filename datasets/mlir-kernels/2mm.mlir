// 2mm: T = A B, then D = T C + 3 D.
// Written for OptGym: integer arithmetic, so any loop transformation
// that keeps the semantics prints the same checksum.
func.func @main() {
  %zero = arith.constant 0 : i64
  %sum = memref.alloc() : memref<1xi64>
  %A = memref.alloc() : memref<30x26xi64>
  %B = memref.alloc() : memref<26x34xi64>
  %C = memref.alloc() : memref<34x22xi64>
  %T = memref.alloc() : memref<30x34xi64>
  %D = memref.alloc() : memref<30x22xi64>
  affine.for %i = 0 to 30 {
    affine.for %j = 0 to 26 {
      %v = affine.apply affine_map<(d0, d1) -> ((d0 * 3 + d1 * 5 + 1) mod 11)>(%i, %j)
      %x = arith.index_cast %v : index to i64
      affine.store %x, %A[%i, %j] : memref<30x26xi64>
    }
  }
  affine.for %i = 0 to 26 {
    affine.for %j = 0 to 34 {
      %v = affine.apply affine_map<(d0, d1) -> ((d0 * 2 + d1 * 7 + 4) mod 13)>(%i, %j)
      %x = arith.index_cast %v : index to i64
      affine.store %x, %B[%i, %j] : memref<26x34xi64>
    }
  }
  affine.for %i = 0 to 34 {
    affine.for %j = 0 to 22 {
      %v = affine.apply affine_map<(d0, d1) -> ((d0 * 5 + d1 * 3 + 2) mod 7)>(%i, %j)
      %x = arith.index_cast %v : index to i64
      affine.store %x, %C[%i, %j] : memref<34x22xi64>
    }
  }
  affine.for %i = 0 to 30 {
    affine.for %j = 0 to 22 {
      %v = affine.apply affine_map<(d0, d1) -> ((d0 * 1 + d1 * 4 + 6) mod 9)>(%i, %j)
      %x = arith.index_cast %v : index to i64
      affine.store %x, %D[%i, %j] : memref<30x22xi64>
    }
  }
  affine.for %i = 0 to 30 {
    affine.for %j = 0 to 34 {
      affine.store %zero, %T[%i, %j] : memref<30x34xi64>
    }
  }
  affine.for %i = 0 to 30 {
    affine.for %j = 0 to 34 {
      affine.for %k = 0 to 26 {
        %a = affine.load %A[%i, %k] : memref<30x26xi64>
        %b = affine.load %B[%k, %j] : memref<26x34xi64>
        %c = affine.load %T[%i, %j] : memref<30x34xi64>
        %p = arith.muli %a, %b : i64
        %q = arith.addi %c, %p : i64
        affine.store %q, %T[%i, %j] : memref<30x34xi64>
      }
    }
  }
  affine.for %i = 0 to 30 {
    affine.for %j = 0 to 22 {
      %three = arith.constant 3 : i64
      %d = affine.load %D[%i, %j] : memref<30x22xi64>
      %d3 = arith.muli %d, %three : i64
      affine.store %d3, %D[%i, %j] : memref<30x22xi64>
      affine.for %k = 0 to 34 {
        %t = affine.load %T[%i, %k] : memref<30x34xi64>
        %c = affine.load %C[%k, %j] : memref<34x22xi64>
        %acc = affine.load %D[%i, %j] : memref<30x22xi64>
        %p = arith.muli %t, %c : i64
        %q = arith.addi %acc, %p : i64
        affine.store %q, %D[%i, %j] : memref<30x22xi64>
      }
    }
  }
  affine.store %zero, %sum[0] : memref<1xi64>
  affine.for %i = 0 to 30 {
    affine.for %j = 0 to 22 {
      %c = affine.load %D[%i, %j] : memref<30x22xi64>
      %w = affine.apply affine_map<(d0, d1) -> (d0 * 22 + d1 + 1)>(%i, %j)
      %wi = arith.index_cast %w : index to i64
      %t = arith.muli %c, %wi : i64
      %s = affine.load %sum[0] : memref<1xi64>
      %u = arith.addi %s, %t : i64
      affine.store %u, %sum[0] : memref<1xi64>
    }
  }
  %r = affine.load %sum[0] : memref<1xi64>
  vector.print %r : i64
  memref.dealloc %A : memref<30x26xi64>
  memref.dealloc %B : memref<26x34xi64>
  memref.dealloc %C : memref<34x22xi64>
  memref.dealloc %T : memref<30x34xi64>
  memref.dealloc %D : memref<30x22xi64>
  memref.dealloc %sum : memref<1xi64>
  return
}
