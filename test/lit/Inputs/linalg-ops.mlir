// Linalg operations for the linalg-tile tests: a matmul on buffers and a
// convolution on tensors (seven loops), in a file named like a kernel.
func.func @mm(%A: memref<64x48xf32>, %B: memref<48x32xf32>, %C: memref<64x32xf32>) {
  linalg.matmul ins(%A, %B : memref<64x48xf32>, memref<48x32xf32>) outs(%C : memref<64x32xf32>)
  return
}

func.func @conv(%I: tensor<1x34x34x8xf32>, %F: tensor<3x3x8x16xf32>, %O: tensor<1x32x32x16xf32>) -> tensor<1x32x32x16xf32> {
  %r = linalg.conv_2d_nhwc_hwcf ins(%I, %F : tensor<1x34x34x8xf32>, tensor<3x3x8x16xf32>) outs(%O : tensor<1x32x32x16xf32>) -> tensor<1x32x32x16xf32>
  return %r : tensor<1x32x32x16xf32>
}
