//===- SpillTest.cpp - Large result fields in files -----------------------===//
#include <gtest/gtest.h>

#include <set>

#include "llvm/ADT/SmallString.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/Path.h"
#include "runtime/exec/Spill.h"

using json = orch::ir::Json;
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
  llvm::Expected<std::vector<SpilledField>> S = spillFields(F, 0, O);
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
  llvm::Expected<std::vector<SpilledField>> S = spillFields(F, 1, O);
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
  llvm::Expected<std::vector<SpilledField>> S = spillFields(F, 2, O);
  ASSERT_TRUE(bool(S));
  EXPECT_EQ(llvm::sys::path::filename((*S)[0].Path), "step2-0");
  json D = describeSpilled(*S);
  llvm::Expected<std::vector<SpilledField>> Back = parseSpilled(D, O.Dir);
  ASSERT_TRUE(bool(Back));
  EXPECT_EQ((*Back)[0].Path, (*S)[0].Path);
  EXPECT_EQ((*Back)[0].Bytes, 19u);
  llvm::sys::fs::remove((*S)[0].Path);
  llvm::Expected<std::vector<SpilledField>> Gone = parseSpilled(D, O.Dir);
  ASSERT_FALSE(bool(Gone));
  EXPECT_NE(llvm::toString(Gone.takeError()).find("is not a file under"),
            std::string::npos);
  EXPECT_FALSE(bool(parseSpilled(json{{"output", 3}}, O.Dir)));
  llvm::consumeError(parseSpilled(json{{"output", 3}}, O.Dir).takeError());
}

TEST_F(Spill, NoDirectoryMeansNoSpilling) {
  O.Dir.clear();
  json F = {{"output", std::string(100, 'x')}};
  llvm::Expected<std::vector<SpilledField>> S = spillFields(F, 3, O);
  ASSERT_TRUE(bool(S));
  EXPECT_TRUE(S->empty());
  EXPECT_EQ(F["output"].get<std::string>().size(), 100u);
}

TEST_F(Spill, AnUnwritableDirectoryLeavesTheFieldsInMemory) {
  O.Dir = "/proc/orch-cannot-create-this";
  json F = {{"output", std::string(100, 'x')}};
  llvm::Expected<std::vector<SpilledField>> S = spillFields(F, 3, O);
  EXPECT_FALSE(bool(S));
  llvm::consumeError(S.takeError());
  EXPECT_EQ(F["output"].get<std::string>().size(), 100u);
}

TEST_F(Spill, LargeListsAndMapsMoveAsJson) {
  // An HTTP step's parsed `json` body, a transform's `value`: not strings.
  json Body = {{"items", json::array({"abcdef", 1, 2.5, nullptr})}, {"ok", true}};
  json F = {{"json", Body}, {"n", 5}};
  llvm::Expected<std::vector<SpilledField>> S = spillFields(F, 4, O);
  ASSERT_TRUE(bool(S));
  ASSERT_EQ(S->size(), 1u);
  EXPECT_TRUE((*S)[0].Json);
  EXPECT_EQ(F, (json{{"n", 5}}));
  llvm::Expected<json> Back = loadField((*S)[0]);
  ASSERT_TRUE(bool(Back));
  EXPECT_EQ(*Back, Body);
  // The type survives a resume.
  llvm::Expected<std::vector<SpilledField>> P = parseSpilled(describeSpilled(*S), O.Dir);
  ASSERT_TRUE(bool(P));
  EXPECT_TRUE((*P)[0].Json);
  ASSERT_FALSE(loadSpilled(F, *P));
  EXPECT_EQ(F["json"], Body);
}

TEST_F(Spill, FieldsWhoseNamesLookAlikeGetTheirOwnFiles) {
  // `a b` and `a_b` once mapped to the same file name; a 300-byte name was
  // too long for one.
  std::string Long(300, 'k');
  json F = {
      {"a b", "first value...."}, {"a_b", "second value..."}, {Long, "third value...."}};
  json Orig = F;
  llvm::Expected<std::vector<SpilledField>> S = spillFields(F, 5, O);
  ASSERT_TRUE(bool(S)) << llvm::toString(S.takeError());
  ASSERT_EQ(S->size(), 3u);
  std::set<std::string> Paths;
  for (const SpilledField &X : *S) Paths.insert(X.Path);
  EXPECT_EQ(Paths.size(), 3u);
  ASSERT_FALSE(loadSpilled(F, *S));
  EXPECT_EQ(F, Orig);
}

TEST_F(Spill, TheSchedulersStatusAndErrorNeverMove) {
  json F = {{"status", "an action's own long status"}, {"error", "a long error text"}};
  llvm::Expected<std::vector<SpilledField>> S = spillFields(F, 6, O);
  ASSERT_TRUE(bool(S));
  EXPECT_TRUE(S->empty());
  EXPECT_EQ(F.size(), 2u);
  EXPECT_FALSE(bool(
      parseSpilled(json{{"status", {{"file", O.Dir + "/x"}, {"bytes", 1u}}}}, O.Dir)));
}

TEST_F(Spill, FilesAreTheOwnersOnly) {
  json F = {{"output", "a secret printed by a command"}};
  llvm::Expected<std::vector<SpilledField>> S = spillFields(F, 7, O);
  ASSERT_TRUE(bool(S));
  llvm::sys::fs::file_status St;
  ASSERT_FALSE(llvm::sys::fs::status((*S)[0].Path, St));
  EXPECT_EQ(St.permissions(), llvm::sys::fs::owner_read | llvm::sys::fs::owner_write);
  ASSERT_FALSE(llvm::sys::fs::status(O.Dir, St));
  EXPECT_EQ(St.permissions(), llvm::sys::fs::owner_all);
}

TEST_F(Spill, AFailedWriteLeavesNoFileBehind) {
  // The second file cannot be created (a directory is in its place): the
  // first, already written, goes too.
  ASSERT_FALSE(llvm::sys::fs::create_directories(O.Dir + "/step8-1"));
  json F = {{"aa", "first long value"}, {"bb", "second value..."}};
  json Orig = F;
  llvm::Expected<std::vector<SpilledField>> S = spillFields(F, 8, O);
  ASSERT_FALSE(bool(S));
  llvm::consumeError(S.takeError());
  EXPECT_EQ(F, Orig);
  EXPECT_FALSE(llvm::sys::fs::exists(O.Dir + "/step8-0"));
}

TEST_F(Spill, OnlyRegularFilesUnderTheRootAreTakenOver) {
  json F = {{"output", "a long enough value"}};
  llvm::Expected<std::vector<SpilledField>> S = spillFields(F, 9, O);
  ASSERT_TRUE(bool(S));
  for (const std::string &Bad :
       {std::string("/etc/passwd"), O.Dir + "/../../../../../etc/passwd", O.Dir}) {
    llvm::Expected<std::vector<SpilledField>> P =
        parseSpilled(json{{"output", {{"file", Bad}, {"bytes", 4u}}}}, O.Dir);
    EXPECT_FALSE(bool(P)) << Bad;
    if (!P) {
      std::string Msg = llvm::toString(P.takeError());
      EXPECT_NE(Msg.find("is not a file under"), std::string::npos) << Msg;
    }
  }
  // Outside the root even though the file is a fine spill file.
  EXPECT_FALSE(bool(parseSpilled(describeSpilled(*S), O.Dir + "/elsewhere")));
  llvm::consumeError(parseSpilled(describeSpilled(*S), O.Dir + "/elsewhere").takeError());
}

}  // namespace
