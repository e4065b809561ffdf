//===- ObjectSize.cpp - .text size of a module's object code --------------===//

#include "passes/ObjectSize.h"
#include "plugin/Compat.h"

#include "llvm/ADT/SmallVector.h"
#include "llvm/IR/LegacyPassManager.h"
#include "llvm/Object/ObjectFile.h"
#include "llvm/Support/raw_ostream.h"
#include "llvm/Target/TargetMachine.h"
#include "llvm/Target/TargetOptions.h"
#include "llvm/TargetParser/Host.h"
#include "llvm/Transforms/Utils/Cloning.h"

using namespace llvm;

namespace optgym {

Expected<uint64_t> objectTextBytes(const Module &M) {
  Triple TT = compat::targetTriple(M);
  if (TT.getTriple().empty())
    TT = Triple(sys::getDefaultTargetTriple());
  std::string Problem;
  const Target *T = TargetRegistry::lookupTarget(TT.getTriple(), Problem);
  if (!T)
    return createStringError(inconvertibleErrorCode(),
                             "no code generator for " + TT.getTriple() + ": " +
                                 Problem);
  std::unique_ptr<TargetMachine> TM(compat::createTargetMachine(
      *T, TT, TargetOptions(), CodeGenOptLevel::Default));
  if (!TM)
    return createStringError(inconvertibleErrorCode(),
                             "cannot create a target machine for " +
                                 TT.getTriple());

  // Code generation rewrites the IR it is given.
  std::unique_ptr<Module> Copy = CloneModule(M);
  SmallVector<char, 0> Object;
  raw_svector_ostream OS(Object);
  legacy::PassManager Codegen;
  if (TM->addPassesToEmitFile(Codegen, OS, nullptr,
                              CodeGenFileType::ObjectFile))
    return createStringError(inconvertibleErrorCode(),
                             TT.getTriple() + " cannot emit object files");
  Codegen.run(*Copy);

  Expected<std::unique_ptr<object::ObjectFile>> File =
      object::ObjectFile::createObjectFile(
          MemoryBufferRef(StringRef(Object.data(), Object.size()), "object"));
  if (!File)
    return File.takeError();
  uint64_t Bytes = 0;
  for (const object::SectionRef &Section : (*File)->sections()) {
    Expected<StringRef> Name = Section.getName();
    if (!Name) {
      consumeError(Name.takeError());
      continue;
    }
    if (*Name == ".text" || Name->starts_with(".text."))
      Bytes += Section.getSize();
  }
  return Bytes;
}

} // namespace optgym
