//===- Protocol.h - Messages between the plugin and an agent ----*- C++ -*-===//
//
// The agent protocol of docs/protocol.md: length-prefixed JSON frames, the
// hello handshake, module / query / answer / module-end messages. Both ends
// live here so that the plugin (SocketOracle) and the C++ agent
// (tools/optgym-agent) cannot drift apart. Every parser checks sizes and
// types before use and ignores members it does not know.
//
//===----------------------------------------------------------------------===//

#ifndef OPTGYM_ORACLE_PROTOCOL_H
#define OPTGYM_ORACLE_PROTOCOL_H

#include "oracle/Oracle.h"

#include "llvm/Support/Error.h"
#include "llvm/Support/JSON.h"

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace optgym {
namespace protocol {

constexpr unsigned Version = 1;
constexpr size_t FrameHeaderBytes = 4;
constexpr size_t MaxFrameBytes = size_t(1) << 20;

/// Appends one frame (length header, then Payload) to Out.
void appendFrame(std::string &Out, llvm::StringRef Payload);

/// Frame holds a header's worth of bytes, then a payload: writes the header.
void writeFrameHeader(std::string &Frame);

/// The payload length announced by a frame header; an error above
/// MaxFrameBytes.
llvm::Expected<uint32_t> decodeFrameHeader(const unsigned char *Header);

/// A parsed message: a JSON object with a string "type".
struct Message {
  llvm::json::Object Body;
  std::string Type;
};

/// Parses a frame's payload. Errors say what is wrong and where.
llvm::Expected<Message> parseMessage(llvm::StringRef Payload);

//===-- Plugin to agent ---------------------------------------------------===//

struct ClientInfo {
  std::string LLVMVersion;
  std::string OracleSpec;
  int64_t Pid = 0;
  /// The shared secret (OPTGYM_AGENT_TOKEN); empty: not sent.
  std::string Token;
};

/// The client hello: versions and every decision kind with its features and
/// choices.
std::string encodeClientHello(const ClientInfo &Info);
/// The hello of a process forked on the agent's request: its pid and the
/// agent's token, nothing the agent already knows.
std::string encodeForkHello(int64_t Pid, llvm::StringRef Token);
std::string encodeModuleBegin(llvm::StringRef ModuleId);
/// Appends the JSON of a query (no frame header) to Out.
void encodeQuery(std::string &Out, uint64_t Id, const Query &Q);

struct ModuleCounts {
  uint64_t Queries = 0;
  uint64_t Departures = 0;
};
std::string encodeModuleEnd(llvm::StringRef ModuleId, const ModuleStats &IR,
                            const ModuleCounts &Counts);

/// Observations computed for a query (QueryServices.h): each requested name
/// has a value or an error.
struct Observations {
  llvm::json::Object Values;
  llvm::json::Object Errors;
};

/// Appends the observations to an encoded query (what encodeQuery() wrote).
void appendObservations(std::string &Query, const Observations &O);

/// The reply to an observe request about query Id.
std::string encodeObservation(uint64_t Id, const Observations &O);

/// The reply to a fork request about query Id: the child's pid, or why
/// there is none.
std::string encodeForked(uint64_t Id, int64_t ChildPid,
                         llvm::StringRef Error = "");

//===-- Agent to plugin ---------------------------------------------------===//

/// Token, when not empty, is the shared secret the client sent.
std::string encodeAgentHello(llvm::StringRef AgentName,
                             llvm::StringRef Token = "");

/// Whether a hello carries the shared secret Token (always, when Token is
/// empty), compared in constant time. Who says whose hello it is, for the
/// error.
llvm::Error checkHelloToken(const Message &Hello, llvm::StringRef Token,
                            llvm::StringRef Who);
std::string encodeAnswer(uint64_t Id, unsigned Choice);

//===-- Checking the agent's messages (plugin side) -----------------------===//

/// Accepts an agent hello whose protocol version this plugin speaks.
llvm::Error checkAgentHello(const Message &M);

/// The optional "observe" member of an agent message: the observation names
/// it asks for (none when absent).
llvm::Expected<std::vector<std::string>>
parseObserveList(const Message &M, llvm::StringRef Context);

/// A request to fork the plugin's process while query Id is pending: the
/// child connects to Endpoint and says Token in its hello.
struct ForkRequest {
  std::string Endpoint;
  std::string Token;
};
llvm::Expected<ForkRequest> parseForkRequest(const Message &M, uint64_t Id);

/// The choice of an answer to query Id of kind Kind: an index or a name.
llvm::Expected<unsigned> parseAnswer(const Message &M, uint64_t Id,
                                     DecisionKind Kind);

/// The fast path for replies to an interactive query (QueryServices.h):
/// when Payload is a well-formed answer to query Id in the common shape (no
/// escapes in strings, "observe" absent or an array of names), its choice,
/// with Observe set to the names it asks for. std::nullopt for anything
/// else (requests, errors, unusual shapes), which parseMessage(),
/// parseAnswer() and parseObserveList() then handle: both paths accept
/// exactly the same answers.
std::optional<unsigned>
scanInteractiveAnswer(llvm::StringRef Payload, uint64_t Id, DecisionKind Kind,
                      std::vector<std::string> &Observe);

/// Reads a reply to query Id from its payload: the choice when it is the
/// answer, std::nullopt for a message of another type (to be skipped), an
/// error when it is malformed or a bad answer. Fast for the common shape.
llvm::Expected<std::optional<unsigned>>
readAnswer(llvm::StringRef Payload, uint64_t Id, DecisionKind Kind);

//===-- Checking the plugin's messages (agent side) -----------------------===//

/// What an agent learns from a client hello: how the client's kinds and
/// feature positions map to this build's.
class ClientHello {
public:
  static llvm::Expected<ClientHello> parse(const Message &M);

  unsigned protocol() const { return Protocol; }
  llvm::StringRef llvmVersion() const { return LLVMVersion; }
  int64_t pid() const { return Pid; }

  /// Builds the Query of a query message. Id receives its id. Kinds and
  /// features this build does not know are errors and ignored, respectively.
  llvm::Expected<Query> parseQuery(const Message &M, uint64_t &Id) const;

  /// Reads a message from its payload: the query when it is one,
  /// std::nullopt for a message of another type, an error when it is
  /// malformed or a bad query. Fast for the common shape.
  llvm::Expected<std::optional<Query>> readQuery(llvm::StringRef Payload,
                                                 uint64_t &Id) const;

private:
  struct KindMapping {
    std::string Name;
    std::optional<DecisionKind> Local;
    /// For each feature position of the client, its index in the local
    /// kind's vector (nullopt if unknown here) and its declared type.
    std::vector<std::optional<unsigned>> LocalFeature;
    std::vector<FeatureType> Types;
    size_t NumChoices = 0;
  };
  const KindMapping *findKind(llvm::StringRef Name) const;

  unsigned Protocol = 0;
  std::string LLVMVersion;
  int64_t Pid = 0;
  std::vector<KindMapping> Kinds;
};

} // namespace protocol
} // namespace optgym

#endif // OPTGYM_ORACLE_PROTOCOL_H
