"""Template filters that show sign-in networks in plain words."""

from django import template

from learnerportal.addresses import network_in_words

register = template.Library()


@register.filter
def in_words(network):
    """Return ``network`` ("203.0.113.0/24") as a learner reads it ("203.0.113.x")."""
    return network_in_words(network)
