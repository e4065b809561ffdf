// 3mm: E = A B, F = C D, G = E F.
// Written for OptGym: integer arithmetic, so any loop transformation
// that keeps the semantics prints the same checksum.
func.func @main() {
  %zero = arith.constant 0 : i64
  %sum = memref.alloc() : memref<1xi64>
  %A = memref.alloc() : memref<20x24xi64>
  %B = memref.alloc() : memref<24x18xi64>
  %C = memref.alloc() : memref<18x22xi64>
  %D = memref.alloc() : memref<22x26xi64>
  %E = memref.alloc() : memref<20x18xi64>
  %F = memref.alloc() : memref<18x26xi64>
  %G = memref.alloc() : memref<20x26xi64>
  affine.for %i = 0 to 20 {
    affine.for %j = 0 to 24 {
      %v = affine.apply affine_map<(d0, d1) -> ((d0 * 3 + d1 * 1 + 2) mod 7)>(%i, %j)
      %x = arith.index_cast %v : index to i64
      affine.store %x, %A[%i, %j] : memref<20x24xi64>
    }
  }
  affine.for %i = 0 to 24 {
    affine.for %j = 0 to 18 {
      %v = affine.apply affine_map<(d0, d1) -> ((d0 * 2 + d1 * 5 + 1) mod 9)>(%i, %j)
      %x = arith.index_cast %v : index to i64
      affine.store %x, %B[%i, %j] : memref<24x18xi64>
    }
  }
  affine.for %i = 0 to 18 {
    affine.for %j = 0 to 22 {
      %v = affine.apply affine_map<(d0, d1) -> ((d0 * 7 + d1 * 3 + 5) mod 11)>(%i, %j)
      %x = arith.index_cast %v : index to i64
      affine.store %x, %C[%i, %j] : memref<18x22xi64>
    }
  }
  affine.for %i = 0 to 22 {
    affine.for %j = 0 to 26 {
      %v = affine.apply affine_map<(d0, d1) -> ((d0 * 1 + d1 * 6 + 3) mod 13)>(%i, %j)
      %x = arith.index_cast %v : index to i64
      affine.store %x, %D[%i, %j] : memref<22x26xi64>
    }
  }
  affine.for %i = 0 to 20 {
    affine.for %j = 0 to 18 {
      affine.store %zero, %E[%i, %j] : memref<20x18xi64>
    }
  }
  affine.for %i = 0 to 20 {
    affine.for %j = 0 to 18 {
      affine.for %k = 0 to 24 {
        %a = affine.load %A[%i, %k] : memref<20x24xi64>
        %b = affine.load %B[%k, %j] : memref<24x18xi64>
        %c = affine.load %E[%i, %j] : memref<20x18xi64>
        %p = arith.muli %a, %b : i64
        %q = arith.addi %c, %p : i64
        affine.store %q, %E[%i, %j] : memref<20x18xi64>
      }
    }
  }
  affine.for %i = 0 to 18 {
    affine.for %j = 0 to 26 {
      affine.store %zero, %F[%i, %j] : memref<18x26xi64>
    }
  }
  affine.for %i = 0 to 18 {
    affine.for %j = 0 to 26 {
      affine.for %k = 0 to 22 {
        %a = affine.load %C[%i, %k] : memref<18x22xi64>
        %b = affine.load %D[%k, %j] : memref<22x26xi64>
        %c = affine.load %F[%i, %j] : memref<18x26xi64>
        %p = arith.muli %a, %b : i64
        %q = arith.addi %c, %p : i64
        affine.store %q, %F[%i, %j] : memref<18x26xi64>
      }
    }
  }
  affine.for %i = 0 to 20 {
    affine.for %j = 0 to 26 {
      affine.store %zero, %G[%i, %j] : memref<20x26xi64>
    }
  }
  affine.for %i = 0 to 20 {
    affine.for %j = 0 to 26 {
      affine.for %k = 0 to 18 {
        %a = affine.load %E[%i, %k] : memref<20x18xi64>
        %b = affine.load %F[%k, %j] : memref<18x26xi64>
        %c = affine.load %G[%i, %j] : memref<20x26xi64>
        %p = arith.muli %a, %b : i64
        %q = arith.addi %c, %p : i64
        affine.store %q, %G[%i, %j] : memref<20x26xi64>
      }
    }
  }
  affine.store %zero, %sum[0] : memref<1xi64>
  affine.for %i = 0 to 20 {
    affine.for %j = 0 to 26 {
      %c = affine.load %G[%i, %j] : memref<20x26xi64>
      %w = affine.apply affine_map<(d0, d1) -> (d0 * 26 + d1 + 1)>(%i, %j)
      %wi = arith.index_cast %w : index to i64
      %t = arith.muli %c, %wi : i64
      %s = affine.load %sum[0] : memref<1xi64>
      %u = arith.addi %s, %t : i64
      affine.store %u, %sum[0] : memref<1xi64>
    }
  }
  %r = affine.load %sum[0] : memref<1xi64>
  vector.print %r : i64
  memref.dealloc %A : memref<20x24xi64>
  memref.dealloc %B : memref<24x18xi64>
  memref.dealloc %C : memref<18x22xi64>
  memref.dealloc %D : memref<22x26xi64>
  memref.dealloc %E : memref<20x18xi64>
  memref.dealloc %F : memref<18x26xi64>
  memref.dealloc %G : memref<20x26xi64>
  memref.dealloc %sum : memref<1xi64>
  return
}
