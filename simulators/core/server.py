"""Threaded HTTPS servers with keep-alive, one per host, all in this process.

Two engines are available: cheroot (the default; faster with keep-alive, see
``bench/servers.py``) and werkzeug's development server.
"""

from __future__ import annotations

import contextlib
import errno
import functools
import logging
import socket
import ssl
import threading
from collections.abc import Callable
from typing import Any, Protocol

from simulators.core import sockstream
from simulators.core.admission import Admission
from simulators.core.memory import limit_malloc_arenas
from simulators.core.tls import ServerCredentials
from simulators.core.topology import HostSpec

log = logging.getLogger("m365lab.server")
ENGINES = ("cheroot", "werkzeug")
DEFAULT_ENGINE = "cheroot"
KEEP_ALIVE_LIMIT = 1000
MAX_HEADER_BYTES = 64 * 1024
"""Request line plus headers, at most; more is a 431 (or 414) before anything is buffered."""
MAX_THREADS = 256
"""Workers per host at most: slow clients beyond that wait for one (each holds one for its
socket timeout)."""


class PortInUseError(OSError):
    """A host's port is taken by another program."""

    def __init__(self, spec: HostSpec) -> None:
        super().__init__(errno.EADDRINUSE, "address already in use")
        self.spec = spec

    def __str__(self) -> str:
        spec = self.spec
        return (
            f"port {spec.port} ({spec.name}) is already in use on {spec.bind}; "
            "stop the other program or choose another --port-base"
        )


class HostServer(Protocol):
    spec: HostSpec

    def start(self) -> None: ...

    def stop(self) -> None: ...


def check_port_free(spec: HostSpec) -> None:
    """Raise PortInUseError when ``spec``'s port cannot be bound."""
    family = socket.AF_INET6 if ":" in spec.bind else socket.AF_INET
    with socket.socket(family) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((spec.bind, spec.port))
        except OSError as exc:
            if exc.errno in (errno.EADDRINUSE, errno.EACCES):
                raise PortInUseError(spec) from exc
            raise


def _ssl_context(cert_file: str, key_file: str) -> ssl.SSLContext:
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    context.load_cert_chain(cert_file, key_file)
    context.set_alpn_protocols(["http/1.1"])
    return context


@functools.lru_cache(maxsize=8)
def _tls_adapter(cert_file: str, key_file: str):
    """One adapter per certificate, shared by every host's server (one TLS context)."""
    return _nodelay_adapter_class()(cert_file, key_file)


DRAIN_BYTES = 1024 * 1024
DRAIN_SECONDS = 0.25


def _drain(sock: socket.socket) -> None:
    """Read what the client is still sending after a refusal, so that closing does not reset
    the connection (and lose the reply) while its request is in flight: a lingering close."""
    received = 0
    try:
        sock.settimeout(DRAIN_SECONDS)
        while received < DRAIN_BYTES:
            chunk = sock.recv(65536)
            if not chunk:
                return
            received += len(chunk)
    except (OSError, ValueError):
        return


@functools.cache
def _flushing_connection():
    from cheroot.server import HTTPRequest

    class LimitedRequest(HTTPRequest):
        """A request line and header block over ``MAX_HEADER_BYTES`` is refused early.

        cheroot calls it 413 (a body's status); RFC 6585 names it 431 (414 for a long URL).
        """

        def simple_response(self, status, msg=""):
            if not (str(status).startswith("413") and "headers" in str(msg)):
                return super().simple_response(status, msg)
            self.close_connection = True
            body = str(msg).encode("iso-8859-1")
            head = (
                f"{self.server.protocol} 431 Request Header Fields Too Large\r\n"
                f"Content-Length: {len(body)}\r\nContent-Type: text/plain\r\n"
                "Connection: close\r\n\r\n"
            )
            with contextlib.suppress(OSError, ValueError):
                self.conn.wfile.write(head.encode("iso-8859-1") + body)
                self.conn.wfile.flush()  # the reply first, then read what is in flight
                _drain(self.conn.socket)
            return None

    class Connection(sockstream.connection_class()):
        RequestHandlerClass = LimitedRequest

    return Connection


def _nodelay_adapter_class():
    from cheroot.ssl import Adapter
    from cheroot.ssl.builtin import BuiltinSSLAdapter

    class NoDelaySSLAdapter(BuiltinSSLAdapter):
        """Sets TCP_NODELAY on every accepted connection before the TLS handshake.

        Without it a kept-alive connection between two processes stalls on delayed ACKs
        (a POST answered in ~10 ms instead of ~2 ms).
        """

        def __init__(self, cert_file: str, key_file: str) -> None:
            # Not BuiltinSSLAdapter's own: it parses the certificate over a loopback TLS
            # handshake (~25 ms of every start) for SSL_SERVER_* environ entries, which
            # ``wrap`` below never hands out.
            Adapter.__init__(self, cert_file, key_file)
            self.context = _ssl_context(cert_file, key_file)
            self._server_env: dict[str, str] = {}

        def wrap(self, sock):
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            # cheroot shakes hands on its one accepting thread: a client that never finished
            # the handshake stopped the host accepting anyone for the socket timeout. Here the
            # handshake happens on the worker's first read instead.
            tls = self.context.wrap_socket(sock, do_handshake_on_connect=False, server_side=True)
            return tls, {"wsgi.url_scheme": "https", "HTTPS": "on"}

        def makefile(self, sock, mode="r", bufsize=8192):
            return sockstream.makefile(sock, mode, bufsize)

    return NoDelaySSLAdapter


@functools.cache
def _elastic_pool_class():
    from cheroot.workers.threadpool import ThreadPool

    class ElasticPool(ThreadPool):
        """A worker pool that grows when every worker is busy and shrinks back when idle.

        cheroot's pool is fixed: eight clients dribbling their headers held all eight workers
        and the host stopped answering until their 30 s timeouts.
        """

        # cheroot's pool has no public way to add a worker without waiting for it, so this
        # reaches into its (untyped) internals.
        def start(self) -> None:
            """Spawn the first workers without cheroot's wait (it polls each one's readiness
            in 100 ms sleeps, a tenth of a second of every host's start-up)."""
            pool: Any = self
            if pool._threads:
                raise RuntimeError("Threadpools can only be started once.")
            pool._threads.extend(pool._spawn_worker() for _ in range(self.min))

        def put(self, obj) -> None:
            pool: Any = self
            idle = self.idle - pool._queue.qsize()
            if idle <= 0 and len(pool._threads) < self.max:
                pool._threads.append(pool._spawn_worker())  # no wait for it, unlike grow()
            elif idle > self.min:
                self.shrink(1)
            super().put(obj)

    return ElasticPool


class CherootServer:
    """cheroot's thread-pool server with the builtin TLS adapter."""

    def __init__(self, spec: HostSpec, app: Callable, creds: ServerCredentials, threads: int):
        from cheroot import wsgi

        self.spec = spec
        self.server = wsgi.Server(
            (spec.bind, spec.port),
            app,
            numthreads=threads,
            server_name=spec.public_host,
            timeout=30,
            shutdown_timeout=1,
        )
        # cheroot listens with a backlog of 5: a burst of connections lost SYNs and waited
        # out the kernel's 1 s retransmits.
        self.server.request_queue_size = 128
        self.server.max_request_header_size = MAX_HEADER_BYTES
        self.server.requests = _elastic_pool_class()(self.server, min=threads, max=MAX_THREADS)
        self.server.ssl_adapter = _tls_adapter(str(creds.cert_file), str(creds.key_file))
        self.server.ConnectionClass = _flushing_connection()
        # cheroot keeps only 10 idle keep-alive connections by default; past that every reply
        # says "Connection: close" and each request pays a new TLS handshake (a browser, or
        # a few user agents, open more than 10). Idle connections still expire after timeout.
        self.server.keep_alive_conn_limit = KEEP_ALIVE_LIMIT
        self.server.error_log = _quiet_error_log  # type: ignore[method-assign]
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        try:
            self.server.prepare()
        except OSError as exc:
            if exc.errno == errno.EADDRINUSE or "already in use" in str(exc).lower():
                raise PortInUseError(self.spec) from exc
            raise
        self._thread = threading.Thread(
            target=self.server.serve, name=f"https-{self.spec.name}", daemon=True
        )
        self._thread.start()

    def stop(self) -> None:
        self.server.stop()
        if self._thread:
            self._thread.join(timeout=5)


def _quiet_error_log(msg: str = "", level: int = 20, traceback: bool = False) -> None:
    """cheroot reports every dropped TLS handshake; keep those at debug level."""
    log.log(logging.DEBUG if level < logging.ERROR else level, "%s", msg, exc_info=traceback)


class WerkzeugServer:
    """werkzeug's threaded server speaking HTTP/1.1 (keep-alive) over TLS."""

    def __init__(self, spec: HostSpec, app: Callable, creds: ServerCredentials, threads: int):
        from werkzeug.serving import WSGIRequestHandler, make_server

        class Handler(WSGIRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_request(self, *args, **kwargs) -> None:  # the journal records requests
                pass

        self.spec = spec
        try:
            self.server = make_server(
                spec.bind,
                spec.port,
                app,
                threaded=True,
                request_handler=Handler,
                ssl_context=_ssl_context(str(creds.cert_file), str(creds.key_file)),
            )
        except OSError as exc:
            if exc.errno == errno.EADDRINUSE:
                raise PortInUseError(spec) from exc
            raise
        self.server.daemon_threads = True  # type: ignore[attr-defined]  # threaded=True
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        self._thread = threading.Thread(
            target=self.server.serve_forever, name=f"https-{self.spec.name}", daemon=True
        )
        self._thread.start()

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()
        if self._thread:
            self._thread.join(timeout=5)


def make_server(
    engine: str, spec: HostSpec, app: Callable, creds: ServerCredentials, threads: int = 8
) -> HostServer:
    limit_malloc_arenas()  # before the first worker thread starts
    app = Admission(app)
    if engine == "cheroot":
        return CherootServer(spec, app, creds, threads)
    if engine == "werkzeug":
        return WerkzeugServer(spec, app, creds, threads)
    raise ValueError(f"unknown server engine {engine!r}; choose one of {', '.join(ENGINES)}")
