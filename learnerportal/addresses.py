"""The client's IP address behind the trusted proxies: one rule for the lockout, the API limit, audit and sessions.

Plumbing of the lowest floor: it imports nothing of the project, so that settings-named
callables (django-axes, DRF's throttles) can import it at any time.
"""

import ipaddress
import re

from django.conf import settings

#: "203.0.113.7:4711", "[2001:db8::1]" or "[2001:db8::1]:4711": an address as some load balancers write it.
_ADDRESS_WITH_PORT = re.compile(r"\[(?P<v6>[^\]]+)\](?::\d{1,5})?|(?P<v4>[0-9.]+):\d{1,5}")


def _ip_address(text):
    """Return ``text`` as a normalised IP address ("2001:db8::1"), or None when it is not one."""
    text = text.strip()
    if match := _ADDRESS_WITH_PORT.fullmatch(text):
        text = match["v6"] or match["v4"]
    try:
        return str(ipaddress.ip_address(text))
    except ValueError:
        return None


def client_ip_address(request):
    """Return the IP address of the client that sent ``request``, normalised, or None when unknown.

    The one rule for the whole portal: the sign-in lockout (``AXES_CLIENT_IP_CALLABLE``),
    the API's per-IP limit, and the networks kept with audit events and sessions.

    With ``settings.TRUSTED_PROXY_COUNT`` = 0 the client is the connection's own address
    (``REMOTE_ADDR``) and ``X-Forwarded-For`` is ignored. With N > 0 the app is reached
    only through N proxies in a row, each appending the address it was reached from to
    ``X-Forwarded-For``; the client is then the N-th entry from the right.

    SECURITY: entries further left were written by the client and may say anything, so
    they are never read. When the header has fewer than N entries, or the N-th from the
    right is not an IP address, the request did not come the configured way and the
    connection's address (the nearest proxy) is used: such requests share one address
    rather than choose their own. An address may carry a port ("203.0.113.7:4711",
    "[2001:db8::1]:4711"), which is dropped.

    Args:
        request: a Django ``HttpRequest`` or DRF ``Request`` (only ``META`` is read).

    Returns:
        e.g. "203.0.113.7" or "2001:db8::1"; None when not even ``REMOTE_ADDR`` is an address.
    """
    count = settings.TRUSTED_PROXY_COUNT
    if count:
        # rsplit: the client's own entries, left of the trusted ones, are not even split.
        entries = request.META.get("HTTP_X_FORWARDED_FOR", "").rsplit(",", count)
        if len(entries) >= count and (address := _ip_address(entries[-count])):
            return address
    return _ip_address(request.META.get("REMOTE_ADDR", ""))


#: An IPv6 client is counted by its /64: the smallest network a provider hands one subscriber
#: (RFC 6177), whose 2^64 addresses are all that subscriber's to choose from (RFC 4291 2.5.1).
IPV6_LIMIT_PREFIX = 64


def client_limit_key(request):
    """Return the address that per-client limits count ``request`` under, or None when unknown.

    The sign-in lockout (``AXES_CLIENT_IP_CALLABLE``) and the API's per-IP limit count an IPv4
    client by its address and an IPv6 client by its /64, written as the network's first address
    ("2001:db8:1:2::"). SECURITY: counted by the full IPv6 address, a client would get a fresh
    limit with each of the 2^64 addresses its provider routes to it.

    Args:
        request: a Django ``HttpRequest`` or DRF ``Request`` (only ``META`` is read).

    Returns:
        e.g. "203.0.113.7" or "2001:db8:1:2::"; an IPv4-mapped IPv6 address as its IPv4 address.
    """
    address = client_ip_address(request)
    if address is None:
        return None
    ip = ipaddress.ip_address(address)
    if ip.version == 4:
        return address
    if ip.ipv4_mapped:
        return str(ip.ipv4_mapped)
    return str(ipaddress.ip_network((ip, IPV6_LIMIT_PREFIX), strict=False).network_address)


#: Prefix lengths the network is truncated to: enough to recognise a provider or a
#: place, never a single household (the usual anonymisation of web analytics).
IPV4_PREFIX = 24
IPV6_PREFIX = 48


def ip_network(address):
    """Return the network an IP address belongs to, truncated to /24 (IPv4) or /48 (IPv6).

    Args:
        address: an IPv4 or IPv6 address as text; IPv4-mapped IPv6 addresses count as IPv4.

    Returns:
        e.g. "203.0.113.0/24" or "2001:db8:1::/48"; "" for a missing or malformed address.
    """
    try:
        ip = ipaddress.ip_address((address or "").split("%")[0])
    except ValueError:
        return ""
    if ip.version == 6 and ip.ipv4_mapped:
        ip = ip.ipv4_mapped
    prefix = IPV4_PREFIX if ip.version == 4 else IPV6_PREFIX
    return str(ipaddress.ip_network((ip, prefix), strict=False))


def network_in_words(network):
    """Return a stored network the way a learner reads it: the known part of the address, then "x".

    Args:
        network: a network from ``ip_network``, e.g. "203.0.113.0/24" or "2001:db8:1::/48".

    Returns:
        e.g. "203.0.113.x" or "2001:db8:1:x"; "" for "" or text that is not such a network.
    """
    try:
        net = ipaddress.ip_network(network or "", strict=True)
    except ValueError:
        return ""
    if net.version == 4:
        if net.prefixlen != IPV4_PREFIX:
            return str(net)
        return str(net.network_address).rsplit(".", 1)[0] + ".x"
    if net.prefixlen != IPV6_PREFIX:
        return str(net)
    groups = net.network_address.exploded.split(":")[: IPV6_PREFIX // 16]
    return ":".join(group.lstrip("0") or "0" for group in groups) + ":x"
