// bench/mlir_search.py's convolution as conv2d-f32.mlir, with the sum of
// each output element carried in a register (iter_args of the channel and
// window loops) and stored once: 32 output channels from 32 input channels
// of 64x64 (padded to 66x66), 3x3 filters, f32.
// The tensors are filled and the result summed in @main. Small integer
// values keep every sum exact in f32.
func.func @kernel(%In: memref<32x66x66xf32>, %W: memref<32x32x3x3xf32>, %Out: memref<32x64x64xf32>) {
  %zero = arith.constant 0.0 : f32
  affine.for %k = 0 to 32 {
    affine.for %i = 0 to 64 {
      affine.for %j = 0 to 64 {
        %sum = affine.for %c = 0 to 32 iter_args(%acc_c = %zero) -> (f32) {
          %sum_p = affine.for %p = 0 to 3 iter_args(%acc_p = %acc_c) -> (f32) {
            %sum_q = affine.for %q = 0 to 3 iter_args(%acc_q = %acc_p) -> (f32) {
              %x = affine.load %In[%c, %i + %p, %j + %q] : memref<32x66x66xf32>
              %w = affine.load %W[%k, %c, %p, %q] : memref<32x32x3x3xf32>
              %m = arith.mulf %x, %w : f32
              %s = arith.addf %acc_q, %m : f32
              affine.yield %s : f32
            }
            affine.yield %sum_q : f32
          }
          affine.yield %sum_p : f32
        }
        affine.store %sum, %Out[%k, %i, %j] : memref<32x64x64xf32>
      }
    }
  }
  return
}

func.func @main() {
  %In = memref.alloc() : memref<32x66x66xf32>
  %W = memref.alloc() : memref<32x32x3x3xf32>
  %Out = memref.alloc() : memref<32x64x64xf32>
  %sum = memref.alloc() : memref<1xi64>
  %zero_i = arith.constant 0 : i64
  affine.for %c = 0 to 32 {
    affine.for %i = 0 to 66 {
      affine.for %j = 0 to 66 {
        %v = affine.apply affine_map<(d0, d1, d2) -> ((d0 + d1 * 3 + d2 * 5) mod 7)>(%c, %i, %j)
        %vi = arith.index_cast %v : index to i32
        %vf = arith.sitofp %vi : i32 to f32
        affine.store %vf, %In[%c, %i, %j] : memref<32x66x66xf32>
      }
    }
  }
  affine.for %k = 0 to 32 {
    affine.for %c = 0 to 32 {
      affine.for %p = 0 to 3 {
        affine.for %q = 0 to 3 {
          %v = affine.apply affine_map<(d0, d1, d2, d3) -> ((d0 * 2 + d1 + d2 * 3 + d3) mod 5)>(%k, %c, %p, %q)
          %vi = arith.index_cast %v : index to i32
          %vf = arith.sitofp %vi : i32 to f32
          affine.store %vf, %W[%k, %c, %p, %q] : memref<32x32x3x3xf32>
        }
      }
    }
  }
  func.call @kernel(%In, %W, %Out) : (memref<32x66x66xf32>, memref<32x32x3x3xf32>, memref<32x64x64xf32>) -> ()
  affine.store %zero_i, %sum[0] : memref<1xi64>
  affine.for %k = 0 to 32 {
    affine.for %i = 0 to 64 {
      affine.for %j = 0 to 64 {
        %o = affine.load %Out[%k, %i, %j] : memref<32x64x64xf32>
        %oi = arith.fptosi %o : f32 to i64
        %w = affine.apply affine_map<(d0, d1, d2) -> ((d0 * 4096 + d1 * 64 + d2) mod 1021 + 1)>(%k, %i, %j)
        %wi = arith.index_cast %w : index to i64
        %t = arith.muli %oi, %wi : i64
        %s = affine.load %sum[0] : memref<1xi64>
        %u = arith.addi %s, %t : i64
        affine.store %u, %sum[0] : memref<1xi64>
      }
    }
  }
  %r = affine.load %sum[0] : memref<1xi64>
  vector.print %r : i64
  memref.dealloc %In : memref<32x66x66xf32>
  memref.dealloc %W : memref<32x32x3x3xf32>
  memref.dealloc %Out : memref<32x64x64xf32>
  memref.dealloc %sum : memref<1xi64>
  return
}
