//===- Plugin.cpp - OptGymMLIR.so, the MLIR pass plugin -------------------===//
//
// Loaded by mlir-opt --load-pass-plugin; its passes are reached with
// --pass-pipeline (mlir-opt takes no flag for a plugin's pass). It links
// neither libMLIR nor libLLVM: MLIR's and LLVM's symbols come from mlir-opt,
// which must be of the LLVM this plugin was built for.
//
//===----------------------------------------------------------------------===//

#include "mlir-plugin/AffineTile.h"
#include "mlir-plugin/AffineUnroll.h"
#include "mlir-plugin/AffineUnrollJam.h"
#include "mlir-plugin/LinalgTile.h"
#include "mlir-plugin/TuneKnobs.h"

#include "mlir/Pass/Pass.h"
#include "mlir/Pass/PassRegistry.h"
#include "mlir/Tools/Plugins/PassPlugin.h"

#include "llvm/Config/llvm-config.h"

extern "C" LLVM_ATTRIBUTE_WEAK ::mlir::PassPluginLibraryInfo
mlirGetPassPluginInfo() {
  return {MLIR_PLUGIN_API_VERSION, "OptGymMLIR", OPTGYM_VERSION, [] {
            ::mlir::registerPass(optgym::createAffineUnrollPass);
            ::mlir::registerPass(optgym::createAffineUnrollJamPass);
            ::mlir::registerPass(optgym::createAffineTilePass);
            ::mlir::registerPass(optgym::createLinalgTilePass);
#if LLVM_VERSION_MAJOR >= 22
            ::mlir::registerPass(optgym::createTuneKnobsPass);
#endif
          }};
}
