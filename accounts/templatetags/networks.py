"""Template filters that show sign-in networks and devices in plain words."""

from django import template

from accounts.devices import user_agent_in_words
from learnerportal.addresses import network_in_words

register = template.Library()


@register.filter
def in_words(network):
    """Return ``network`` ("203.0.113.0/24") as a learner reads it ("203.0.113.x")."""
    return network_in_words(network)


@register.filter
def device_in_words(summary):
    """Return a session's stored device summary ("Firefox on Linux") in the reader's language."""
    return user_agent_in_words(summary)
