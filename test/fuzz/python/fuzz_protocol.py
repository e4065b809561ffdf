"""Fuzzes the Python side of the agent protocol (optgym.protocol).

Input: the bytes an agent receives. They are read twice, by read_frame from
a file and by FrameReader from a socket that delivers them in chunks whose
sizes the input's first byte sets; both must cut the same frames and make
the same messages or errors. Every message is validated as the server does
(the first as the client hello, later ones as queries, modules, ends), and
re-encoded messages must read back equal. Only ProtocolError may escape.

    python test/fuzz/python/fuzz_protocol.py test/fuzz/py-protocol [libFuzzer flags]
"""

import io

from fuzz_main import run

from optgym import protocol
from optgym.protocol import ProtocolError


class ChunkedSocket:
    """A socket whose recv returns at most `chunk` bytes at a time."""

    def __init__(self, data: bytes, chunk: int) -> None:
        self.data = data
        self.chunk = chunk

    def recv(self, size: int) -> bytes:
        part = self.data[: min(size, self.chunk)]
        self.data = self.data[len(part) :]
        return part


def frames_of(read):
    """The messages read() returns, then how the stream ended."""
    messages = []
    while True:
        try:
            message = read()
        except ProtocolError as error:
            return messages, "error: %s" % error
        if message is None:
            return messages, "end"
        messages.append(message)


def validate(messages) -> None:
    hello = None
    for message in messages:
        try:
            if hello is None:
                hello = protocol.validate_client_hello(message)
            elif message["type"] == "query":
                protocol.validate_query(message, hello.kinds)
            elif message["type"] == "module":
                protocol.validate_module(message)
            elif message["type"] == "module_end":
                protocol.validate_module_end(message)
        except ProtocolError:
            pass
        try:
            again = protocol.read_frame(io.BytesIO(protocol.encode_frame(message)))
        except ProtocolError:
            # A message too large to send again, or one holding a number
            # JSON cannot carry back (1e400 reads as infinity).
            continue
        assert again == message, (again, message)


def test_one_input(data: bytes) -> None:
    if not data:
        return
    chunk = 1 + data[0] % 64
    stream = data[1:]
    file = io.BytesIO(stream)
    from_file = frames_of(lambda: protocol.read_frame(file))
    reader = protocol.FrameReader(ChunkedSocket(stream, chunk))
    from_socket = frames_of(reader.read)
    assert from_file == from_socket, (from_file, from_socket)
    validate(from_file[0])


if __name__ == "__main__":
    run(test_one_input)
