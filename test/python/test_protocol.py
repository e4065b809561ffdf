"""Tests of optgym.protocol: framing and message validation."""

from __future__ import annotations

import copy
import io
import socket
import struct
import unittest

from optgym.protocol import (
    MAX_FRAME_BYTES,
    PROTOCOL_VERSION,
    ProtocolError,
    decode_payload,
    encode_frame,
    read_frame,
    validate_client_hello,
    validate_module,
    validate_module_end,
    validate_query,
)

from fake_plugin import KINDS


def raw_frame(payload: bytes) -> bytes:
    return struct.pack(">I", len(payload)) + payload


def hello(**overrides):
    message = {
        "type": "hello",
        "protocol": 1,
        "client": "optgym 0.1.0",
        "pid": 42,
        "kinds": copy.deepcopy(KINDS),
    }
    message.update(overrides)
    return message


class CountingStream(io.RawIOBase):
    """A stream that records how many bytes were read from it."""

    def __init__(self, data: bytes) -> None:
        self.data = data
        self.consumed = 0

    def readable(self) -> bool:
        return True

    def read(self, size: int = -1) -> bytes:
        if size < 0:
            size = len(self.data) - self.consumed
        chunk = self.data[self.consumed : self.consumed + size]
        self.consumed += len(chunk)
        return chunk


class FramingTest(unittest.TestCase):
    def assert_frame_error(self, data: bytes, text: str) -> None:
        with self.assertRaises(ProtocolError) as caught:
            read_frame(io.BytesIO(data))
        self.assertIn(text, str(caught.exception))

    def test_constants(self) -> None:
        self.assertEqual(PROTOCOL_VERSION, 1)
        self.assertEqual(MAX_FRAME_BYTES, 1048576)

    def test_round_trip_and_end_of_stream(self) -> None:
        first = {"type": "query", "id": 1, "key": "a.c:f:loop#0", "features": [1, "x"]}
        second = {"type": "module", "module": "sr\u00e7/l\u00e9xer.c"}
        stream = io.BytesIO(encode_frame(first) + encode_frame(second))
        self.assertEqual(read_frame(stream), first)
        self.assertEqual(read_frame(stream), second)
        self.assertIsNone(read_frame(stream))

    def test_encoding_is_a_big_endian_length_then_compact_utf8_json(self) -> None:
        data = encode_frame({"type": "answer", "id": 17, "choice": "count:4", "note": "\u00e9"})
        payload = '{"type":"answer","id":17,"choice":"count:4","note":"\u00e9"}'.encode("utf-8")
        self.assertEqual(data, struct.pack(">I", len(payload)) + payload)

    def test_reads_from_a_socket(self) -> None:
        left, right = socket.socketpair()
        try:
            left.sendall(encode_frame({"type": "hello"}))
            left.close()
            self.assertEqual(read_frame(right), {"type": "hello"})
            self.assertIsNone(read_frame(right))
        finally:
            right.close()

    def test_reads_a_frame_delivered_a_byte_at_a_time(self) -> None:
        left, right = socket.socketpair()
        try:
            for byte in encode_frame({"type": "module", "module": "a.c"}):
                left.sendall(bytes([byte]))
            left.close()
            self.assertEqual(read_frame(right), {"type": "module", "module": "a.c"})
        finally:
            right.close()

    def test_truncated_length(self) -> None:
        self.assert_frame_error(
            b"\x00\x00", "stream ended inside a frame's length (after 2 of 4 bytes)"
        )

    def test_truncated_payload(self) -> None:
        self.assert_frame_error(
            struct.pack(">I", 10) + b'{"ty', "stream ended inside a frame (after 4 of 10 bytes)"
        )

    def test_oversized_length_is_rejected_before_reading_the_payload(self) -> None:
        stream = CountingStream(struct.pack(">I", MAX_FRAME_BYTES + 1) + b"x" * 100)
        with self.assertRaises(ProtocolError) as caught:
            read_frame(stream)
        self.assertEqual(
            str(caught.exception), "frame of 1048577 bytes exceeds the limit of 1048576 bytes"
        )
        self.assertEqual(stream.consumed, 4)

    def test_a_frame_of_exactly_the_limit_is_accepted(self) -> None:
        skeleton = b'{"type":"pad","pad":""}'
        payload = skeleton[:-2] + b"a" * (MAX_FRAME_BYTES - len(skeleton)) + b'"}'
        self.assertEqual(len(payload), MAX_FRAME_BYTES)
        self.assertEqual(read_frame(io.BytesIO(raw_frame(payload)))["type"], "pad")

    def test_invalid_utf8_names_the_byte(self) -> None:
        self.assert_frame_error(
            raw_frame(b'{"type":"\xff"}'), "frame is not valid UTF-8: invalid start byte at byte 9"
        )

    def test_invalid_json_names_the_position(self) -> None:
        # Python's wording of the reason varies between versions; the
        # position does not.
        self.assert_frame_error(raw_frame(b'{"type": hello}'), "frame is not valid JSON: ")
        self.assert_frame_error(raw_frame(b'{"type": hello}'), "line 1 column 10 (char 9)")
        self.assert_frame_error(raw_frame(b""), "frame is not valid JSON: Expecting value")

    def test_non_json_constants_are_rejected(self) -> None:
        self.assert_frame_error(raw_frame(b'{"type": "query", "x": NaN}'), "NaN is not JSON")

    def test_deep_nesting_is_an_error_not_a_crash(self) -> None:
        self.assert_frame_error(raw_frame(b"[" * 200000), "nested too deeply")

    def test_non_object_json(self) -> None:
        self.assert_frame_error(raw_frame(b"[1, 2]"), "frame holds an array, not a JSON object")
        self.assert_frame_error(raw_frame(b'"hello"'), "frame holds a string, not a JSON object")

    def test_type_must_be_a_string(self) -> None:
        self.assert_frame_error(raw_frame(b'{"id": 1}'), 'message has no "type"')
        self.assert_frame_error(raw_frame(b'{"type": 3}'), 'message "type" must be a string, not 3')

    def test_unknown_members_are_kept_for_the_caller_to_ignore(self) -> None:
        self.assertEqual(
            decode_payload(b'{"type": "x", "future": [1]}'), {"type": "x", "future": [1]}
        )

    def test_encoding_refuses_what_a_peer_must_reject(self) -> None:
        with self.assertRaisesRegex(ProtocolError, "exceeds the frame limit"):
            encode_frame({"type": "pad", "pad": "a" * MAX_FRAME_BYTES})
        with self.assertRaisesRegex(ProtocolError, "not representable in JSON"):
            encode_frame({"type": "answer", "choice": float("nan")})
        with self.assertRaisesRegex(ProtocolError, 'needs a string "type"'):
            encode_frame({"choice": 1})
        with self.assertRaisesRegex(ProtocolError, "must be a JSON object"):
            encode_frame([1])  # type: ignore[arg-type]


class HelloTest(unittest.TestCase):
    def assert_hello_error(self, message, text: str) -> None:
        with self.assertRaises(ProtocolError) as caught:
            validate_client_hello(message)
        self.assertEqual(str(caught.exception), text)

    def test_valid_hello(self) -> None:
        checked = validate_client_hello(hello())
        self.assertEqual(checked.protocol, 1)
        self.assertEqual(checked.pid, 42)
        self.assertEqual(list(checked.kinds), ["pass-gate", "loop-unroll"])
        unroll = checked.kinds["loop-unroll"]
        self.assertEqual(unroll.choices, ("default", "disable", "full", "count:2", "count:4"))
        self.assertEqual(unroll.feature_names, ("depth", "trip_count"))
        self.assertEqual(unroll.default, 0)

    def test_a_newer_client_protocol_is_accepted(self) -> None:
        self.assertEqual(validate_client_hello(hello(protocol=2)).protocol, 2)

    def test_unknown_members_are_ignored(self) -> None:
        message = hello(future={"a": 1}, llvm="22.1.0")
        message["kinds"][0]["doc"] = "gates"
        message["kinds"][0]["features"][0]["doc"] = "the pass"
        self.assertEqual(validate_client_hello(message).llvm, "22.1.0")

    def test_top_level_members(self) -> None:
        message = hello()
        del message["kinds"]
        self.assert_hello_error(message, 'hello: missing "kinds"')
        self.assert_hello_error(hello(protocol="1"), 'hello: protocol must be an int, not "1"')
        self.assert_hello_error(hello(protocol=True), "hello: protocol must be an int, not true")
        self.assert_hello_error(hello(protocol=0), "hello: protocol must be at least 1, not 0")
        self.assert_hello_error(hello(pid="42"), 'hello: pid must be an int, not "42"')
        self.assert_hello_error(hello(kinds={}), "hello: kinds must be an array, not {}")

    def test_kinds(self) -> None:
        self.assert_hello_error(hello(kinds=[3]), "hello: kinds[0] must be an object, not 3")
        self.assert_hello_error(hello(kinds=[{"features": []}]), 'hello: kinds[0]: missing "name"')
        message = hello()
        message["kinds"][1]["features"][0]["type"] = "float"
        self.assert_hello_error(
            message,
            'hello: kind "loop-unroll": features[0].type must be "int" or "string", not "float"',
        )
        message = hello()
        message["kinds"][0]["features"][2]["name"] = None
        self.assert_hello_error(
            message, 'hello: kind "pass-gate": features[2].name must be a string, not null'
        )
        message = hello()
        message["kinds"][0]["features"][1]["name"] = "pass"
        self.assert_hello_error(
            message, 'hello: kind "pass-gate": features[1]: feature "pass" is declared twice'
        )
        message = hello()
        message["kinds"][1]["choices"] = []
        self.assert_hello_error(
            message, 'hello: kind "loop-unroll": choices must be a non-empty array, not []'
        )
        message = hello()
        message["kinds"][1]["choices"][2] = 2
        self.assert_hello_error(
            message, 'hello: kind "loop-unroll": choices[2] must be a string, not 2'
        )
        message = hello()
        message["kinds"][1]["choices"][2] = "disable"
        self.assert_hello_error(
            message, 'hello: kind "loop-unroll": choices[2]: choice "disable" is listed twice'
        )
        message = hello()
        message["kinds"][1]["default"] = 5
        self.assert_hello_error(
            message, 'hello: kind "loop-unroll": default 5 is not an index of the 5 choices'
        )
        message = hello()
        message["kinds"][1]["default"] = -1
        self.assert_hello_error(
            message, 'hello: kind "loop-unroll": default -1 is not an index of the 5 choices'
        )
        message = hello()
        message["kinds"].append(copy.deepcopy(message["kinds"][0]))
        self.assert_hello_error(message, 'hello: kinds[2]: kind "pass-gate" is declared twice')


class MessageTest(unittest.TestCase):
    def setUp(self) -> None:
        self.kinds = validate_client_hello(hello()).kinds

    def query(self, **overrides):
        message = {
            "type": "query",
            "id": 17,
            "kind": "pass-gate",
            "key": "a.c:f:gvn#1",
            "default": 0,
            "features": ["gvn", "function", 12, 1, 0],
        }
        message.update(overrides)
        return message

    def assert_query_error(self, message, text: str) -> None:
        with self.assertRaises(ProtocolError) as caught:
            validate_query(message, self.kinds)
        self.assertEqual(str(caught.exception), text)

    def test_valid_query(self) -> None:
        checked = validate_query(self.query(future=1), self.kinds)
        self.assertEqual(
            (checked.id, checked.kind.name, checked.key, checked.default),
            (17, "pass-gate", "a.c:f:gvn#1", 0),
        )
        self.assertEqual(checked.features, ("gvn", "function", 12, 1, 0))

    def test_query_errors_name_the_query_and_the_field(self) -> None:
        self.assert_query_error(
            self.query(features=["gvn", "function", 12, "x", 0]),
            'query 17: features[3] must be an int, not "x"',
        )
        self.assert_query_error(
            self.query(features=[1, "function", 12, 1, 0]),
            "query 17: features[0] must be a string, not 1",
        )
        self.assert_query_error(
            self.query(features=["gvn", "function", 12, True, 0]),
            "query 17: features[3] must be an int, not true",
        )
        self.assert_query_error(
            self.query(features=["gvn"]),
            "query 17: features has 1 values; kind pass-gate declares 5",
        )
        self.assert_query_error(
            self.query(features="gvn"), 'query 17: features must be an array, not "gvn"'
        )
        self.assert_query_error(
            self.query(kind="inline"),
            'query 17: kind "inline" is not one the hello declared (pass-gate, loop-unroll)',
        )
        self.assert_query_error(
            self.query(default=2), "query 17: default 2 is not an index of the 2 choices"
        )
        self.assert_query_error(self.query(key=None), "query 17: key must be a string, not null")
        self.assert_query_error(self.query(id="17"), 'query: id must be an int, not "17"')
        message = self.query()
        del message["id"]
        self.assert_query_error(message, 'query: missing "id"')

    def test_module_messages(self) -> None:
        self.assertEqual(validate_module({"type": "module", "module": "a.c", "x": 1}), "a.c")
        with self.assertRaisesRegex(ProtocolError, "^module: module must be a string, not 3$"):
            validate_module({"type": "module", "module": 3})
        end = validate_module_end(
            {"type": "module-end", "module": "a.c", "stats": {"ir_instructions": 9}}
        )
        self.assertEqual((end.module, end.stats), ("a.c", {"ir_instructions": 9}))
        self.assertEqual(validate_module_end({"type": "module-end", "module": "a.c"}).stats, {})
        with self.assertRaisesRegex(
            ProtocolError, "^module-end: stats must be an object, not \\[\\]$"
        ):
            validate_module_end({"type": "module-end", "module": "a.c", "stats": []})

    def test_long_values_are_shortened_in_errors(self) -> None:
        with self.assertRaises(ProtocolError) as caught:
            validate_query(self.query(features=["gvn", "function", "x" * 500, 1, 0]), self.kinds)
        self.assertEqual(
            str(caught.exception),
            'query 17: features[2] must be an int, not "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx..."',
        )


if __name__ == "__main__":
    unittest.main()
