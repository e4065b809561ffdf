//===- DecisionKindTest.cpp - Kinds, features and choice sets -------------===//

#include "oracle/DecisionKind.h"

#include "gtest/gtest.h"

using namespace optgym;
using namespace llvm;

namespace {

TEST(DecisionKindTest, NamesRoundTrip) {
  for (DecisionKind Kind : allDecisionKinds())
    EXPECT_EQ(parseDecisionKind(kindName(Kind)), Kind);
  EXPECT_FALSE(parseDecisionKind("loop-unrol"));
  EXPECT_EQ(allDecisionKinds().size(), NumDecisionKinds);
}

TEST(DecisionKindTest, ChoiceSets) {
  EXPECT_EQ(getKindInfo(DecisionKind::PassGate).Choices.vec(),
            (std::vector<std::string>{"run", "skip"}));
  EXPECT_EQ(getKindInfo(DecisionKind::Inline).Choices.vec(),
            (std::vector<std::string>{"default", "inline", "no-inline"}));

  ArrayRef<std::string> Unroll = getKindInfo(DecisionKind::LoopUnroll).Choices;
  ASSERT_EQ(Unroll.size(), 3u + 63u);
  EXPECT_EQ(Unroll[choice::UnrollDisable], "disable");
  EXPECT_EQ(Unroll[choice::UnrollFull], "full");
  EXPECT_EQ(Unroll.back(), "count:64");
  std::optional<unsigned> Count8 =
      findChoice(DecisionKind::LoopUnroll, "count:8");
  ASSERT_TRUE(Count8);
  EXPECT_EQ(choice::unrollCount(*Count8), 8u);
  EXPECT_FALSE(findChoice(DecisionKind::LoopUnroll, "count:1"));
  EXPECT_FALSE(findChoice(DecisionKind::LoopUnroll, "count:65"));

  ArrayRef<std::string> Vec = getKindInfo(DecisionKind::LoopVectorize).Choices;
  ASSERT_EQ(Vec.size(), 2u + 5u * 4u);
  std::optional<unsigned> W8I2 =
      findChoice(DecisionKind::LoopVectorize, "w8i2");
  ASSERT_TRUE(W8I2);
  EXPECT_EQ(choice::vectorWidth(*W8I2), 8u);
  EXPECT_EQ(choice::interleaveCount(*W8I2), 2u);
  EXPECT_EQ(Vec.back(), "w16i8");
}

TEST(DecisionKindTest, FeaturesBelongToTheirKind) {
  EXPECT_EQ(featureKind(FeatureId::LoopUnroll_TripCount),
            DecisionKind::LoopUnroll);
  unsigned I = featureIndex(FeatureId::LoopUnroll_TripCount);
  EXPECT_EQ(getKindInfo(DecisionKind::LoopUnroll).Features[I].Name,
            "trip_count");
  EXPECT_EQ(findFeature(DecisionKind::LoopUnroll, "trip_count"), I);
  EXPECT_EQ(featureIndex(FeatureId::PassGate_Pass), 0u);
  EXPECT_EQ(getKindInfo(DecisionKind::PassGate).Features[0].Type,
            FeatureType::String);
  EXPECT_FALSE(findFeature(DecisionKind::Inline, "trip_count"));
}

TEST(DecisionKindTest, DescribeChoicesAbbreviatesLongSets) {
  EXPECT_EQ(describeChoices(DecisionKind::Inline),
            "default, inline, no-inline");
  std::string Unroll = describeChoices(DecisionKind::LoopUnroll);
  EXPECT_NE(Unroll.find("default, disable, full"), std::string::npos);
  EXPECT_NE(Unroll.find("..., count:64"), std::string::npos);
}

} // namespace
