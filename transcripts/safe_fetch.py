"""Downloading a user's URL without letting it reach our own network (SSRF).

Checking a hostname's address and then letting an HTTP library resolve it again is beaten by DNS
rebinding (the second answer differs) and by redirects. So the address is checked where the
socket is opened: ``_GuardedHTTPConnection._new_conn`` resolves the name itself, refuses if any
answer is not public, and connects to the checked IP while urllib3 keeps the hostname for the
Host header, SNI and certificate checks. Redirects are followed by hand (at most five), each hop
through the same guarded connection. Size and total time are capped while streaming.

``settings.URL_FETCH_ALLOWED_NETWORKS`` (CIDRs) lets tests and private deployments allow, say,
127.0.0.0/8 or an intranet range explicitly.
"""

from __future__ import annotations

import ipaddress
import socket
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urljoin, urlsplit

from django.conf import settings
from urllib3 import HTTPConnectionPool, HTTPSConnectionPool, Timeout
from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.exceptions import HTTPError as Urllib3Error
from urllib3.exceptions import NewConnectionError
from urllib3.util import connection as urllib3_connection

Resolver = Callable[[str, int], list[str]]
IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address

MAX_REDIRECTS = 5
REDIRECT_CODES = {301, 302, 303, 307, 308}
USER_AGENT = "Transcribe-URL-fetch/1.0 (self-hosted speech-to-text)"
PRIVATE_MESSAGE = "This address points to a private network, which we do not fetch from."
_NAT64 = ipaddress.ip_network("64:ff9b::/96")
_SHARED = ipaddress.ip_network("100.64.0.0/10")  # carrier-grade NAT (RFC 6598)


class FetchError(Exception):
    """The download failed; ``message`` says why in words a user understands."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class UnsafeURL(FetchError):
    """The URL is refused by policy (scheme, private address, too many redirects)."""


class FetchCancelled(FetchError):
    """``on_progress`` asked to stop (the job was cancelled)."""


def resolve(host: str, port: int) -> list[str]:
    """Every address ``host`` resolves to (the default resolver; tests inject their own)."""
    infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return list(dict.fromkeys(str(info[4][0]) for info in infos))


def _allowed_networks() -> list[ipaddress.IPv4Network | ipaddress.IPv6Network]:
    return [ipaddress.ip_network(cidr, strict=False) for cidr in settings.URL_FETCH_ALLOWED_NETWORKS]


def _embedded_ipv4(ip: ipaddress.IPv6Address) -> ipaddress.IPv4Address | None:
    """The IPv4 address an IPv6 form carries (mapped, 6to4, Teredo client, NAT64), if any."""
    if ip.ipv4_mapped is not None:
        return ip.ipv4_mapped
    if ip.sixtofour is not None:
        return ip.sixtofour
    if ip.teredo is not None:
        return ip.teredo[1]
    if ip in _NAT64:
        return ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)
    return None


def check_address(address: str) -> None:
    """Raise ``UnsafeURL`` unless ``address`` is a public unicast address (or explicitly allowed)."""
    try:
        ip: IPAddress = ipaddress.ip_address(address.split("%", 1)[0])
    except ValueError as error:
        raise UnsafeURL("This address could not be understood.") from error
    allowed = _allowed_networks()
    if any(ip.version == net.version and ip in net for net in allowed):
        return
    if isinstance(ip, ipaddress.IPv6Address):
        inner = _embedded_ipv4(ip)
        if inner is not None:
            check_address(str(inner))
            return
    if ip.is_loopback:
        raise UnsafeURL("This address points to this server itself, which we do not fetch from.")
    if ip.is_link_local:
        raise UnsafeURL(
            "This address is link-local (such as a cloud metadata service), which we do not fetch from."
        )
    if ip.is_unspecified or ip.is_multicast or ip.is_reserved:
        raise UnsafeURL("This address is not a public internet address, which we do not fetch from.")
    if ip.is_private or (ip.version == 4 and ip in _SHARED) or not ip.is_global:
        raise UnsafeURL(PRIVATE_MESSAGE)


def _split(url: str) -> tuple[str, str, int]:
    parts = urlsplit(url.strip())
    if parts.scheme not in ("http", "https"):
        raise UnsafeURL("Only http:// and https:// links can be fetched.")
    if not parts.hostname:
        raise UnsafeURL("This link has no host name.")
    if parts.username or parts.password:
        raise UnsafeURL("Links with a user name or password are not supported.")
    try:
        port = parts.port or (443 if parts.scheme == "https" else 80)
    except ValueError as error:
        raise UnsafeURL("This link has an invalid port.") from error
    return parts.scheme, parts.hostname, port


def _resolve_checked(host: str, port: int, resolver: Resolver) -> list[str]:
    try:
        addresses = resolver(host, port)
    except (OSError, UnicodeError) as error:
        raise UnsafeURL(f"We could not find the server “{host}”.") from error
    if not addresses:
        raise UnsafeURL(f"We could not find the server “{host}”.")
    for address in addresses:  # one private answer is enough to refuse: no mixed-record tricks
        check_address(address)
    return addresses


def validate_public_url(url: str, *, resolver: Resolver | None = None) -> None:
    """The quick check at submission: scheme, host, and that it resolves to public addresses only.

    The fetch checks again at connect time; this only refuses early with a clear message.
    """
    _scheme, host, port = _split(url)
    _resolve_checked(host, port, resolver or resolve)


# --- The guarded connection -----------------------------------------------------------------


class _GuardedMixin:
    """Resolve, check and connect to the checked IP; the hostname stays for Host/SNI/certificates."""

    host: str
    port: int
    timeout: float | None
    source_address: tuple[str, int] | None
    socket_options: list | None

    def __init__(self, *args, resolver: Resolver, **kwargs) -> None:
        self._resolver = resolver
        super().__init__(*args, **kwargs)

    def _new_conn(self) -> socket.socket:
        addresses = _resolve_checked(self.host, self.port, self._resolver)
        last_error: OSError | None = None
        for address in addresses:
            try:
                return urllib3_connection.create_connection(
                    (address, self.port),
                    self.timeout,
                    source_address=self.source_address,
                    socket_options=self.socket_options,
                )
            except OSError as error:
                last_error = error
        raise NewConnectionError(self, f"Failed to connect to {self.host}: {last_error}")


class _GuardedHTTPConnection(_GuardedMixin, HTTPConnection):
    pass


class _GuardedHTTPSConnection(_GuardedMixin, HTTPSConnection):
    pass


def _pool(scheme: str, host: str, port: int, resolver: Resolver, timeout: Timeout):
    pool_class = HTTPSConnectionPool if scheme == "https" else HTTPConnectionPool
    pool = pool_class(host, port, timeout=timeout, maxsize=1, retries=False, resolver=resolver)
    pool.ConnectionCls = _GuardedHTTPSConnection if scheme == "https" else _GuardedHTTPConnection
    return pool


# --- Fetching -------------------------------------------------------------------------------


def _path_of(url: str) -> str:
    parts = urlsplit(url)
    return (parts.path or "/") + (f"?{parts.query}" if parts.query else "")


@dataclass(frozen=True)
class _Limits:
    max_bytes: int
    seconds: float
    deadline: float

    def time_left(self) -> float:
        left = self.deadline - time.monotonic()
        if left <= 0:
            raise FetchError(f"The download took longer than the {self.seconds:.0f} seconds we allow.")
        return left

    def too_big(self) -> FetchError:
        return FetchError(
            f"The file at this link is larger than the {self.max_bytes // (1024 * 1024)} MB we fetch."
        )


def fetch_to_file(
    url: str,
    dest_path: str | Path,
    *,
    max_bytes: int,
    timeout: float,
    resolver: Resolver | None = None,
    on_progress: Callable[[int], bool | None] | None = None,
) -> tuple[str, int]:
    """Download ``url`` into ``dest_path``; return (content type, size). Raise ``FetchError``.

    ``on_progress(bytes_so_far)`` is called about once a second; returning False stops the fetch.
    A partial file is removed on any failure.
    """
    limits = _Limits(max_bytes=max_bytes, seconds=timeout, deadline=time.monotonic() + timeout)
    dest = Path(dest_path)
    try:
        return _fetch(url, dest, limits=limits, resolver=resolver or resolve, on_progress=on_progress)
    except FetchError:
        dest.unlink(missing_ok=True)
        raise
    except (Urllib3Error, OSError) as error:
        dest.unlink(missing_ok=True)
        limits.time_left()  # a socket timeout at the deadline is reported as the time cap
        raise FetchError(f"We could not download this link: {_reason(error)}") from error


def _reason(error: Exception) -> str:
    text = str(getattr(error, "reason", None) or error)
    return text.split(": ", 1)[-1][:200] or error.__class__.__name__


def _fetch(url: str, dest: Path, *, limits: _Limits, resolver: Resolver, on_progress) -> tuple[str, int]:
    current = url.strip()
    for _hop in range(MAX_REDIRECTS + 1):
        scheme, host, port = _split(current)
        left = limits.time_left()
        timeout = Timeout(connect=min(left, 15.0), read=min(left, 30.0))
        with _pool(scheme, host, port, resolver, timeout) as pool:
            response = pool.urlopen(
                "GET",
                _path_of(current),
                headers={
                    "User-Agent": USER_AGENT,
                    "Accept": "audio/*, video/*, */*;q=0.5",
                    "Accept-Encoding": "identity",
                },
                redirect=False,
                retries=False,
                preload_content=False,
                assert_same_host=False,
            )
            try:
                if response.status in REDIRECT_CODES and response.headers.get("Location"):
                    current = urljoin(current, response.headers["Location"])
                    continue
                if not 200 <= response.status < 300:
                    reason = f"{response.status} {response.reason or ''}".strip()
                    raise FetchError(f"The server answered {reason}.")
                return _stream(response, dest, limits=limits, on_progress=on_progress)
            finally:
                response.release_conn()
    raise UnsafeURL(f"This link redirects more than {MAX_REDIRECTS} times.")


def _stream(response, dest: Path, *, limits: _Limits, on_progress) -> tuple[str, int]:
    declared = response.headers.get("Content-Length", "")
    if declared.isdigit() and int(declared) > limits.max_bytes:
        raise limits.too_big()
    size = 0
    reported_at = time.monotonic()
    with open(dest, "wb") as out:
        # read1 returns what one socket read gives: a server dripping bytes cannot keep us inside
        # a single call past the deadline (read(n) would wait for all n bytes).
        while chunk := response.read1(64 * 1024):
            size += len(chunk)
            if size > limits.max_bytes:
                raise limits.too_big()
            limits.time_left()
            out.write(chunk)
            if on_progress is not None and time.monotonic() - reported_at >= 1.0:
                reported_at = time.monotonic()
                if on_progress(size) is False:
                    raise FetchCancelled("The download was cancelled.")
    if size == 0:
        raise FetchError("The link returned an empty file.")
    content_type = (response.headers.get("Content-Type") or "").split(";", 1)[0].strip()
    return content_type[:100], size
