"""`taskmaster serve`: the API (and embedded workers) on port 2402."""

from __future__ import annotations

import errno
import ipaddress
import socket
import ssl
import sys
from pathlib import Path
from typing import Any

import structlog
import typer
import uvicorn

from taskmaster import logs
from taskmaster.cli.ports import listeners
from taskmaster.errors import ConfigError
from taskmaster.server import create_app
from taskmaster.settings import Settings

log = structlog.get_logger("taskmaster.serve")


def check_tls(cert: Path | None, key: Path | None) -> bool:
    """Whether TLS is configured; ConfigError if half of it is, or the pair is unusable."""
    if cert is None and key is None:
        return False
    if cert is None or key is None:
        raise ConfigError("HTTPS needs both --tls-cert and --tls-key")
    try:
        ssl.create_default_context(ssl.Purpose.CLIENT_AUTH).load_cert_chain(cert, key)
    except (OSError, ssl.SSLError) as exc:
        raise ConfigError(f"cannot use TLS certificate {cert} with key {key}: {exc}") from exc
    return True


def bind(host: str, port: int) -> socket.socket:
    """A listening socket on host:port; ConfigError naming the holder if it is taken."""
    try:
        family, kind, proto, _, addr = socket.getaddrinfo(
            host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE
        )[0]
    except socket.gaierror as exc:
        raise ConfigError(f"cannot resolve --host {host!r}: {exc.strerror}") from exc
    sock = socket.socket(family, kind, proto)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind(addr)
        sock.listen(2048)
    except OSError as exc:
        sock.close()
        if exc.errno == errno.EADDRINUSE:
            held = listeners(port)
            who = "; ".join(h.describe() for h in held) or "a process not visible here"
            raise ConfigError(f"port {port} is already in use: {who}") from exc
        raise ConfigError(f"cannot listen on {host}:{port}: {exc.strerror}") from exc
    sock.set_inheritable(True)
    return sock


def _is_loopback(host: str) -> bool:
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return host == "localhost"


def serve(
    host: str = typer.Option(None, help="Address to bind (default 127.0.0.1)."),
    port: int = typer.Option(
        None, min=1, max=65535, help="Port (default 2402, IANA taskmaster2000)."
    ),
    tls_cert: Path = typer.Option(None, help="PEM certificate: serve HTTPS."),
    tls_key: Path = typer.Option(None, help="PEM private key of --tls-cert."),
    workers: int = typer.Option(None, help="Embedded worker processes (0: API only)."),
) -> None:
    """Serve the REST API with its embedded workers until Ctrl-C."""
    given: dict[str, Any] = {
        "host": host,
        "port": port,
        "tls_cert": tls_cert,
        "tls_key": tls_key,
        "workers": workers,
    }
    settings = Settings(**{k: v for k, v in given.items() if v is not None})
    logs.configure(settings)
    tls = check_tls(settings.tls_cert, settings.tls_key)
    if not tls and not _is_loopback(settings.host):
        log.warning(
            f"serving plain HTTP on {settings.host}: passwords and tokens cross the "
            "network in clear; use --tls-cert/--tls-key (or a TLS proxy in front)"
        )
    sock = bind(settings.host, settings.port)
    app = create_app(settings)
    scheme = "https" if tls else "http"
    log.info(
        f"taskmaster: serving {scheme}://{settings.host}:{settings.port} "
        f"(API at /api/v1, data in {settings.home})"
    )
    # X-Forwarded-* only from configured proxies: anyone else could pick the address
    # that the login throttle and the fail2ban line see.
    # log_config=None: uvicorn's records go through our handler (logs.py), one format;
    # the access line is ours (api/requestlog.py), with request id and user.
    config = uvicorn.Config(
        app,
        log_level=settings.log_level,
        log_config=None,
        access_log=False,
        proxy_headers=bool(settings.proxies),
        forwarded_allow_ips=settings.proxies or None,
        server_header=False,
        # A stop (SIGTERM from systemd, Ctrl-C) waits at most 10 s for
        # requests in flight.
        timeout_graceful_shutdown=10,
        ssl_certfile=settings.tls_cert if tls else None,
        ssl_keyfile=settings.tls_key if tls else None,
    )
    server = uvicorn.Server(config)
    server.run(sockets=[sock])
    if not server.started:
        sys.exit(1)
