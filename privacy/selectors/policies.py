"""Versions of the privacy policy: the one in force, and whether a learner must confirm their choices under it."""

from django.db.models import Exists, OuterRef

from .. import conf
from ..models import (
    PolicyAcknowledgement,
    PolicyVersion,
)


def active_privacy_policy():
    """Return the active ``PolicyVersion`` of the privacy policy, or None."""
    return PolicyVersion.objects.filter(kind=PolicyVersion.Kind.PRIVACY, status=PolicyVersion.Status.ACTIVE).first()


def current_policy_version():
    """Return the version consents given now refer to: the active privacy policy's, else ``PRIVACY_POLICY_VERSION``."""
    policy = active_privacy_policy()
    return policy.version if policy else conf.POLICY_VERSION


def policy_confirmation_due(user):
    """Return the active privacy policy ``user`` has not confirmed yet, or None.

    One query (the policy and whether the learner confirmed it): the policy middleware asks on
    every page view. An account made after the policy became active signed up under it (the
    sign-up page links to the notice): it has nothing to confirm.
    """
    policy = (
        PolicyVersion.objects.filter(kind=PolicyVersion.Kind.PRIVACY, status=PolicyVersion.Status.ACTIVE)
        .annotate(confirmed=Exists(PolicyAcknowledgement.objects.filter(user=user, policy=OuterRef("pk"))))
        .first()
    )
    if policy is None or policy.confirmed:
        return None
    if policy.activated_at and user.date_joined >= policy.activated_at:
        return None
    return policy
