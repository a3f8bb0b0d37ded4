"""A guard that forbids network access other than loopback, to prove a code path is offline.

    with offline() as guard:
        ...                      # any non-loopback connect / DNS lookup raises OfflineViolation
    assert guard.attempts == []  # also catches attempts a library swallowed

Patched: socket.socket.connect / connect_ex, socket.create_connection and socket.getaddrinfo. Allowed:
AF_UNIX sockets, 127.0.0.0/8, ::1 and "localhost".
"""

from __future__ import annotations

import ipaddress
import socket
from contextlib import contextmanager
from dataclasses import dataclass, field
from unittest import mock


class OfflineViolation(RuntimeError):
    """Raised instead of opening a network connection. Not an OSError, so retry loops do not hide it."""


@dataclass
class OfflineGuard:
    attempts: list[str] = field(default_factory=list)

    def check_host(self, host, what: str) -> None:
        if not _is_loopback(host):
            self.attempts.append(f"{what} {host}")
            raise OfflineViolation(f"network access during an offline test: {what} {host!r}")


def _is_loopback(host) -> bool:
    if host is None:
        return True  # getaddrinfo(None, port) resolves the local host's wildcard address
    if isinstance(host, bytes):
        host = host.decode()
    host = str(host).strip("[]")
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.split("%")[0]).is_loopback
    except ValueError:
        return False  # a name: resolving it would already go to the network


@contextmanager
def offline():
    guard = OfflineGuard()
    real_connect, real_connect_ex = socket.socket.connect, socket.socket.connect_ex
    real_create_connection, real_getaddrinfo = socket.create_connection, socket.getaddrinfo

    def connect(sock, address):
        if sock.family != socket.AF_UNIX:
            guard.check_host(address[0], "connect")
        return real_connect(sock, address)

    def connect_ex(sock, address):
        if sock.family != socket.AF_UNIX:
            guard.check_host(address[0], "connect_ex")
        return real_connect_ex(sock, address)

    def create_connection(address, *args, **kwargs):
        guard.check_host(address[0], "create_connection")
        return real_create_connection(address, *args, **kwargs)

    def getaddrinfo(host, *args, **kwargs):
        guard.check_host(host, "getaddrinfo")
        return real_getaddrinfo(host, *args, **kwargs)

    with (
        mock.patch.object(socket.socket, "connect", connect),
        mock.patch.object(socket.socket, "connect_ex", connect_ex),
        mock.patch.object(socket, "create_connection", create_connection),
        mock.patch.object(socket, "getaddrinfo", getaddrinfo),
    ):
        yield guard
