//===- Registration.h - Everything OptGym adds to a PassBuilder -*- C++ -*-===//

#ifndef OPTGYM_PLUGIN_REGISTRATION_H
#define OPTGYM_PLUGIN_REGISTRATION_H

#include "passes/Compat.h"

namespace optgym {

/// Registers OptGym's pipeline names always, and, unless the plugin is inert
/// (no oracle configured), its decision points at their extension points.
void registerOptGym(llvm::PassBuilder &PB);

llvm::PassPluginLibraryInfo getOptGymPluginInfo();

} // namespace optgym

#endif // OPTGYM_PLUGIN_REGISTRATION_H
