//===- OpenBeneathTest.cpp - file.read/file.write cannot be raced out -----===//
#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "runtime/actions/LocalActions.h"
#include "runtime/actions/OpenBeneath.h"

using namespace orch::runtime;
namespace fs = std::filesystem;

namespace {

class OpenBeneath : public ::testing::Test {
 protected:
  void SetUp() override {
    char T[] = "/tmp/orch-beneath-XXXXXX";
    ASSERT_NE(mkdtemp(T), nullptr);
    Top = T;
    Root = Top + "/run";
    Outside = Top + "/outside";
    fs::create_directories(Root + "/d");
    fs::create_directories(Outside);
    std::ofstream(Outside + "/secret") << "TOPSECRET";
  }
  void TearDown() override { fs::remove_all(Top); }
  /// What a racer does between confinePath's check and the open.
  void swapForLink(const std::string &Rel, const std::string &Target) {
    fs::remove_all(Root + "/" + Rel);
    fs::create_directory_symlink(Target, Root + "/" + Rel);
  }
  std::string Top, Root, Outside;
};

TEST_F(OpenBeneath, ASwappedDirectoryCannotTakeAWriteOutside) {
  swapForLink("d", Outside);
  llvm::Expected<int> Fd =
      openBeneath(Root, "d/new.txt", O_WRONLY | O_CREAT, true, "d/new.txt");
  ASSERT_FALSE(static_cast<bool>(Fd));
  EXPECT_NE(llvm::toString(Fd.takeError()).find("left the run directory"),
            std::string::npos);
  EXPECT_FALSE(fs::exists(Outside + "/new.txt"));
}

TEST_F(OpenBeneath, ASwappedDirectoryCannotLeakARead) {
  swapForLink("d", Outside);
  llvm::Expected<int> Fd = openBeneath(Root, "d/secret", O_RDONLY, false, "d/secret");
  ASSERT_FALSE(static_cast<bool>(Fd));
  llvm::consumeError(Fd.takeError());
  fs::create_symlink("/etc/passwd", Root + "/abs");
  Fd = openBeneath(Root, "abs", O_RDONLY, false, "abs");
  ASSERT_FALSE(static_cast<bool>(Fd));
  llvm::consumeError(Fd.takeError());
}

TEST_F(OpenBeneath, LinksThatStayInsideAndNewDirectoriesWork) {
  std::ofstream(Root + "/d/a.txt") << "hello";
  fs::create_symlink("d/a.txt", Root + "/link.txt");
  llvm::Expected<int> Fd = openBeneath(Root, "link.txt", O_RDONLY, false, "link.txt");
  ASSERT_TRUE(static_cast<bool>(Fd)) << llvm::toString(Fd.takeError());
  close(*Fd);
  Fd = openBeneath(Root, "x/y/z.txt", O_WRONLY | O_CREAT, true, "x/y/z.txt");
  ASSERT_TRUE(static_cast<bool>(Fd)) << llvm::toString(Fd.takeError());
  close(*Fd);
  EXPECT_TRUE(fs::exists(Root + "/x/y/z.txt"));
}

// Review finding 7: file.write to a FIFO blocked orchrt forever (at open
// with no reader; at write with one that never reads). Regular files only.
TEST_F(OpenBeneath, FileActionsRefuseAFifo) {
  std::string F = Root + "/f";
  ASSERT_EQ(mkfifo(F.c_str(), 0600), 0);
  int Reader = open(F.c_str(), O_RDONLY | O_NONBLOCK | O_CLOEXEC);
  ASSERT_GE(Reader, 0);
  ActionResult W = runFileWrite(Root, orch::ir::Json{{"path", "f"}, {"content", "x"}});
  ASSERT_FALSE(W.Ok);
  EXPECT_NE(W.Error.find("not a regular file"), std::string::npos) << W.Error;
  close(Reader);
  W = runFileWrite(Root, orch::ir::Json{{"path", "f"}, {"content", "x"}});  // no reader
  EXPECT_FALSE(W.Ok);
  ActionResult R = runFileRead(Root, orch::ir::Json{{"path", "f"}});
  EXPECT_FALSE(R.Ok);
}

// Review finding 13: without openat2 the whole relative path went to one
// openat(O_NOFOLLOW), which follows a link in any but the last component.
TEST_F(OpenBeneath, TheFallbackRefusesALinkInAnyComponent) {
  swapForLink("d", Outside);
  int Dir = open(Root.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC);
  ASSERT_GE(Dir, 0);
  EXPECT_LT(openByComponents(Dir, "d/secret", O_RDONLY), 0);
  EXPECT_LT(openByComponents(Dir, "../outside/secret", O_RDONLY), 0);
  fs::create_directories(Root + "/e");
  std::ofstream(Root + "/e/ok") << "fine";
  int Fd = openByComponents(Dir, "e/ok", O_RDONLY);
  EXPECT_GE(Fd, 0);
  if (Fd >= 0) close(Fd);
  close(Dir);
}

TEST_F(OpenBeneath, FileActionsGoThroughIt) {
  orch::ir::Json P = {{"path", "d/out.txt"}, {"content", "data"}};
  ActionResult W = runFileWrite(Root, P);
  ASSERT_TRUE(W.Ok) << W.Error;
  ActionResult R = runFileRead(Root, orch::ir::Json{{"path", "d/out.txt"}});
  ASSERT_TRUE(R.Ok) << R.Error;
  EXPECT_EQ(R.Fields["output"], "data");
  EXPECT_EQ(R.Fields["bytes"], 4);
}

// file.list: a link is listed as one, never followed, and a directory
// swapped for a link to outside cannot be listed.
TEST_F(OpenBeneath, FileListListsLinksAndStaysInside) {
  std::ofstream(Root + "/d/b.txt") << "bb";
  fs::create_directory(Root + "/d/c");
  fs::create_directory_symlink(Outside, Root + "/d/out");
  ActionResult R = runFileList(Root, orch::ir::Json{{"path", "d"}});
  ASSERT_TRUE(R.Ok) << R.Error;
  EXPECT_EQ(R.Fields["count"], 3);
  EXPECT_EQ(R.Fields["output"], "b.txt\nc\nout");
  EXPECT_EQ(R.Fields["items"][0]["size"], 2);
  EXPECT_EQ(R.Fields["items"][1]["type"], "directory");
  EXPECT_EQ(R.Fields["items"][2]["type"], "symlink");
  EXPECT_TRUE(R.Fields["items"][2]["size"].is_null());
  R = runFileList(Root, orch::ir::Json{{"path", "d/out"}});
  EXPECT_FALSE(R.Ok);
  R = runFileList(Root, orch::ir::Json{{"path", "."}});
  ASSERT_TRUE(R.Ok) << R.Error;
  EXPECT_EQ(R.Fields["items"][0]["path"], "d");
  swapForLink("d", Outside);
  R = runFileList(Root, orch::ir::Json{{"path", "d"}});
  EXPECT_FALSE(R.Ok);
}

}  // namespace
