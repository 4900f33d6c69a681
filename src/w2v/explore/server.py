"""Run the explore app with uvicorn on a socket bound here, loopback unless told otherwise."""

from __future__ import annotations

import ipaddress
import socket
import sys
import threading
import time
import webbrowser

import uvicorn

from w2v.explore.app import create_app
from w2v.explore.explorer import Explorer

__all__ = ["bind", "is_loopback", "make_server", "serve"]


def is_loopback(host: str) -> bool:
    """Whether `host` (an address or ``localhost``) only accepts connections from this machine."""
    if host.lower() in ("localhost", "localhost."):
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def bind(host: str, port: int) -> socket.socket:
    """A listening TCP socket on `host`:`port` (port 0: any free port).

    Raises
    ------
    OSError
        With a message naming the address, e.g. when the port is taken.
    """
    try:
        infos = socket.getaddrinfo(
            host.strip("[]"), port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE
        )
    except socket.gaierror as exc:
        raise OSError(f"cannot listen on {host}:{port}: unknown host ({exc.strerror})") from None
    family, kind, proto, _, address = infos[0]
    sock = socket.socket(family, kind, proto)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(address)
        sock.listen(128)
    except OSError as exc:
        sock.close()
        hint = " (choose another --port)" if exc.errno in (98, 48, 10048) else ""
        raise OSError(f"cannot listen on {host}:{port}: {exc.strerror or exc}{hint}") from None
    sock.set_inheritable(True)
    return sock


def _url(sock: socket.socket) -> str:
    host, port = sock.getsockname()[:2]
    shown = f"[{host}]" if ":" in host else host
    return f"http://{shown}:{port}/"


def _allowed_hosts(host: str) -> list[str] | None:
    """Host names accepted in requests: loopback names on loopback, anything otherwise."""
    if not is_loopback(host):
        return None
    names = {"localhost", "127.0.0.1", "[::1]", host.lower()}
    return sorted(f"[{n}]" if ":" in n and not n.startswith("[") else n for n in names)


def make_server(
    explorer: Explorer, host: str = "127.0.0.1", port: int = 8000, log_level: str = "warning"
) -> tuple[uvicorn.Server, socket.socket, str]:
    """A uvicorn server for `explorer`, its bound socket and its URL (not started yet).

    Run it with ``server.run(sockets=[sock])``; set ``server.should_exit = True`` to stop.
    """
    sock = bind(host, port)
    config = uvicorn.Config(
        create_app(explorer, allowed_hosts=_allowed_hosts(host)),
        log_level=log_level,
        access_log=False,
        server_header=False,
        lifespan="off",
        # beyond it uvicorn answers 503 at once instead of queueing without bound
        limit_concurrency=explorer.limits.max_connections,
        timeout_graceful_shutdown=2,
    )
    return uvicorn.Server(config), sock, _url(sock)


def serve(
    explorer: Explorer,
    host: str = "127.0.0.1",
    port: int = 8000,
    open_browser: bool = False,
    log_level: str = "warning",
) -> None:
    """Serve `explorer` until interrupted; says where on stderr (and warns off loopback)."""
    server, sock, url = make_server(explorer, host, port, log_level)
    if not is_loopback(host):
        print(
            f"w2v explore: warning: listening on {host}, not loopback: other machines that can "
            "reach this one can query these vectors (read-only)",
            file=sys.stderr,
        )
    kv = explorer.kv
    print(
        f"w2v explore: {explorer.source} ({len(kv):,} words x {kv.vector_size}) at {url} "
        "(Ctrl-C to stop)",
        file=sys.stderr,
    )
    if open_browser:
        threading.Thread(target=_open_when_up, args=(server, url), daemon=True).start()
    try:
        server.run(sockets=[sock])
    finally:
        sock.close()


def _open_when_up(server: uvicorn.Server, url: str) -> None:
    deadline = time.monotonic() + 30
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.05)
    if server.started:
        webbrowser.open(url)
