"""Fetching submitted URLs without letting them reach into the service's own network.

A URL given to the API could point at the server itself, the LAN or a cloud metadata service
(169.254.169.254). So every connection, the first one and each redirect's, is checked where it
is made: the host name is resolved once, every address it resolves to must be public (or on
the allow-list), and the socket connects to one of those checked addresses, so a DNS answer
that changes between the check and the connection (rebinding) gains nothing. Proxies from the
environment are not used: a proxy would make the connections the guard cannot see.
"""

from __future__ import annotations

import contextlib
import ipaddress
import socket
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import httpcore
import httpx

from ..errors import Refused, SourceError
from ..sources import Document, fetch_url, is_web_address

Address = ipaddress.IPv4Address | ipaddress.IPv6Address
Network = ipaddress.IPv4Network | ipaddress.IPv6Network


class AddressRefused(SourceError, Refused):
    """The URL leads to an address the service must not reach (refused, and so not read)."""


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


class GuardedTransport(httpx.BaseTransport):
    """An httpx transport whose every connection goes only where POLICY allows.

    httpx's own transport takes no network backend, so this one drives httpcore's connection
    pool, which does, as httpx's does: the same request and response, the same errors.
    """

    def __init__(self, policy: AddressPolicy) -> None:
        self._connections = httpcore.ConnectionPool(
            ssl_context=httpx.create_ssl_context(), network_backend=_GuardedBackend(policy)
        )

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        url = request.url
        target = httpcore.URL(scheme=url.raw_scheme, host=url.raw_host, port=url.port, target=url.raw_path)
        with _httpx_errors():
            answer = self._connections.handle_request(
                httpcore.Request(
                    request.method,
                    target,
                    headers=request.headers.raw,
                    content=request.stream,
                    extensions=request.extensions,
                )
            )
        return httpx.Response(
            answer.status, headers=answer.headers, stream=_Body(answer), extensions=answer.extensions
        )

    def close(self) -> None:
        self._connections.close()


class _Body(httpx.SyncByteStream):
    def __init__(self, answer: httpcore.Response) -> None:
        self._answer = answer

    def __iter__(self) -> Iterator[bytes]:
        with _httpx_errors():
            yield from self._answer.iter_stream()

    def close(self) -> None:
        self._answer.close()


# httpcore's errors and the httpx errors that callers catch, most specific first.
_ERRORS: tuple[tuple[type[Exception], type[httpx.TransportError]], ...] = (
    (httpcore.ConnectTimeout, httpx.ConnectTimeout),
    (httpcore.ReadTimeout, httpx.ReadTimeout),
    (httpcore.WriteTimeout, httpx.WriteTimeout),
    (httpcore.PoolTimeout, httpx.PoolTimeout),
    (httpcore.TimeoutException, httpx.TimeoutException),
    (httpcore.ConnectError, httpx.ConnectError),
    (httpcore.ReadError, httpx.ReadError),
    (httpcore.WriteError, httpx.WriteError),
    (httpcore.NetworkError, httpx.NetworkError),
    (httpcore.RemoteProtocolError, httpx.RemoteProtocolError),
    (httpcore.LocalProtocolError, httpx.LocalProtocolError),
    (httpcore.ProtocolError, httpx.ProtocolError),
    (httpcore.ProxyError, httpx.ProxyError),
    (httpcore.UnsupportedProtocol, httpx.UnsupportedProtocol),
)


@contextlib.contextmanager
def _httpx_errors() -> Iterator[None]:
    try:
        yield
    except Exception as error:
        mapped = next((theirs for ours, theirs in _ERRORS if isinstance(error, ours)), None)
        if mapped is None:
            raise  # an AddressRefused, say: the caller's own error, as it is
        raise mapped(str(error)) from error


def fetch_document(url: str, policy: AddressPolicy) -> Document:
    """GET an article page as `newsvoice.sources.fetch_url` does, through the address guard."""
    if not is_web_address(url):
        raise SourceError(f"{url}: not an http or https URL")
    return fetch_url(url, transport=GuardedTransport(policy))
