"""What the Security tab tells about a session's device: a browser summary and a network.

Only these summaries are stored; the raw User-Agent and the full IP address are not.
"""

import functools
import ipaddress

import ua_parser

#: ua-parser's browser families, by the name a learner reads. A family missing here
#: (a crawler, a command-line tool, a rare browser) reads as an unknown browser.
_BROWSERS = {
    "Edge": "Edge",
    "Edge Mobile": "Edge",
    "Opera": "Opera",
    "Opera GX": "Opera",
    "Opera Mini": "Opera",
    "Opera Mobile": "Opera",
    "Opera Tablet": "Opera",
    "Opera Touch": "Opera",
    "Samsung Internet": "Samsung Internet",
    "Vivaldi": "Vivaldi",
    "Yandex Browser": "Yandex Browser",
    "Firefox": "Firefox",
    "Firefox Alpha": "Firefox",
    "Firefox Beta": "Firefox",
    "Firefox Mobile": "Firefox",
    "Firefox iOS": "Firefox",
    "Chromium": "Chromium",
    "Chrome": "Chrome",
    "Chrome Mobile": "Chrome",
    "Chrome Mobile iOS": "Chrome",
    "Chrome Mobile WebView": "Chrome",
    "HeadlessChrome": "Chrome",
    "Safari": "Safari",
    "Mobile Safari": "Safari",
    "Mobile Safari UI/WKWebView": "Safari",
    "IE": "Internet Explorer",
    "IE Mobile": "Internet Explorer",
}

#: ua-parser's system families, by the name a learner reads; Linux distributions read
#: as "Linux". A family missing here reads as an unknown system.
_SYSTEMS = {
    "Windows": "Windows",
    "iOS": "iOS",
    "Android": "Android",
    "Chrome OS": "ChromeOS",
    "Mac OS X": "macOS",
    "Mac OS": "macOS",
    "Linux": "Linux",
    **dict.fromkeys(
        (
            "Arch Linux",
            "CentOS",
            "Debian",
            "Fedora",
            "Gentoo",
            "Kubuntu",
            "Linux Mint",
            "Lubuntu",
            "Mageia",
            "Mandriva",
            "openSUSE",
            "PCLinuxOS",
            "Red Hat",
            "Slackware",
            "SUSE",
            "Ubuntu",
        ),
        "Linux",
    ),
}

#: Prefix lengths the network is truncated to: enough to recognise a provider or a
#: place, never a single household (the usual anonymisation of web analytics).
IPV4_PREFIX = 24
IPV6_PREFIX = 48


@functools.cache
def _parser():
    # SECURITY: a parser without ua-parser's default cache, so no raw header stays in memory.
    return ua_parser.Parser(ua_parser.BasicResolver(ua_parser.load_builtins()))


def user_agent_summary(user_agent):
    """Return "<browser> on <system>" for a User-Agent header, e.g. "Firefox on Linux".

    The names come from ua-parser's families mapped through a fixed list, so no text
    of the header itself ever reaches the summary.

    Args:
        user_agent: the header's value; may be empty.

    Returns:
        the summary; just the browser, or "Unknown browser on <system>", when one
        part is not recognised; "" when neither is.
    """
    result = _parser().parse((user_agent or "")[:1000])
    browser = _BROWSERS.get(result.user_agent.family, "") if result.user_agent else ""
    system = _SYSTEMS.get(result.os.family, "") if result.os else ""
    if system == "iOS" and result.device and result.device.family == "iPad":
        system = "iPadOS"
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
