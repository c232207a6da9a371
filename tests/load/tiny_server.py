"""A tiny, fast HTTP/1.1 server for load tests: ``python tiny_server.py PORT``.

Raw asyncio rather than a framework so that it is never the bottleneck of a throughput bench
(Locust on one core must be the slower side). Keep-alive, fixed answers:

- ``/ok``        200
- ``/degraded``  200 with ``X-Degraded: recs``
- ``/fail``      500
- ``/slow``      200 after 50 ms
- ``/hang``      never answers
- ``/health``    200
"""

from __future__ import annotations

import asyncio
import sys


def _answer(status: str, extra_headers: str = "", body: bytes = b"{}") -> bytes:
    head = (
        f"HTTP/1.1 {status}\r\nContent-Type: application/json\r\n"
        f"Content-Length: {len(body)}\r\n{extra_headers}\r\n"
    )
    return head.encode() + body


ANSWERS = {
    b"/ok": _answer("200 OK"),
    b"/health": _answer("200 OK"),
    b"/slow": _answer("200 OK"),
    b"/degraded": _answer("200 OK", "X-Degraded: recs\r\n", b'{"degraded": true}'),
    b"/fail": _answer("500 Internal Server Error", body=b'{"error": "boom"}'),
}
NOT_FOUND = _answer("404 Not Found")


class HttpProtocol(asyncio.Protocol):
    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport
        self.buffer = b""

    def data_received(self, data: bytes) -> None:
        self.buffer += data
        while b"\r\n\r\n" in self.buffer:
            # Load requests are GETs without bodies, so a request ends at the blank line.
            head, self.buffer = self.buffer.split(b"\r\n\r\n", 1)
            target = head.split(b" ", 2)[1].split(b"?", 1)[0]
            if target == b"/hang":
                continue
            if target == b"/slow":
                asyncio.get_running_loop().call_later(0.05, self._send, ANSWERS[b"/slow"])
                continue
            self._send(ANSWERS.get(target, NOT_FOUND))

    def _send(self, answer: bytes) -> None:
        if not self.transport.is_closing():
            self.transport.write(answer)


async def serve(port: int) -> None:
    server = await asyncio.get_running_loop().create_server(
        HttpProtocol, "127.0.0.1", port, reuse_address=True, backlog=1024
    )
    async with server:
        await server.serve_forever()


if __name__ == "__main__":
    asyncio.run(serve(int(sys.argv[1])))
