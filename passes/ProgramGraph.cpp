//===- ProgramGraph.cpp - The ProGraML graph of a module ------------------===//

#include "passes/ProgramGraph.h"

#include "llvm/ADT/DenseMap.h"
#include "llvm/ADT/STLExtras.h"
#include "llvm/IR/Constants.h"
#include "llvm/IR/InlineAsm.h"
#include "llvm/IR/Instructions.h"
#include "llvm/IR/Metadata.h"
#include "llvm/IR/Module.h"
#include "llvm/IR/ModuleSlotTracker.h"
#include "llvm/Support/JSON.h"
#include "llvm/Support/raw_ostream.h"

using namespace llvm;

namespace optgym {
namespace {

/// The instructions Module::getInstructionCount() counts (as
/// countInstructions() in Observations.h does).
bool isCounted(const Instruction &I) {
  return !(isa<CallInst>(I) && I.isDebugOrPseudoInst());
}

/// The callee of a direct call, which call edges stand for: its operand
/// has no data edge. Calls through an alias or any other value are
/// indirect.
const Function *directCallee(const Instruction &I) {
  const auto *Call = dyn_cast<CallBase>(&I);
  return Call ? dyn_cast<Function>(Call->getCalledOperand()) : nullptr;
}

/// Operands without a node: blocks (control edges stand for them),
/// metadata, inline assembly, and a direct call's callee.
bool hasNode(const Use &U, const Function *Callee) {
  const Value &V = *U.get();
  if (isa<BasicBlock>(V) || isa<MetadataAsValue>(V) || isa<InlineAsm>(V))
    return false;
  return !Callee || !cast<CallBase>(U.getUser())->isCallee(&U);
}

class GraphBuilder {
public:
  explicit GraphBuilder(const Module &M)
      : M(M), Slots(&M, /*ShouldInitializeAllMetadata=*/false) {}

  ProgramGraph build() {
    unsigned Root = addNode(ProgramNodeType::Instruction, ProgramGraph::None,
                            ProgramGraph::None, "[external]", "[external]");
    // Every instruction first: calls need the node of their callee's entry
    // and returns, wherever in the module the callee is.
    for (const Function &F : M)
      if (!F.isDeclaration())
        addInstructions(F);
    for (const Function &F : M)
      if (!F.isDeclaration())
        addEdge(Root, Bodies[&F].Entry, ProgramEdgeFlow::Call, 0);
    unsigned Index = 0;
    for (const Function &F : M)
      if (!F.isDeclaration())
        addRelations(F, Index++, Root);
    return std::move(G);
  }

private:
  struct Body {
    unsigned Entry = 0;
    SmallVector<unsigned, 2> Returns;
  };

  unsigned addNode(ProgramNodeType Type, unsigned Function, unsigned Block,
                   std::string Text, std::string FullText) {
    G.Nodes.push_back(
        {Type, Function, Block, std::move(Text), std::move(FullText)});
    return G.Nodes.size() - 1;
  }

  void addEdge(unsigned Source, unsigned Target, ProgramEdgeFlow Flow,
               unsigned Position) {
    unsigned Key = Parallel[{Source, Target}]++;
    G.Edges.push_back({Source, Target, Flow, Position, Key});
  }

  const std::string &typeText(Type *T) {
    auto [It, Inserted] = TypeTexts.try_emplace(T);
    if (Inserted) {
      raw_string_ostream OS(It->second);
      T->print(OS);
    }
    return It->second;
  }

  std::string operandText(const Value &V) {
    std::string Text;
    raw_string_ostream OS(Text);
    V.printAsOperand(OS, /*PrintType=*/true, Slots);
    return Text;
  }

  void addInstructions(const Function &F) {
    unsigned FunctionIndex = G.Functions.size();
    G.Functions.push_back(F.getName().str());
    Slots.incorporateFunction(F);
    Body &B = Bodies[&F];
    bool First = true;
    unsigned Block = 0;
    for (const BasicBlock &BB : F) {
      for (const Instruction &I : BB) {
        if (!isCounted(I))
          continue;
        std::string Text;
        raw_string_ostream OS(Text);
        I.print(OS, Slots);
        unsigned Node =
            addNode(ProgramNodeType::Instruction, FunctionIndex, Block,
                    I.getOpcodeName(), StringRef(Text).ltrim(' ').str());
        Instructions[&I] = Node;
        if (!BlockEntries.count(&BB))
          BlockEntries[&BB] = Node;
        if (First)
          B.Entry = Node;
        First = false;
        if (isa<ReturnInst>(I))
          B.Returns.push_back(Node);
      }
      ++Block;
    }
  }

  /// The node of a value (created the first time the function names it):
  /// a variable for an argument or an instruction, a constant for a
  /// constant (global values included), None for anything else.
  unsigned valueNode(const Value &V, unsigned FunctionIndex, unsigned Block) {
    auto [It, Inserted] = Values.try_emplace(&V, ProgramGraph::None);
    if (!Inserted)
      return It->second;
    if (const auto *I = dyn_cast<Instruction>(&V))
      It->second = addNode(ProgramNodeType::Variable, FunctionIndex,
                           G.Nodes[Instructions.lookup(I)].Block,
                           typeText(V.getType()), operandText(V));
    else if (isa<Argument>(V))
      It->second = addNode(ProgramNodeType::Variable, FunctionIndex, 0,
                           typeText(V.getType()), operandText(V));
    else if (isa<Constant>(V))
      It->second = addNode(ProgramNodeType::Constant, FunctionIndex, Block,
                           typeText(V.getType()), operandText(V));
    return It->second;
  }

  void addRelations(const Function &F, unsigned FunctionIndex, unsigned Root) {
    Slots.incorporateFunction(F);
    // Values are numbered per function: a constant that two functions use
    // has a node in each.
    Values.clear();
    unsigned Block = 0;
    for (const BasicBlock &BB : F) {
      unsigned Previous = ProgramGraph::None;
      for (const Instruction &I : BB) {
        if (!isCounted(I))
          continue;
        unsigned Node = Instructions.lookup(&I);
        if (Previous != ProgramGraph::None)
          addEdge(Previous, Node, ProgramEdgeFlow::Control, 0);
        Previous = Node;

        const Function *Callee = directCallee(I);
        auto AddOperand = [&](const Value &V, unsigned Position) {
          unsigned Operand = valueNode(V, FunctionIndex, Block);
          if (Operand != ProgramGraph::None)
            addEdge(Operand, Node, ProgramEdgeFlow::Data, Position);
        };
        if (const auto *Switch = dyn_cast<SwitchInst>(&I)) {
          // Case values stopped being operands in LLVM 22: the positions
          // are the condition's (0) and each case's (1, 2, ...) in both.
          AddOperand(*Switch->getCondition(), 0);
          for (auto [Index, Case] : enumerate(Switch->cases()))
            AddOperand(*Case.getCaseValue(), Index + 1);
        } else {
          for (const Use &U : I.operands())
            if (hasNode(U, Callee))
              AddOperand(*U.get(), U.getOperandNo());
        }
        if (!I.use_empty())
          addEdge(Node, valueNode(I, FunctionIndex, Block),
                  ProgramEdgeFlow::Data, 0);

        if (I.isTerminator())
          for (unsigned S = 0, E = I.getNumSuccessors(); S != E; ++S)
            addEdge(Node, BlockEntries.lookup(I.getSuccessor(S)),
                    ProgramEdgeFlow::Control, S);

        if (Callee && Callee->isDeclaration()) {
          addEdge(Node, Root, ProgramEdgeFlow::Call, 0);
          addEdge(Root, Node, ProgramEdgeFlow::Call, 0);
        } else if (Callee) {
          const Body &B = Bodies[Callee];
          addEdge(Node, B.Entry, ProgramEdgeFlow::Call, 0);
          for (unsigned Return : B.Returns)
            addEdge(Return, Node, ProgramEdgeFlow::Call, 0);
        }
        if (isa<ReturnInst>(I))
          addEdge(Node, Root, ProgramEdgeFlow::Call, 0);
      }
      ++Block;
    }
  }

  const Module &M;
  ModuleSlotTracker Slots;
  ProgramGraph G;
  // Looked up, never iterated: pointer order cannot reach the graph.
  DenseMap<const Function *, Body> Bodies;
  DenseMap<const Instruction *, unsigned> Instructions;
  DenseMap<const BasicBlock *, unsigned> BlockEntries;
  DenseMap<const Value *, unsigned> Values;
  DenseMap<std::pair<unsigned, unsigned>, unsigned> Parallel;
  DenseMap<Type *, std::string> TypeTexts;
};

void attributeOrNull(json::OStream &J, StringRef Key, unsigned Index) {
  if (Index == ProgramGraph::None)
    J.attribute(Key, nullptr);
  else
    J.attribute(Key, int64_t(Index));
}

} // namespace

size_t ProgramGraph::countNodes(ProgramNodeType Type) const {
  return count_if(Nodes, [Type](const Node &N) { return N.Type == Type; });
}

size_t ProgramGraph::countEdges(ProgramEdgeFlow Flow) const {
  return count_if(Edges, [Flow](const Edge &E) { return E.Flow == Flow; });
}

ProgramGraph buildProgramGraph(const Module &M) {
  return GraphBuilder(M).build();
}

void writeNodeLinkJSON(const ProgramGraph &G, raw_ostream &OS) {
  // Streamed: a json::Value tree of a 70,000-instruction module's graph
  // takes a gigabyte, its text 4% of that.
  json::OStream J(OS);
  J.object([&] {
    J.attribute("directed", true);
    J.attribute("multigraph", true);
    J.attributeObject("graph", [&] {
      J.attributeArray("functions", [&] {
        for (const std::string &Name : G.Functions)
          J.value(Name);
      });
    });
    J.attributeArray("nodes", [&] {
      for (auto [Id, N] : enumerate(G.Nodes))
        J.object([&] {
          J.attribute("id", int64_t(Id));
          J.attribute("type", int64_t(N.Type));
          J.attribute("text", N.Text);
          J.attribute("full_text", N.FullText);
          attributeOrNull(J, "function", N.Function);
          attributeOrNull(J, "block", N.Block);
        });
    });
    J.attributeArray("links", [&] {
      for (const ProgramGraph::Edge &E : G.Edges)
        J.object([&] {
          J.attribute("source", int64_t(E.Source));
          J.attribute("target", int64_t(E.Target));
          J.attribute("key", int64_t(E.Key));
          J.attribute("flow", int64_t(E.Flow));
          J.attribute("position", int64_t(E.Position));
        });
    });
  });
}

} // namespace optgym
