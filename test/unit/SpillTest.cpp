//===- SpillTest.cpp - Large result fields in files -----------------------===//
#include <gtest/gtest.h>

#include "llvm/ADT/SmallString.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/Path.h"
#include "runtime/exec/Spill.h"

using nlohmann::json;
using namespace orch::runtime;

namespace {

class Spill : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_FALSE(llvm::sys::fs::createUniqueDirectory("orch-spill-test", Root));
    O.Dir = (Root + "/spill").str();
    O.Threshold = 8;
  }
  void TearDown() override { llvm::sys::fs::remove_directories(Root); }
  llvm::SmallString<128> Root;
  SpillOptions O;
};

TEST_F(Spill, OnlyLongStringsMoveAndTheRestStays) {
  json F = {{"output", "0123456789"}, {"short", "1234"}, {"n", 123456789012}};
  llvm::Expected<std::vector<SpilledField>> S = spillFields(F, "step", O);
  ASSERT_TRUE(bool(S));
  ASSERT_EQ(S->size(), 1u);
  EXPECT_EQ((*S)[0].Field, "output");
  EXPECT_EQ((*S)[0].Bytes, 10u);
  EXPECT_EQ(F, (json{{"short", "1234"}, {"n", 123456789012}}));
  ASSERT_FALSE(loadSpilled(F, *S));
  EXPECT_EQ(F["output"], "0123456789");
}

TEST_F(Spill, AFieldEqualToAnotherWithoutItsNewlineSharesItsFile) {
  // A shell step: `output` is `stdout` without the final newline.
  json F = {{"output", "line one\nline two"},
            {"stdout", "line one\nline two\n"},
            {"stderr", "different text"}};
  json Orig = F;
  llvm::Expected<std::vector<SpilledField>> S = spillFields(F, "sh", O);
  ASSERT_TRUE(bool(S));
  ASSERT_EQ(S->size(), 3u);
  std::map<std::string, SpilledField> By;
  for (const SpilledField &X : *S) By[X.Field] = X;
  EXPECT_EQ(By["output"].Path, By["stdout"].Path);
  EXPECT_TRUE(By["output"].TrimNewline);
  EXPECT_NE(By["stderr"].Path, By["stdout"].Path);
  EXPECT_TRUE(F.empty());
  ASSERT_FALSE(loadSpilled(F, *S));
  EXPECT_EQ(F, Orig);
}

TEST_F(Spill, TheDescriptionRoundTripsAndNamesMissingFiles) {
  json F = {{"output", "a long enough value"}};
  llvm::Expected<std::vector<SpilledField>> S = spillFields(F, "odd id/x", O);
  ASSERT_TRUE(bool(S));
  EXPECT_EQ(llvm::sys::path::filename((*S)[0].Path), "odd_id_x.output");
  json D = describeSpilled(*S);
  llvm::Expected<std::vector<SpilledField>> Back = parseSpilled(D);
  ASSERT_TRUE(bool(Back));
  EXPECT_EQ((*Back)[0].Path, (*S)[0].Path);
  EXPECT_EQ((*Back)[0].Bytes, 19u);
  llvm::sys::fs::remove((*S)[0].Path);
  llvm::Expected<std::vector<SpilledField>> Gone = parseSpilled(D);
  ASSERT_FALSE(bool(Gone));
  EXPECT_NE(llvm::toString(Gone.takeError()).find("is gone"), std::string::npos);
  EXPECT_FALSE(bool(parseSpilled(json{{"output", 3}})));
  llvm::consumeError(parseSpilled(json{{"output", 3}}).takeError());
}

TEST_F(Spill, NoDirectoryMeansNoSpilling) {
  O.Dir.clear();
  json F = {{"output", std::string(100, 'x')}};
  llvm::Expected<std::vector<SpilledField>> S = spillFields(F, "s", O);
  ASSERT_TRUE(bool(S));
  EXPECT_TRUE(S->empty());
  EXPECT_EQ(F["output"].get<std::string>().size(), 100u);
}

TEST_F(Spill, AnUnwritableDirectoryLeavesTheFieldsInMemory) {
  O.Dir = "/proc/orch-cannot-create-this";
  json F = {{"output", std::string(100, 'x')}};
  llvm::Expected<std::vector<SpilledField>> S = spillFields(F, "s", O);
  EXPECT_FALSE(bool(S));
  llvm::consumeError(S.takeError());
  EXPECT_EQ(F["output"].get<std::string>().size(), 100u);
}

}  // namespace
