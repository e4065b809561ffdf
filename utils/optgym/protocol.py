"""Framing and validation of the OptGym agent protocol, version 1.

docs/protocol.md is the contract this module implements. A frame is a 4-byte
big-endian length ``N`` followed by ``N`` bytes of UTF-8 JSON holding one
object with a string ``"type"``. This module turns bytes into checked Python
values and back; it knows nothing about sockets beyond reading from them, and
nothing about threads.

Every check raises :class:`ProtocolError` with a message that names the
message and the field, e.g. ``query 17: features[3] must be an int, not "x"``,
because the message is what a person debugging a plugin or an agent reads.
Members a receiver does not know are ignored, as the protocol requires, so
these validators only look at the members they use.
"""

from __future__ import annotations

import json
import struct
from dataclasses import dataclass, field
from typing import Any, Dict, List, Mapping, NamedTuple, Optional, Tuple, Union

__all__ = [
    "PROTOCOL_VERSION",
    "MAX_FRAME_BYTES",
    "FEATURE_TYPES",
    "ProtocolError",
    "FeatureSpec",
    "KindSpec",
    "ClientHello",
    "QueryMessage",
    "ModuleEnd",
    "encode_frame",
    "decode_payload",
    "read_frame",
    "FrameReader",
    "validate_client_hello",
    "validate_module",
    "validate_query",
    "validate_module_end",
    "agent_hello",
    "encode_answer",
]

#: The protocol version this library speaks.
PROTOCOL_VERSION = 1

#: The largest payload a frame may carry (1 MiB), in bytes.
MAX_FRAME_BYTES = 1 << 20

#: The feature types a hello may declare.
FEATURE_TYPES = ("int", "string")

_LENGTH = struct.Struct(">I")

# A readable stream of frames: a socket.socket, or a binary file such as
# socket.makefile("rb"). Buffered files cut the number of system calls to
# about one per batch of frames rather than two per frame.
Stream = Any


class ProtocolError(Exception):
    """A peer broke the framing or message rules of docs/protocol.md.

    The connection that produced it cannot be trusted any further; the
    receiver drops that connection (not the process).
    """


# ---------------------------------------------------------------------------
# Framing
# ---------------------------------------------------------------------------


def encode_frame(message: Mapping[str, Any]) -> bytes:
    """Returns ``message`` as one frame: length prefix, then compact JSON.

    Raises ProtocolError when the message is not an object with a string
    ``"type"``, is not representable in JSON (NaN, infinities and non-JSON
    values are refused rather than sent as something the peer must reject),
    or exceeds MAX_FRAME_BYTES.
    """
    if not isinstance(message, Mapping):
        raise ProtocolError("a message must be a JSON object, not %s" % _json_kind(message))
    if not isinstance(message.get("type"), str):
        raise ProtocolError('a message needs a string "type"')
    try:
        text = json.dumps(message, ensure_ascii=False, separators=(",", ":"), allow_nan=False)
    except (TypeError, ValueError) as error:
        raise ProtocolError(
            "%s message is not representable in JSON: %s" % (message["type"], error)
        ) from None
    payload = text.encode("utf-8")
    if len(payload) > MAX_FRAME_BYTES:
        raise ProtocolError(
            "%s message of %d bytes exceeds the frame limit of %d bytes"
            % (message["type"], len(payload), MAX_FRAME_BYTES)
        )
    return _LENGTH.pack(len(payload)) + payload


def _reject_constant(name: str) -> Any:
    # Python's json module accepts NaN and Infinity by default; they are not
    # JSON, and a C++ peer would reject them, so an agent must not rely on
    # them either.
    raise ValueError("%s is not JSON" % name)


# One decoder for every frame: json.loads with arguments builds a new one per
# call, which costs as much as decoding a query.
_DECODER = json.JSONDecoder(parse_constant=_reject_constant)
# Its C scanner, called directly for the common case: a payload that is
# exactly one JSON object (JSONDecoder.decode adds two regular-expression
# matches and two Python calls, a microsecond per message).
_SCAN = _DECODER.scan_once


def decode_payload(payload: bytes) -> Dict[str, Any]:
    """Decodes a frame's payload into a message object.

    Raises ProtocolError for invalid UTF-8 or JSON (with the position), for
    JSON that is not an object, and for a missing or non-string ``"type"``.
    """
    try:
        text = payload.decode("utf-8")
        message, end = _SCAN(text, 0)
        if end == len(text) and type(message) is dict and type(message.get("type")) is str:
            return message
    except (ValueError, StopIteration, RecursionError):
        pass
    # Anything unusual (white space around the object, errors) takes the
    # path that explains.
    try:
        text = payload.decode("utf-8")
    except UnicodeDecodeError as error:
        raise ProtocolError(
            "frame is not valid UTF-8: %s at byte %d" % (error.reason, error.start)
        ) from None
    try:
        message = _DECODER.decode(text)
    except json.JSONDecodeError as error:
        raise ProtocolError("frame is not valid JSON: %s" % error) from None
    except ValueError as error:
        raise ProtocolError("frame is not valid JSON: %s" % error) from None
    except RecursionError:
        # A payload of a million '[' is valid framing; it must cost the peer
        # its connection, not the agent its thread.
        raise ProtocolError("frame is not valid JSON: nested too deeply") from None
    if not isinstance(message, dict):
        raise ProtocolError("frame holds %s, not a JSON object" % _json_kind(message))
    if "type" not in message:
        raise ProtocolError('message has no "type"')
    if not isinstance(message["type"], str):
        raise ProtocolError('message "type" must be a string, not %s' % _show(message["type"]))
    return message


def _read_exactly(stream: Stream, size: int) -> bytes:
    """Reads up to ``size`` bytes; fewer only when the stream ended."""
    receive = getattr(stream, "recv", None)
    if receive is None:
        # A buffered binary file (what the server reads, from
        # socket.makefile) reads until it has size bytes or the stream ends,
        # in one call; an unbuffered one may need more.
        data = stream.read(size)
        while 0 < len(data) < size:
            more = stream.read(size - len(data))
            if not more:
                break
            data += more
        return data
    chunks: List[bytes] = []
    remaining = size
    while remaining > 0:
        chunk = receive(min(remaining, 1 << 16))
        if not chunk:
            break
        chunks.append(chunk)
        remaining -= len(chunk)
    return b"".join(chunks)


def read_frame(stream: Stream) -> Optional[Dict[str, Any]]:
    """Reads exactly one frame from a socket or binary file.

    Returns the decoded message, or None when the stream ended cleanly before
    the first byte of a frame (the peer closed the connection). Raises
    ProtocolError for a stream that ends inside a frame, for a length above
    MAX_FRAME_BYTES (before reading any of the payload), and for everything
    decode_payload rejects. Errors of the stream itself (OSError) propagate.
    """
    prefix = _read_exactly(stream, _LENGTH.size)
    if not prefix:
        return None
    if len(prefix) < _LENGTH.size:
        raise ProtocolError(
            "stream ended inside a frame's length (after %d of %d bytes)"
            % (len(prefix), _LENGTH.size)
        )
    (size,) = _LENGTH.unpack(prefix)
    if size > MAX_FRAME_BYTES:
        raise ProtocolError(
            "frame of %d bytes exceeds the limit of %d bytes" % (size, MAX_FRAME_BYTES)
        )
    payload = _read_exactly(stream, size)
    if len(payload) < size:
        raise ProtocolError(
            "stream ended inside a frame (after %d of %d bytes)" % (len(payload), size)
        )
    return decode_payload(payload)


class FrameReader:
    """Reads frames from a connected stream socket, with one ``recv`` per
    message when the message arrives whole (a buffered file needs a second
    call, or a ``poll`` first when the socket has a Python timeout).

    The socket should be blocking; a receive timeout set with ``SO_RCVTIMEO``
    surfaces as :class:`BlockingIOError` (a Python timeout as
    :class:`socket.timeout`), and the frame being read stays buffered, so
    reading can resume.
    """

    __slots__ = ("_sock", "_pending")

    #: Bytes asked of one ``recv``: most messages are far smaller.
    CHUNK = 1 << 16

    def __init__(self, sock: Any) -> None:
        self._sock = sock
        self._pending = b""

    def read_payload(self) -> Optional[bytes]:
        """The next frame's payload; None when the stream ended cleanly
        before one. ProtocolError as :func:`read_frame`."""
        data = self._pending
        if not data:
            data = self._sock.recv(self.CHUNK)
            if not data:
                return None
        if len(data) >= 4:
            size = _LENGTH.unpack_from(data)[0]
            end = size + 4
            if len(data) >= end and size <= MAX_FRAME_BYTES:
                self._pending = data[end:]
                return data[4:end]
        return self._assemble(data)

    def _assemble(self, data: bytes) -> bytes:
        """Receives until ``data`` holds a whole frame."""
        buffer = bytearray(data)
        self._pending = b""
        try:
            while True:
                if len(buffer) >= 4:
                    size = _LENGTH.unpack_from(buffer)[0]
                    if size > MAX_FRAME_BYTES:
                        raise ProtocolError(
                            "frame of %d bytes exceeds the limit of %d bytes"
                            % (size, MAX_FRAME_BYTES)
                        )
                    end = size + 4
                    if len(buffer) >= end:
                        self._pending = bytes(buffer[end:])
                        return bytes(buffer[4:end])
                chunk = self._sock.recv(self.CHUNK)
                if not chunk:
                    if len(buffer) < 4:
                        raise ProtocolError(
                            "stream ended inside a frame's length (after %d of %d bytes)"
                            % (len(buffer), _LENGTH.size)
                        )
                    raise ProtocolError(
                        "stream ended inside a frame (after %d of %d bytes)"
                        % (len(buffer) - 4, _LENGTH.unpack_from(buffer)[0])
                    )
                buffer += chunk
        except BaseException:
            # A timeout (or a signal) leaves what arrived for the next call.
            if not self._pending:
                self._pending = bytes(buffer)
            raise

    def read(self) -> Optional[Dict[str, Any]]:
        """The next message, decoded (None at the end of the stream)."""
        payload = self.read_payload()
        return None if payload is None else decode_payload(payload)


# ---------------------------------------------------------------------------
# Messages
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class FeatureSpec:
    """One feature of a decision kind: its name and type ("int" or "string")."""

    name: str
    type: str


@dataclass(frozen=True)
class KindSpec:
    """A decision kind as the client hello declares it."""

    name: str
    features: Tuple[FeatureSpec, ...]
    choices: Tuple[str, ...]
    default: int
    # Derived, for the per-query fast path.
    feature_names: Tuple[str, ...] = field(init=False, repr=False, compare=False)
    # A list, to compare with list(map(type, values)) in one step.
    feature_types: List[type] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "feature_names", tuple(f.name for f in self.features))
        object.__setattr__(
            self,
            "feature_types",
            [int if f.type == "int" else str for f in self.features],
        )


@dataclass(frozen=True)
class ClientHello:
    """The checked members of the plugin's hello that an agent uses."""

    protocol: int
    kinds: Mapping[str, KindSpec]
    pid: Optional[int] = None
    client: Optional[str] = None
    llvm: Optional[str] = None
    oracle: Optional[str] = None


class QueryMessage(NamedTuple):
    """A checked query: ``features`` matches its kind's declaration."""

    id: int
    kind: KindSpec
    key: str
    default: int
    features: Tuple[Union[int, str], ...]


@dataclass(frozen=True)
class ModuleEnd:
    """A checked module-end: the module and its statistics (possibly empty)."""

    module: str
    stats: Dict[str, Any]


def _json_kind(value: Any) -> str:
    """Names a decoded JSON value's kind for error messages."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, (int, float)):
        return "a number"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, list):
        return "an array"
    if isinstance(value, dict):
        return "an object"
    return type(value).__name__


def _show(value: Any, limit: int = 40) -> str:
    """Renders a value as JSON for an error message, shortened if long."""
    if isinstance(value, str) and len(value) > limit:
        # Shortened inside the quotes, so that it still reads as a string.
        value = value[: limit - 5] + "..."
    try:
        text = json.dumps(value, ensure_ascii=False)
    except (TypeError, ValueError):
        text = repr(value)
    if len(text) > limit:
        text = text[: limit - 3] + "..."
    return text


def _is_int(value: Any) -> bool:
    # JSON true/false decode to bool, a subclass of int in Python; the
    # protocol's integers are never booleans.
    return isinstance(value, int) and not isinstance(value, bool)


class _Fields:
    """Reads members of one message, naming the message in every error."""

    def __init__(self, message: Mapping[str, Any], context: str) -> None:
        self.message = message
        self.context = context

    def error(self, text: str) -> ProtocolError:
        return ProtocolError("%s: %s" % (self.context, text))

    def required(self, name: str) -> Any:
        if name not in self.message:
            raise self.error('missing "%s"' % name)
        return self.message[name]

    def integer(self, name: str) -> int:
        value = self.required(name)
        if not _is_int(value):
            raise self.error("%s must be an int, not %s" % (name, _show(value)))
        return value

    def string(self, name: str) -> str:
        value = self.required(name)
        if not isinstance(value, str):
            raise self.error("%s must be a string, not %s" % (name, _show(value)))
        return value

    def optional_int(self, name: str) -> Optional[int]:
        return self.integer(name) if name in self.message else None

    def optional_str(self, name: str) -> Optional[str]:
        return self.string(name) if name in self.message else None


def _require_index(fields: _Fields, name: str, index: int, choices: Tuple[str, ...]) -> None:
    if not 0 <= index < len(choices):
        raise fields.error("%s %d is not an index of the %d choices" % (name, index, len(choices)))


def _validate_kind(entry: Any, where: str) -> KindSpec:
    if not isinstance(entry, dict):
        raise ProtocolError("hello: %s must be an object, not %s" % (where, _show(entry)))
    fields = _Fields(entry, "hello: " + where)
    name = fields.string("name")
    if not name:
        raise fields.error("name must not be empty")
    # From here on the kind's name is the clearer reference.
    fields.context = "hello: kind %s" % _show(name)

    raw_features = fields.required("features")
    if not isinstance(raw_features, list):
        raise fields.error("features must be an array, not %s" % _show(raw_features))
    features: List[FeatureSpec] = []
    for index, feature in enumerate(raw_features):
        if not isinstance(feature, dict):
            raise fields.error("features[%d] must be an object, not %s" % (index, _show(feature)))
        feature_name = feature.get("name")
        if not isinstance(feature_name, str):
            raise fields.error(
                "features[%d].name must be a string, not %s" % (index, _show(feature_name))
            )
        feature_type = feature.get("type")
        if feature_type not in FEATURE_TYPES:
            raise fields.error(
                'features[%d].type must be "int" or "string", not %s' % (index, _show(feature_type))
            )
        if any(existing.name == feature_name for existing in features):
            raise fields.error(
                "features[%d]: feature %s is declared twice" % (index, _show(feature_name))
            )
        features.append(FeatureSpec(feature_name, feature_type))

    raw_choices = fields.required("choices")
    if not isinstance(raw_choices, list) or not raw_choices:
        raise fields.error("choices must be a non-empty array, not %s" % _show(raw_choices))
    for index, choice in enumerate(raw_choices):
        if not isinstance(choice, str):
            raise fields.error("choices[%d] must be a string, not %s" % (index, _show(choice)))
        # An answer may name its choice, so names must be unambiguous.
        if choice in raw_choices[:index]:
            raise fields.error("choices[%d]: choice %s is listed twice" % (index, _show(choice)))
    choices = tuple(raw_choices)

    default = fields.integer("default")
    _require_index(fields, "default", default, choices)
    return KindSpec(name, tuple(features), choices, default)


def validate_client_hello(message: Mapping[str, Any]) -> ClientHello:
    """Checks the plugin's hello and returns its kinds by name."""
    fields = _Fields(message, "hello")
    if message.get("type") != "hello":
        raise fields.error("expected a hello, got %s" % _show(message.get("type")))
    protocol = fields.integer("protocol")
    if protocol < 1:
        raise fields.error("protocol must be at least 1, not %d" % protocol)
    raw_kinds = fields.required("kinds")
    if not isinstance(raw_kinds, list):
        raise fields.error("kinds must be an array, not %s" % _show(raw_kinds))
    kinds: Dict[str, KindSpec] = {}
    for index, entry in enumerate(raw_kinds):
        kind = _validate_kind(entry, "kinds[%d]" % index)
        if kind.name in kinds:
            raise fields.error("kinds[%d]: kind %s is declared twice" % (index, _show(kind.name)))
        kinds[kind.name] = kind
    return ClientHello(
        protocol=protocol,
        kinds=kinds,
        pid=fields.optional_int("pid"),
        client=fields.optional_str("client"),
        llvm=fields.optional_str("llvm"),
        oracle=fields.optional_str("oracle"),
    )


def validate_module(message: Mapping[str, Any]) -> str:
    """Checks a module message and returns the module identifier."""
    return _Fields(message, "module").string("module")


def validate_query(message: Mapping[str, Any], kinds: Mapping[str, KindSpec]) -> QueryMessage:
    """Checks a query against the kinds of its connection's hello."""
    # The common case in a few type tests (this runs for every decision);
    # anything unusual goes through the checks below, which explain.
    try:
        kind = kinds[message["kind"]]
        query_id = message["id"]
        key = message["key"]
        default = message["default"]
        features = message["features"]
        if (
            type(query_id) is int
            and type(key) is str
            and type(default) is int
            and 0 <= default < len(kind.choices)
            and type(features) is list
            and list(map(type, features)) == kind.feature_types
        ):
            return QueryMessage(query_id, kind, key, default, tuple(features))
    except (KeyError, TypeError):
        pass
    fields = _Fields(message, "query")
    query_id = fields.integer("id")
    fields.context = "query %d" % query_id
    kind_name = fields.string("kind")
    kind = kinds.get(kind_name)
    if kind is None:
        raise fields.error(
            "kind %s is not one the hello declared (%s)"
            % (_show(kind_name), ", ".join(kinds) or "none")
        )
    key = fields.string("key")
    default = fields.integer("default")
    _require_index(fields, "default", default, kind.choices)
    features = fields.required("features")
    if not isinstance(features, list):
        raise fields.error("features must be an array, not %s" % _show(features))
    if len(features) != len(kind.features):
        raise fields.error(
            "features has %d values; kind %s declares %d"
            % (len(features), kind.name, len(kind.features))
        )
    for index, (value, spec) in enumerate(zip(features, kind.features)):
        if spec.type == "int" and not _is_int(value):
            raise fields.error("features[%d] must be an int, not %s" % (index, _show(value)))
        if spec.type == "string" and not isinstance(value, str):
            raise fields.error("features[%d] must be a string, not %s" % (index, _show(value)))
    return QueryMessage(query_id, kind, key, default, tuple(features))


def validate_module_end(message: Mapping[str, Any]) -> ModuleEnd:
    """Checks a module-end message; a missing ``stats`` reads as empty."""
    fields = _Fields(message, "module-end")
    module = fields.string("module")
    stats = message.get("stats", {})
    if not isinstance(stats, dict):
        raise fields.error("stats must be an object, not %s" % _show(stats))
    return ModuleEnd(module, dict(stats))


def agent_hello(agent: str) -> Dict[str, Any]:
    """The agent's reply to a hello."""
    return {"type": "hello", "protocol": PROTOCOL_VERSION, "agent": agent}


def encode_answer(query_id: int, choice: int) -> bytes:
    """The frame of an answer (this library always answers with an index),
    written directly: it is sent for every decision."""
    payload = b'{"type":"answer","id":%d,"choice":%d}' % (query_id, choice)
    return _LENGTH.pack(len(payload)) + payload
