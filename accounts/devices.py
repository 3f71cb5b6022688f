"""What the Security tab tells about a session's device: a summary of its browser.

Only these summaries are stored; the raw User-Agent and the full IP address are not.
"""

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
