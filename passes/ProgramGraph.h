//===- ProgramGraph.h - The ProGraML graph of a module ----------*- C++ -*-===//
//
// The program graph of a module in ProGraML's schema (instruction, variable
// and constant nodes; control, data and call edges with positions), built
// from the module in process: the gym's Programl and ProgramlJson
// observations. ProGraML's own builder reads LLVM 10's IR only; this one
// follows its published schema, with the rules docs/gym.md#program-graphs
// spells out:
//
//   node 0           the root, "[external]": code outside the module
//   instructions     every instruction Module::getInstructionCount() counts
//                    (no debug intrinsics, no pseudo probes), function by
//                    function, in program order
//   variables        one per used SSA value (argument or instruction
//                    result) and constants, one per distinct constant
//                    operand of a function, both in the order the
//                    function's instructions first name them
//   control edges    to the next instruction of a block; from a terminator
//                    to each successor's first instruction (position: the
//                    successor's index)
//   data edges       operand -> user (position: the operand's index);
//                    instruction -> its result's variable
//   call edges       root -> every function's entry, every return -> root;
//                    call -> callee's entry, callee's returns -> call; a
//                    call of a declaration: call -> root -> call
//
// Nothing depends on pointer values: the same module gives the same graph.
// The driver serializes it as networkx's node-link JSON:
//   ProgramlJson       the graph as the observation's value
//   ProgramlJson=PATH  the same written to PATH
//
//===----------------------------------------------------------------------===//

#ifndef OPTGYM_PASSES_PROGRAMGRAPH_H
#define OPTGYM_PASSES_PROGRAMGRAPH_H

#include <cstdint>
#include <string>
#include <vector>

namespace llvm {
class Module;
class raw_ostream;
} // namespace llvm

namespace optgym {

/// ProGraML's node types.
enum class ProgramNodeType : uint8_t {
  Instruction = 0,
  Variable = 1,
  Constant = 2
};

/// ProGraML's edge flows.
enum class ProgramEdgeFlow : uint8_t { Control = 0, Data = 1, Call = 2 };

struct ProgramGraph {
  /// The function and block of the root.
  static constexpr unsigned None = ~0u;

  struct Node {
    ProgramNodeType Type;
    /// Index into Functions, and of the block in its function (None for
    /// the root).
    unsigned Function;
    unsigned Block;
    /// The opcode name of an instruction, the type of a value.
    std::string Text;
    /// The instruction as printed; a value as printed as an operand with
    /// its type ("i32 %3", "ptr @table").
    std::string FullText;
  };

  struct Edge {
    unsigned Source, Target;
    ProgramEdgeFlow Flow;
    unsigned Position;
    /// Which of the edges from Source to Target this is (0, 1, ...): the
    /// key of networkx's MultiDiGraph.
    unsigned Key;
  };

  /// The names of the functions with a body, in module order.
  std::vector<std::string> Functions;
  std::vector<Node> Nodes;
  std::vector<Edge> Edges;

  size_t countNodes(ProgramNodeType Type) const;
  size_t countEdges(ProgramEdgeFlow Flow) const;
};

ProgramGraph buildProgramGraph(const llvm::Module &M);

/// Writes networkx's node-link form: {"directed": true, "multigraph": true,
/// "graph": {"functions": [...]}, "nodes": [{"id", "type", "text",
/// "full_text", "function", "block"}], "links": [{"source", "target", "key",
/// "flow", "position"}]}; the root's function and block are null.
void writeNodeLinkJSON(const ProgramGraph &G, llvm::raw_ostream &OS);

} // namespace optgym

#endif // OPTGYM_PASSES_PROGRAMGRAPH_H
