"""What the Security tab tells about a session's device: a summary of its browser.

Only these summaries are stored; the raw User-Agent and the full IP address are not.
"""

import functools
import re

import ua_parser
from django.utils.translation import gettext

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


#: How ``user_agent_summary`` writes its two shapes (stored in English, e.g. on ``UserSession.user_agent``).
_SUMMARY = re.compile(r"^(?P<browser>.+) on (?P<system>[^,]+)$")


def user_agent_in_words(summary):
    """Return a stored ``user_agent_summary`` in the active language: "Chrome on Linux" → "Chrome en Linux".

    The browser's and system's names are products' names, the same in every language; "" stays "".
    """
    match = _SUMMARY.match(summary or "")
    if match is None:
        return summary
    if match["browser"] == "Unknown browser":
        return gettext("Unknown browser on %(system)s") % {"system": match["system"]}
    return gettext("%(browser)s on %(system)s") % {"browser": match["browser"], "system": match["system"]}
