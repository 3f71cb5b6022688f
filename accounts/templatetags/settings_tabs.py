"""The ``{% settings_tabs %}`` tag: the Settings tabs, rendered once per process for each open tab and language.

They depend only on which tab is open, the language and where the site is mounted, never on
who the learner is; every Settings page shows them, and writing their links (a URL reversed
each) cost a page such as the Privacy tab about a tenth of what it adds to the floor.
"""

import functools

from django import template
from django.conf import settings
from django.template.loader import render_to_string
from django.urls import get_script_prefix
from django.utils.translation import get_language

register = template.Library()


@register.simple_tag
def settings_tabs(tab):
    """Return the Settings tabs (``settings/_tab_links.html``) with ``tab`` open.

    Args:
        tab: "account", "privacy", "security" or "data"; any other value opens none.
    """
    if settings.DEBUG:
        return _rendered(tab)
    return _tabs(tab, get_language(), get_script_prefix())


# ``language`` and ``prefix`` are keys only: the active ones are what rendering reads.
@functools.lru_cache(maxsize=64)
def _tabs(tab, language, prefix):
    return _rendered(tab)


def _rendered(tab):
    return render_to_string("settings/_tab_links.html", {"tab": tab})
