//===- RandomOracleTest.cpp - Seeded, per-key deterministic choices -------===//

#include "oracle/OracleBackends.h"
#include "oracle/OracleSpec.h"

#include "gtest/gtest.h"

using namespace optgym;
using namespace llvm;

namespace {

unsigned decide(Oracle &O, DecisionKind Kind, StringRef Key) {
  return O.decide(Query(Kind, Key.str()));
}

TEST(RandomOracleTest, SameSeedSameAnswersInAnyOrder) {
  auto A = createRandomOracle(7, 0.5, "a");
  auto B = createRandomOracle(7, 0.5, "b");
  std::vector<std::string> Keys;
  for (int I = 0; I < 200; ++I)
    Keys.push_back("f.c:main:loop#" + std::to_string(I));
  std::vector<unsigned> Forward;
  for (const std::string &K : Keys)
    Forward.push_back(decide(*A, DecisionKind::LoopUnroll, K));
  for (int I = Keys.size() - 1; I >= 0; --I)
    EXPECT_EQ(decide(*B, DecisionKind::LoopUnroll, Keys[I]), Forward[I]);
}

TEST(RandomOracleTest, SeedsDiffer) {
  auto A = createRandomOracle(1, 0.5, "a");
  auto B = createRandomOracle(2, 0.5, "b");
  int Differ = 0;
  for (int I = 0; I < 200; ++I) {
    std::string K = "f.c:g:call#" + std::to_string(I) + ":h";
    Differ += decide(*A, DecisionKind::Inline, K) !=
              decide(*B, DecisionKind::Inline, K);
  }
  EXPECT_GT(Differ, 50);
}

TEST(RandomOracleTest, DepartureRateIsHonoured) {
  for (double Rate : {0.0, 0.1, 0.5, 1.0}) {
    auto O = createRandomOracle(3, Rate, "r");
    int Departed = 0;
    constexpr int N = 4000;
    for (int I = 0; I < N; ++I)
      Departed +=
          decide(*O, DecisionKind::PassGate,
                 "f.c:fn:instcombine#" + std::to_string(I)) != choice::Run;
    EXPECT_NEAR(double(Departed) / N, Rate, 0.03) << "rate " << Rate;
  }
}

TEST(RandomOracleTest, DeparturesCoverEveryOtherChoice) {
  auto O = createRandomOracle(11, 1.0, "r");
  size_t N = getKindInfo(DecisionKind::LoopUnroll).Choices.size();
  std::vector<int> Seen(N);
  for (int I = 0; I < 20000; ++I)
    ++Seen[decide(*O, DecisionKind::LoopUnroll, "k" + std::to_string(I))];
  EXPECT_EQ(Seen[DefaultChoice], 0);
  for (size_t C = 1; C < N; ++C)
    EXPECT_GT(Seen[C], 0) << getKindInfo(DecisionKind::LoopUnroll).Choices[C];
}

TEST(RandomOracleTest, SpecIsCanonical) {
  Expected<std::unique_ptr<Oracle>> O = createOracle("random:p=0.25, seed=9");
  ASSERT_TRUE(bool(O)) << toString(O.takeError());
  EXPECT_EQ((*O)->spec(), "random:seed=9,p=0.25");
  Expected<std::unique_ptr<Oracle>> D = createOracle("random");
  ASSERT_TRUE(bool(D));
  EXPECT_EQ((*D)->spec(), "random:seed=0,p=0.5");
}

} // namespace
