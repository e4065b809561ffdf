//===- InlineDecision.h - The inline decision point -------------*- C++ -*-===//
//
// An InlineAdvisor that wraps LLVM's DefaultInlineAdvisor, so LLVM's advice
// is known (it is a feature, and it is what "default" does), and asks the
// oracle once per call site: default, inline or no-inline. Installed through
// PluginInlineAdvisorAnalysis, so it works in clang and in opt's default
// pipelines alike. A forced "inline" is carried out only where inlining is
// legal (not recursive, no noinline, compatible attributes, viable callee)
// and keeps the caller under -optgym-max-forced-inline-size instructions;
// elsewhere LLVM's advice stands. Mandatory (always_inline) inlining happens
// before the advisor is asked.
//
//===----------------------------------------------------------------------===//

#ifndef OPTGYM_PASSES_INLINEDECISION_H
#define OPTGYM_PASSES_INLINEDECISION_H

#include "llvm/Analysis/InlineAdvisor.h"

namespace optgym {

/// The factory PluginInlineAdvisorAnalysis calls for each inliner run.
llvm::InlineAdvisor *
createOracleInlineAdvisor(llvm::Module &M, llvm::FunctionAnalysisManager &FAM,
                          llvm::InlineParams Params, llvm::InlineContext IC);

} // namespace optgym

#endif // OPTGYM_PASSES_INLINEDECISION_H
