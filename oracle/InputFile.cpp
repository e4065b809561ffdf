//===- InputFile.cpp - Input files, read within a limit -------------------===//

#include "oracle/InputFile.h"

#include "llvm/ADT/ScopeExit.h"
#include "llvm/Support/FileSystem.h"

using namespace llvm;

namespace optgym {

Expected<std::string> readInputFile(StringRef Path, StringRef What,
                                    uint64_t MaxBytes) {
  auto Failure = [&](std::error_code EC, const Twine &Reason) {
    return createStringError(EC,
                             Path + ": cannot read " + What + ": " + Reason);
  };
  Expected<sys::fs::file_t> File = sys::fs::openNativeFileForRead(Path);
  if (!File) {
    std::error_code EC = errorToErrorCode(File.takeError());
    return Failure(EC, EC.message());
  }
  auto Close = make_scope_exit([&] { sys::fs::closeFile(*File); });
  std::string Text;
  sys::fs::file_status Status;
  if (!sys::fs::status(*File, Status) &&
      Status.type() == sys::fs::file_type::regular_file)
    Text.reserve(std::min<uint64_t>(Status.getSize(), MaxBytes) + 1);
  // Chunk by chunk, for pipes and devices too, until the end or one byte
  // past the limit.
  constexpr size_t Chunk = size_t(1) << 16;
  while (true) {
    size_t Size = Text.size();
    Text.resize(Size + Chunk);
    Expected<size_t> Read = sys::fs::readNativeFile(
        *File, MutableArrayRef<char>(Text.data() + Size, Chunk));
    if (!Read) {
      std::error_code EC = errorToErrorCode(Read.takeError());
      return Failure(EC, EC.message());
    }
    Text.resize(Size + *Read);
    if (*Read == 0)
      break;
    if (Text.size() > MaxBytes)
      return Failure(std::make_error_code(std::errc::file_too_large),
                     "larger than the limit of " + Twine(MaxBytes) +
                         " bytes for a " + What);
  }
  return std::move(Text);
}

} // namespace optgym
