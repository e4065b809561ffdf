//===- DefaultOracle.cpp - LLVM's own decisions ---------------------------===//

#include "oracle/OracleBackends.h"

namespace optgym {
namespace {

class DefaultOracle final : public Oracle {
public:
  DefaultOracle() : Oracle("default") {}
  bool isPassive() const override { return true; }

protected:
  unsigned decideImpl(const Query &Q) override { return Q.Default; }
};

} // namespace

std::unique_ptr<Oracle> createDefaultOracle() {
  return std::make_unique<DefaultOracle>();
}

} // namespace optgym
