//===- RandomOracle.cpp - Seeded, per-key deterministic choices -----------===//
//
// The answer for a key depends only on the seed, the kind and the key, never
// on the order of queries or on the LLVM version, so a random build can be
// reproduced exactly and a trace of it replays.
//
//===----------------------------------------------------------------------===//

#include "oracle/OracleBackends.h"

namespace optgym {
namespace {

uint64_t fnv1a(llvm::StringRef S, uint64_t H = 0xcbf29ce484222325ULL) {
  for (unsigned char C : S)
    H = (H ^ C) * 0x100000001b3ULL;
  return H;
}

uint64_t splitmix64(uint64_t X) {
  X += 0x9e3779b97f4a7c15ULL;
  X = (X ^ (X >> 30)) * 0xbf58476d1ce4e5b9ULL;
  X = (X ^ (X >> 27)) * 0x94d049bb133111ebULL;
  return X ^ (X >> 31);
}

class RandomOracle final : public Oracle {
public:
  RandomOracle(uint64_t Seed, double DepartRate, std::string Spec)
      : Oracle(std::move(Spec)), Seed(Seed), DepartRate(DepartRate) {}

protected:
  unsigned decideImpl(const Query &Q) override {
    // Only offered choices: never a replay-only pass-choice action.
    size_t NumChoices = getKindInfo(Q.Kind).NumOffered;
    uint64_t H = splitmix64(Seed ^ fnv1a(Q.Key, fnv1a(kindName(Q.Kind))));
    double Uniform = double(H >> 11) * 0x1.0p-53;
    if (Uniform >= DepartRate || NumChoices < 2)
      return Q.Default;
    unsigned Other = splitmix64(H) % (NumChoices - 1);
    return Other >= Q.Default ? Other + 1 : Other;
  }

private:
  uint64_t Seed;
  double DepartRate;
};

} // namespace

std::unique_ptr<Oracle> createRandomOracle(uint64_t Seed, double DepartRate,
                                           std::string Spec) {
  return std::make_unique<RandomOracle>(Seed, DepartRate, std::move(Spec));
}

} // namespace optgym
