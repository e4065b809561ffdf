//===- SourceLabel.h - Source names independent of location -----*- C++ -*-===//
//
// Decision keys start with the module's source file. Compilers see that file
// under whatever path the build gave (absolute in CMake, relative to the
// build directory in make, through ../ from an out-of-tree build), so keys
// made from it as given did not carry over to another checkout or build
// directory. A label is the file's path relative to the root of its project:
//
//  1. under the key root (OPTGYM_KEY_ROOT or -optgym-key-root), relative to
//     it;
//  2. else relative to the nearest enclosing directory holding .git, .hg or
//     .svn; a .git file (a submodule) defers to an enclosing repository, so
//     vendored files keep their place in the superproject;
//  3. else, or when the file does not exist (IR whose source_filename names
//     a file elsewhere), the path as given.
//
// Paths within one root are distinct, so labels do not collide inside a
// project.
//
//===----------------------------------------------------------------------===//

#ifndef OPTGYM_SESSION_SOURCELABEL_H
#define OPTGYM_SESSION_SOURCELABEL_H

#include "llvm/ADT/StringRef.h"

#include <string>

namespace optgym {

/// The label of source file Path, relative to the current directory when it
/// is relative; KeyRoot may be empty.
std::string sourceLabel(llvm::StringRef Path, llvm::StringRef KeyRoot);

} // namespace optgym

#endif // OPTGYM_SESSION_SOURCELABEL_H
