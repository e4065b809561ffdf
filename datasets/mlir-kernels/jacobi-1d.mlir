// jacobi-1d: 20 time steps of B[i] = A[i-1] + A[i] + A[i+1] and back, 90 points.
// Written for OptGym: integer arithmetic, so any loop transformation
// that keeps the semantics prints the same checksum.
func.func @main() {
  %zero = arith.constant 0 : i64
  %sum = memref.alloc() : memref<1xi64>
  %A = memref.alloc() : memref<90xi64>
  %B = memref.alloc() : memref<90xi64>
  affine.for %i = 0 to 90 {
    %v = affine.apply affine_map<(d0) -> ((d0 * 7 + 3) mod 23)>(%i)
    %x = arith.index_cast %v : index to i64
    affine.store %x, %A[%i] : memref<90xi64>
  }
  affine.for %i = 0 to 90 {
    %v = affine.apply affine_map<(d0) -> ((d0 * 5 + 1) mod 19)>(%i)
    %x = arith.index_cast %v : index to i64
    affine.store %x, %B[%i] : memref<90xi64>
  }
  affine.for %t = 0 to 20 {
    affine.for %i = 1 to 89 {
      %l = affine.load %A[%i - 1] : memref<90xi64>
      %c = affine.load %A[%i] : memref<90xi64>
      %r = affine.load %A[%i + 1] : memref<90xi64>
      %s1 = arith.addi %l, %c : i64
      %s2 = arith.addi %s1, %r : i64
      %m = arith.constant 1000003 : i64
      %s3 = arith.remsi %s2, %m : i64
      affine.store %s3, %B[%i] : memref<90xi64>
    }
    affine.for %i = 1 to 89 {
      %l = affine.load %B[%i - 1] : memref<90xi64>
      %c = affine.load %B[%i] : memref<90xi64>
      %r = affine.load %B[%i + 1] : memref<90xi64>
      %s1 = arith.addi %l, %c : i64
      %s2 = arith.addi %s1, %r : i64
      %m = arith.constant 1000003 : i64
      %s3 = arith.remsi %s2, %m : i64
      affine.store %s3, %A[%i] : memref<90xi64>
    }
  }
  affine.store %zero, %sum[0] : memref<1xi64>
  affine.for %i = 0 to 90 {
    %c = affine.load %A[%i] : memref<90xi64>
    %w = affine.apply affine_map<(d0) -> (d0 + 1)>(%i)
    %wi = arith.index_cast %w : index to i64
    %t = arith.muli %c, %wi : i64
    %s = affine.load %sum[0] : memref<1xi64>
    %u = arith.addi %s, %t : i64
    affine.store %u, %sum[0] : memref<1xi64>
  }
  %r = affine.load %sum[0] : memref<1xi64>
  vector.print %r : i64
  memref.dealloc %A : memref<90xi64>
  memref.dealloc %B : memref<90xi64>
  memref.dealloc %sum : memref<1xi64>
  return
}
