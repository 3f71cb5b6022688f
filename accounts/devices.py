"""What the Security tab tells about a session's device: a browser summary and a network.

Only these summaries are stored; the raw User-Agent and the full IP address are not.
"""

import ipaddress
import re

#: (pattern, name) in the order they are tried: browsers built on Chrome also say
#: "Chrome" and "Safari", so the more specific names come first.
_BROWSERS = (
    (re.compile(r"\bEdg(?:e|A|iOS)?/"), "Edge"),
    (re.compile(r"\b(?:OPR|OPiOS)/|\bOpera\b"), "Opera"),
    (re.compile(r"\bSamsungBrowser/"), "Samsung Internet"),
    (re.compile(r"\bVivaldi/"), "Vivaldi"),
    (re.compile(r"\bYaBrowser/"), "Yandex Browser"),
    (re.compile(r"\b(?:Firefox|FxiOS)/"), "Firefox"),
    (re.compile(r"\bChromium/"), "Chromium"),
    (re.compile(r"\b(?:Chrome|HeadlessChrome|CriOS)/"), "Chrome"),
    (re.compile(r"\bVersion/[\d.]+.*\bSafari/"), "Safari"),
    (re.compile(r"\bTrident/|\bMSIE "), "Internet Explorer"),
)

#: (pattern, name) in the order they are tried: Android says "Linux", iOS says "Mac OS X".
_SYSTEMS = (
    (re.compile(r"\bWindows\b"), "Windows"),
    (re.compile(r"\biPad\b"), "iPadOS"),
    (re.compile(r"\b(?:iPhone|iPod)\b"), "iOS"),
    (re.compile(r"\bAndroid\b"), "Android"),
    (re.compile(r"\bCrOS\b"), "ChromeOS"),
    (re.compile(r"\bMac OS X\b|\bMacintosh\b"), "macOS"),
    (re.compile(r"\bLinux\b"), "Linux"),
)

#: Prefix lengths the network is truncated to: enough to recognise a provider or a
#: place, never a single household (the usual anonymisation of web analytics).
IPV4_PREFIX = 24
IPV6_PREFIX = 48


def _first_match(patterns, text):
    return next((name for pattern, name in patterns if pattern.search(text)), "")


def user_agent_summary(user_agent):
    """Return "<browser> on <system>" for a User-Agent header, e.g. "Firefox on Linux".

    Args:
        user_agent: the header's value; may be empty.

    Returns:
        the summary; just the browser, or "Unknown browser on <system>", when one
        part is not recognised; "" when neither is.
    """
    user_agent = (user_agent or "")[:1000]
    browser = _first_match(_BROWSERS, user_agent)
    system = _first_match(_SYSTEMS, user_agent)
    if browser and system:
        return f"{browser} on {system}"
    if system:
        return f"Unknown browser on {system}"
    return browser


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
