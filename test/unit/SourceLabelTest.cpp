//===- SourceLabelTest.cpp - Source labels do not depend on where ---------===//

#include "session/SourceLabel.h"

#include "llvm/ADT/SmallString.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/raw_ostream.h"

#include "gtest/gtest.h"

#include <string>

using namespace llvm;
using namespace optgym;

namespace {

/// A directory under the system's temporary directory (outside any
/// repository), removed with everything in it.
class ScratchDir {
public:
  ScratchDir() {
    EXPECT_FALSE(sys::fs::createUniqueDirectory("optgym-labels", Root));
  }
  ~ScratchDir() { sys::fs::remove_directories(Root); }

  /// Creates the file (and its directories) at Relative; returns its path.
  std::string file(StringRef Relative) {
    std::string Path = path(Relative);
    EXPECT_FALSE(sys::fs::create_directories(sys::path::parent_path(Path)));
    std::error_code EC;
    raw_fd_ostream(Path, EC) << "int x;\n";
    EXPECT_FALSE(EC);
    return Path;
  }
  std::string dir(StringRef Relative) {
    std::string Path = path(Relative);
    EXPECT_FALSE(sys::fs::create_directories(Path));
    return Path;
  }
  std::string path(StringRef Relative) const {
    SmallString<256> Path(Root);
    sys::path::append(Path, Relative);
    return std::string(Path);
  }

private:
  SmallString<256> Root;
};

/// Runs the test from Dir, and goes back.
class InDirectory {
public:
  explicit InDirectory(StringRef Dir) {
    EXPECT_FALSE(sys::fs::current_path(Previous));
    EXPECT_FALSE(sys::fs::set_current_path(Dir));
  }
  ~InDirectory() { sys::fs::set_current_path(Previous); }

private:
  SmallString<256> Previous;
};

TEST(SourceLabelTest, RelativeToTheRepositoryHoweverTheFileIsNamed) {
  ScratchDir D;
  D.dir("proj/.git");
  std::string Abs = D.file("proj/src/a/util.c");
  D.dir("proj/build");
  EXPECT_EQ(sourceLabel(Abs, ""), "src/a/util.c");
  {
    InDirectory In(D.path("proj"));
    EXPECT_EQ(sourceLabel("src/a/util.c", ""), "src/a/util.c");
    EXPECT_EQ(sourceLabel("./src/./a/util.c", ""), "src/a/util.c");
  }
  {
    InDirectory In(D.path("proj/build"));
    EXPECT_EQ(sourceLabel("../src/a/util.c", ""), "src/a/util.c");
  }
}

TEST(SourceLabelTest, TheSameProjectElsewhereHasTheSameLabels) {
  ScratchDir D;
  D.dir("one/proj/.hg");
  D.dir("two/deeper/proj/.svn");
  EXPECT_EQ(sourceLabel(D.file("one/proj/lib/x.c"), ""),
            sourceLabel(D.file("two/deeper/proj/lib/x.c"), ""));
}

TEST(SourceLabelTest, FilesOfTheSameNameDoNotCollide) {
  ScratchDir D;
  D.dir("proj/.git");
  EXPECT_EQ(sourceLabel(D.file("proj/a/util.c"), ""), "a/util.c");
  EXPECT_EQ(sourceLabel(D.file("proj/b/util.c"), ""), "b/util.c");
}

TEST(SourceLabelTest, SubmodulesKeepTheirPlaceInTheSuperproject) {
  ScratchDir D;
  D.dir("proj/.git");
  D.file("proj/vendor/lib/.git"); // a submodule's .git is a file
  EXPECT_EQ(sourceLabel(D.file("proj/vendor/lib/z.c"), ""), "vendor/lib/z.c");

  // A checkout whose .git is a file (a worktree) and nothing above it.
  ScratchDir W;
  W.file("tree/.git");
  EXPECT_EQ(sourceLabel(W.file("tree/src/y.c"), ""), "src/y.c");
}

TEST(SourceLabelTest, KeyRootOverridesTheRepository) {
  ScratchDir D;
  D.dir("proj/.git");
  std::string File = D.file("proj/src/x.c");
  EXPECT_EQ(sourceLabel(File, D.path("proj/src")), "x.c");
  EXPECT_EQ(sourceLabel(File, D.path("proj/src/")), "x.c");
  // Files outside the key root fall back to their repository.
  EXPECT_EQ(sourceLabel(File, D.path("elsewhere")), "src/x.c");
  // Without a repository, the key root is what makes labels agree.
  std::string Plain = D.file("plain/x.c");
  InDirectory In(D.path("plain"));
  EXPECT_EQ(sourceLabel(Plain, D.path("plain")), "x.c");
  EXPECT_EQ(sourceLabel("x.c", D.path("plain")), "x.c");
}

TEST(SourceLabelTest, OtherwiseThePathAsGiven) {
  ScratchDir D;
  std::string Plain = D.file("plain/x.c");
  EXPECT_EQ(sourceLabel(Plain, ""), Plain);
  InDirectory In(D.path("plain"));
  EXPECT_EQ(sourceLabel("x.c", ""), "x.c");
  // A file that does not exist here (IR naming a source elsewhere).
  EXPECT_EQ(sourceLabel("calls.c", ""), "calls.c");
  EXPECT_EQ(sourceLabel("/no/such/dir/calls.c", ""), "/no/such/dir/calls.c");
}

} // namespace
