//===- SourceLabel.cpp - Source names independent of location -------------===//

#include "session/SourceLabel.h"

#include "llvm/ADT/SmallString.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/Path.h"

#include <optional>

using namespace llvm;

namespace optgym {
namespace {

/// Path made absolute against the current directory, without . and ..
/// components.
std::optional<SmallString<256>> normalized(StringRef Path) {
  SmallString<256> Abs(Path);
  if (sys::fs::make_absolute(Abs))
    return std::nullopt;
  sys::path::remove_dots(Abs, /*remove_dot_dot=*/true);
  return Abs;
}

/// Path relative to Root, when it lies under Root.
std::optional<std::string> relativeTo(StringRef Path, StringRef Root) {
  Root = Root.rtrim('/');
  if (!Path.starts_with(Root) || Path.size() <= Root.size() + 1 ||
      !sys::path::is_separator(Path[Root.size()]))
    return std::nullopt;
  return Path.drop_front(Root.size() + 1).str();
}

/// The nearest enclosing directory of Dir (itself included) that is the
/// root of a repository; a submodule's root defers to its superproject's.
std::optional<std::string> repositoryRoot(StringRef Dir) {
  std::optional<std::string> Found;
  for (StringRef D = Dir; !D.empty(); D = sys::path::parent_path(D)) {
    SmallString<256> Git(D);
    sys::path::append(Git, ".git");
    SmallString<256> Hg(D), Svn(D);
    sys::path::append(Hg, ".hg");
    sys::path::append(Svn, ".svn");
    bool GitDir = sys::fs::is_directory(Git);
    bool GitFile = !GitDir && sys::fs::exists(Git);
    if (GitDir || GitFile || sys::fs::exists(Hg) || sys::fs::exists(Svn)) {
      Found = D.str();
      if (!GitFile)
        return Found;
    }
  }
  return Found;
}

} // namespace

std::string sourceLabel(StringRef Path, StringRef KeyRoot) {
  std::optional<SmallString<256>> Abs = normalized(Path);
  if (!Abs)
    return Path.str();
  if (!KeyRoot.empty()) {
    if (std::optional<SmallString<256>> Root = normalized(KeyRoot))
      if (std::optional<std::string> Label = relativeTo(*Abs, *Root))
        return *Label;
    SmallString<256> Real;
    if (!sys::fs::real_path(KeyRoot, Real))
      if (std::optional<std::string> Label = relativeTo(*Abs, Real))
        return *Label;
  }
  if (!sys::fs::exists(*Abs))
    return Path.str();
  if (std::optional<std::string> Root =
          repositoryRoot(sys::path::parent_path(*Abs)))
    if (std::optional<std::string> Label = relativeTo(*Abs, *Root))
      return *Label;
  return Path.str();
}

} // namespace optgym
