"""A loopback TCP proxy that counts what crosses the wire: bytes both ways, headers
included, and HTTP requests.

PouchDB's node-fetch sends `Connection: close` (one TCP connection per request) while our
client keeps its connection alive, so requests are counted by parsing the client's byte
stream (request line, headers, Content-Length or chunked body), not by counting
connections. Runs its own asyncio loop in a daemon thread; the harness resets and reads
the counters between measured steps.
"""

from __future__ import annotations

import asyncio
import contextlib
import threading
from dataclasses import dataclass, field


@dataclass
class Counts:
    requests: int = 0
    bytes_up: int = 0  # device -> server
    bytes_down: int = 0  # server -> device
    connections: int = 0
    lines: list[str] = field(default_factory=list)  # "METHOD /path" per request
    raw_up: bytearray = field(default_factory=bytearray)  # first CAPTURE bytes, for --show-noop
    raw_down: bytearray = field(default_factory=bytearray)

    @property
    def bytes_total(self) -> int:
        return self.bytes_up + self.bytes_down


CAPTURE = 16384


class RequestCounter:
    """An incremental HTTP/1.1 request parser: enough to find message boundaries."""

    def __init__(self, on_request) -> None:
        self.buf = b""
        self.body_left = 0  # bytes of a Content-Length body still to skip
        self.chunked = False
        self.on_request = on_request

    def feed(self, data: bytes) -> None:
        self.buf += data
        while True:
            if self.body_left:
                take = min(self.body_left, len(self.buf))
                self.buf = self.buf[take:]
                self.body_left -= take
                if self.body_left:
                    return
            if self.chunked:
                if not self._skip_chunks():
                    return
                continue
            end = self.buf.find(b"\r\n\r\n")
            if end < 0:
                return
            head, self.buf = self.buf[:end].decode("latin-1"), self.buf[end + 4 :]
            lines = head.split("\r\n")
            parts = lines[0].split(" ")
            self.on_request(" ".join(parts[:2]))
            headers = {}
            for line in lines[1:]:
                name, _, value = line.partition(":")
                headers[name.strip().lower()] = value.strip()
            if headers.get("transfer-encoding", "").lower() == "chunked":
                self.chunked = True
            else:
                self.body_left = int(headers.get("content-length") or 0)

    def _skip_chunks(self) -> bool:
        """Consume chunks; True once the last chunk and trailers are gone."""
        while True:
            line_end = self.buf.find(b"\r\n")
            if line_end < 0:
                return False
            size = int(self.buf[:line_end].split(b";")[0], 16)
            if size == 0:
                trailer_end = self.buf.find(b"\r\n\r\n", line_end)
                if trailer_end < 0:
                    return False
                self.buf = self.buf[trailer_end + 4 :]
                self.chunked = False
                return True
            if len(self.buf) < line_end + 2 + size + 2:
                return False
            self.buf = self.buf[line_end + 2 + size + 2 :]


class CountingProxy:
    def __init__(self, upstream_port: int, upstream_host: str = "127.0.0.1") -> None:
        self.upstream = (upstream_host, upstream_port)
        self.counts = Counts()
        self.lock = threading.Lock()
        self.loop = asyncio.new_event_loop()
        self.port = 0
        self._ready = threading.Event()
        self._server: asyncio.base_events.Server | None = None
        self._thread = threading.Thread(
            target=self._run, daemon=True, name=f"proxy->{upstream_port}"
        )

    def start(self) -> int:
        self._thread.start()
        self._ready.wait(10)
        return self.port

    def stop(self) -> None:
        def _close() -> None:
            if self._server is not None:
                self._server.close()
            self.loop.stop()

        self.loop.call_soon_threadsafe(_close)
        self._thread.join(5)

    def reset(self) -> None:
        with self.lock:
            self.counts = Counts()

    def snapshot(self) -> Counts:
        with self.lock:
            c = self.counts
            return Counts(
                c.requests,
                c.bytes_up,
                c.bytes_down,
                c.connections,
                list(c.lines),
                bytearray(c.raw_up),
                bytearray(c.raw_down),
            )

    def _run(self) -> None:
        asyncio.set_event_loop(self.loop)
        self._server = self.loop.run_until_complete(
            asyncio.start_server(self._handle, "127.0.0.1", 0)
        )
        self.port = self._server.sockets[0].getsockname()[1]
        self._ready.set()
        self.loop.run_forever()
        # Stopped: end the connections still open (keep-alive) before closing the loop.
        pending = asyncio.all_tasks(self.loop)
        for task in pending:
            task.cancel()
        self.loop.run_until_complete(asyncio.gather(*pending, return_exceptions=True))
        self.loop.close()

    def _on_request(self, line: str) -> None:
        with self.lock:
            self.counts.requests += 1
            self.counts.lines.append(line)

    async def _handle(
        self, client_reader: asyncio.StreamReader, client_writer: asyncio.StreamWriter
    ) -> None:
        try:
            await self._relay(client_reader, client_writer)
        except asyncio.CancelledError:
            client_writer.close()  # the proxy is stopping

    async def _relay(
        self, client_reader: asyncio.StreamReader, client_writer: asyncio.StreamWriter
    ) -> None:
        with self.lock:
            self.counts.connections += 1
        try:
            up_reader, up_writer = await asyncio.open_connection(*self.upstream)
        except OSError:
            client_writer.close()
            return
        parser = RequestCounter(self._on_request)

        async def pump(
            reader: asyncio.StreamReader, writer: asyncio.StreamWriter, upward: bool
        ) -> None:
            try:
                while True:
                    data = await reader.read(65536)
                    if not data:
                        break
                    # Counted before it is forwarded, so a client that has its whole answer
                    # has also been fully counted.
                    with self.lock:
                        raw = self.counts.raw_up if upward else self.counts.raw_down
                        if len(raw) < CAPTURE:
                            raw += data[: CAPTURE - len(raw)]
                        if upward:
                            self.counts.bytes_up += len(data)
                        else:
                            self.counts.bytes_down += len(data)
                    if upward:
                        parser.feed(data)
                    writer.write(data)
                    await writer.drain()
            except (ConnectionError, OSError):
                pass
            finally:
                try:
                    if writer.can_write_eof():
                        writer.write_eof()
                except (OSError, RuntimeError):
                    pass

        await asyncio.gather(
            pump(client_reader, up_writer, True), pump(up_reader, client_writer, False)
        )
        for w in (up_writer, client_writer):
            with contextlib.suppress(OSError):
                w.close()
