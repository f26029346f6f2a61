"""Fetching submitted URLs without letting them reach into the service's own network.

A URL given to the API could point at the server itself, the LAN or a cloud metadata service
(169.254.169.254). So every connection, the first one and each redirect's, is checked where it
is made: the host name is resolved once, every address it resolves to must be public (or on
the allow-list), and the socket connects to one of those checked addresses, so a DNS answer
that changes between the check and the connection (rebinding) gains nothing. Proxies from the
environment are not used: a proxy would make the connections the guard cannot see.
"""

from __future__ import annotations

import ipaddress
import re
import socket
from dataclasses import dataclass, field
from typing import Any

import httpcore
import httpx

from ..errors import SourceError
from ..sources import Document, fetch_url

Address = ipaddress.IPv4Address | ipaddress.IPv6Address
Network = ipaddress.IPv4Network | ipaddress.IPv6Network

_ARTICLE_TYPES = {"text/html": "html", "application/xhtml+xml": "html", "text/plain": "text"}
_META_CHARSET = re.compile(rb"""<meta[^>]+charset=["']?([\w-]+)""", re.I)


class AddressRefused(SourceError):
    """The URL leads to an address the service must not reach."""


@dataclass(frozen=True)
class AddressPolicy:
    """Public addresses only, besides the host names, addresses and networks in ALLOW."""

    allow: tuple[str, ...] = ()
    _networks: tuple[Network, ...] = field(init=False, repr=False)
    _hosts: frozenset[str] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        networks, hosts = [], set()
        for entry in self.allow:
            try:
                networks.append(ipaddress.ip_network(entry, strict=False))
            except ValueError:
                hosts.add(entry.lower().rstrip("."))
        object.__setattr__(self, "_networks", tuple(networks))
        object.__setattr__(self, "_hosts", frozenset(hosts))

    def check(self, host: str, addresses: list[Address]) -> None:
        """Raise `AddressRefused` unless HOST may be reached at every one of ADDRESSES."""
        if host.lower().rstrip(".") in self._hosts:
            return
        for address in addresses:
            reason = refusal(address)
            if reason and not any(_unwrap(address) in network for network in self._networks):
                raise AddressRefused(f"{host}: refused, {address} is a {reason} address")


def refusal(address: Address) -> str | None:
    """Why ADDRESS is not to be fetched from ("loopback", "private", ...), or None if it is public."""
    address = _unwrap(address)
    for reason in ("loopback", "link_local", "unspecified", "multicast", "private", "reserved"):
        if getattr(address, f"is_{reason}"):
            return reason.replace("_", "-")
    return None if address.is_global else "non-public"


def _unwrap(address: Address) -> Address:
    """The IPv4 address inside an IPv4-mapped or 6to4 IPv6 address (::ffff:127.0.0.1)."""
    if isinstance(address, ipaddress.IPv6Address):
        return address.ipv4_mapped or address.sixtofour or address
    return address


class _GuardedBackend(httpcore.SyncBackend):
    def __init__(self, policy: AddressPolicy) -> None:
        self._policy = policy

    def connect_tcp(self, host: str, port: int, *args: Any, **kwargs: Any) -> httpcore.NetworkStream:
        try:
            found = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
        except (socket.gaierror, UnicodeError) as error:
            raise httpcore.ConnectError(f"cannot resolve {host}: {error}") from None
        addresses = list(dict.fromkeys(ipaddress.ip_address(info[4][0]) for info in found))
        self._policy.check(host, addresses)
        failure: Exception | None = None
        for address in addresses:
            try:
                return super().connect_tcp(str(address), port, *args, **kwargs)
            except httpcore.ConnectError as error:
                failure = error
        raise failure or httpcore.ConnectError(f"no address for {host}")


class GuardedTransport(httpx.HTTPTransport):
    """An httpx transport whose every connection goes only where POLICY allows."""

    def __init__(self, policy: AddressPolicy) -> None:
        super().__init__()
        # httpx takes no network backend of its own, so its connection pool is made again with one.
        self._pool = httpcore.ConnectionPool(
            ssl_context=httpx.create_ssl_context(), network_backend=_GuardedBackend(policy)
        )


def fetch_document(url: str, policy: AddressPolicy) -> Document:
    """GET an article page as `newsvoice.sources.fetch_url` does, through the address guard."""
    if not re.match(r"^https?://", url, re.I):
        raise SourceError(f"{url}: not an http or https URL")
    return fetch_url(url, transport=GuardedTransport(policy))
