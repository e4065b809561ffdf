// conv2d: a 5x5 filter over a 40x40 image, valid positions (36x36).
// Written for OptGym: integer arithmetic, so any loop transformation
// that keeps the semantics prints the same checksum.
func.func @main() {
  %zero = arith.constant 0 : i64
  %sum = memref.alloc() : memref<1xi64>
  %I = memref.alloc() : memref<40x40xi64>
  %K = memref.alloc() : memref<5x5xi64>
  %O = memref.alloc() : memref<36x36xi64>
  affine.for %i = 0 to 40 {
    affine.for %j = 0 to 40 {
      %v = affine.apply affine_map<(d0, d1) -> ((d0 * 3 + d1 * 5 + 1) mod 23)>(%i, %j)
      %x = arith.index_cast %v : index to i64
      affine.store %x, %I[%i, %j] : memref<40x40xi64>
    }
  }
  affine.for %i = 0 to 5 {
    affine.for %j = 0 to 5 {
      %v = affine.apply affine_map<(d0, d1) -> ((d0 * 2 + d1 * 3 + 1) mod 7)>(%i, %j)
      %x = arith.index_cast %v : index to i64
      affine.store %x, %K[%i, %j] : memref<5x5xi64>
    }
  }
  affine.for %i = 0 to 36 {
    affine.for %j = 0 to 36 {
      affine.store %zero, %O[%i, %j] : memref<36x36xi64>
    }
  }
  affine.for %i = 0 to 36 {
    affine.for %j = 0 to 36 {
      affine.for %p = 0 to 5 {
        affine.for %q = 0 to 5 {
          %x = affine.load %I[%i + %p, %j + %q] : memref<40x40xi64>
          %k = affine.load %K[%p, %q] : memref<5x5xi64>
          %o = affine.load %O[%i, %j] : memref<36x36xi64>
          %m = arith.muli %x, %k : i64
          %s = arith.addi %o, %m : i64
          affine.store %s, %O[%i, %j] : memref<36x36xi64>
        }
      }
    }
  }
  affine.store %zero, %sum[0] : memref<1xi64>
  affine.for %i = 0 to 36 {
    affine.for %j = 0 to 36 {
      %c = affine.load %O[%i, %j] : memref<36x36xi64>
      %w = affine.apply affine_map<(d0, d1) -> (d0 * 36 + d1 + 1)>(%i, %j)
      %wi = arith.index_cast %w : index to i64
      %t = arith.muli %c, %wi : i64
      %s = affine.load %sum[0] : memref<1xi64>
      %u = arith.addi %s, %t : i64
      affine.store %u, %sum[0] : memref<1xi64>
    }
  }
  %r = affine.load %sum[0] : memref<1xi64>
  vector.print %r : i64
  memref.dealloc %I : memref<40x40xi64>
  memref.dealloc %K : memref<5x5xi64>
  memref.dealloc %O : memref<36x36xi64>
  memref.dealloc %sum : memref<1xi64>
  return
}
