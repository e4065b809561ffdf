//===- OracleSpecTest.cpp - Oracle specs and their errors -----------------===//

#include "oracle/OracleSpec.h"

#include "gtest/gtest.h"

using namespace optgym;
using namespace llvm;

namespace {

std::string errorOf(StringRef Spec) {
  Expected<std::unique_ptr<Oracle>> O = createOracle(Spec);
  if (O)
    return "";
  return toString(O.takeError());
}

TEST(OracleSpecTest, Default) {
  Expected<std::unique_ptr<Oracle>> O = createOracle("default");
  ASSERT_TRUE(bool(O));
  EXPECT_TRUE((*O)->isPassive());
  Query Q(DecisionKind::LoopUnroll, "k");
  EXPECT_EQ((*O)->decide(Q), DefaultChoice);
}

TEST(OracleSpecTest, BadSpecsSayWhatIsWrong) {
  EXPECT_EQ(errorOf("bogus"),
            "OPTGYM_ORACLE=bogus: unknown oracle 'bogus' (expected one of "
            "default, policy, random, replay, socket)");
  EXPECT_NE(errorOf("default:x").find("takes no arguments"), std::string::npos);
  EXPECT_NE(errorOf("random:seed=-3").find("seed must be"), std::string::npos);
  EXPECT_NE(errorOf("random:p=1.5").find("p must be a number in [0, 1]"),
            std::string::npos);
  EXPECT_NE(errorOf("random:speed=1").find("unknown random option 'speed'"),
            std::string::npos);
  EXPECT_NE(errorOf("policy:").find("expected policy:FILE"), std::string::npos);
  EXPECT_EQ(errorOf("socket:"),
            "OPTGYM_ORACLE=socket:: expected a socket path or tcp:HOST:PORT");
  EXPECT_NE(errorOf("socket:tcp:localhost:http").find("expected tcp:HOST:PORT"),
            std::string::npos);
  EXPECT_EQ(toString(createOracle("nope", "-optgym-oracle").takeError()),
            "-optgym-oracle=nope: unknown oracle 'nope' (expected one of "
            "default, policy, random, replay, socket)");
  std::string Missing = errorOf("policy:/nonexistent/p.json");
  EXPECT_EQ(Missing.rfind("/nonexistent/p.json: cannot read policy", 0), 0u)
      << Missing;
  EXPECT_NE(errorOf("replay:/nonexistent/t.jsonl").find("cannot read trace"),
            std::string::npos);
}

Expected<std::unique_ptr<Oracle>> makeEcho(StringRef Arg, StringRef Spec,
                                           StringRef Setting,
                                           const OracleOptions &) {
  return createOracle("random:seed=" + Arg.str());
}

TEST(OracleSpecTest, BackendsCanBeAdded) {
  EXPECT_TRUE(registerOracleBackend("test-echo", makeEcho));
  EXPECT_FALSE(registerOracleBackend("test-echo", makeEcho));
  Expected<std::unique_ptr<Oracle>> O = createOracle("test-echo:4");
  ASSERT_TRUE(bool(O)) << toString(O.takeError());
  EXPECT_EQ((*O)->spec(), "random:seed=4,p=0.5");
}

} // namespace
