"""Personal access tokens for the REST API: made, used, revoked and pruned."""

import datetime
import hashlib
import secrets

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext

from compliance.models import AuditEvent
from compliance.services import audit_record

from ..models import PersonalAccessToken

#: Lifetimes a learner may choose for a token, in days.
TOKEN_LIFETIME_DAYS = (30, 90, 365)
#: A token's "last used" time is written at most this often, in seconds.
TOKEN_LAST_USED_INTERVAL = 60
#: Ended (expired or revoked) tokens stay listed this many days, then are deleted.
TOKEN_KEEP_ENDED_DAYS = 90


def personal_access_token_digest(raw_token):
    """Return the hex SHA-256 digest under which ``raw_token`` is stored.

    A fast hash suffices: tokens carry 256 random bits, so there is nothing to guess.
    """
    return hashlib.sha256(raw_token.encode()).hexdigest()


@transaction.atomic
def personal_access_token_create(*, actor, user, name, scope, lifetime_days):
    """Make a personal access token for ``user`` and return it, in clear, this once.

    Args:
        actor: who makes it (the learner themself).
        user: whose account the token acts for.
        name: what it is for, 1–60 characters.
        scope: a ``PersonalAccessToken.Scope`` value.
        lifetime_days: one of ``TOKEN_LIFETIME_DAYS``.

    Returns:
        ``(token, raw_token)``: the saved ``PersonalAccessToken`` and the token
        text (``lpat_…``), which is not stored and cannot be shown again.

    Raises:
        django.core.exceptions.ValidationError: bad name, scope or lifetime.
    """
    if lifetime_days not in TOKEN_LIFETIME_DAYS:
        raise ValidationError({"lifetime_days": gettext("Choose 30, 90 or 365 days.")}, code="invalid_lifetime")
    raw_token = PersonalAccessToken.PREFIX + secrets.token_urlsafe(32)
    now = timezone.now()
    token = PersonalAccessToken(
        user=user,
        name=name.strip(),
        scope=scope,
        digest=personal_access_token_digest(raw_token),
        hint=raw_token[:12],
        created_at=now,
        expires_at=now + datetime.timedelta(days=lifetime_days),
    )
    token.full_clean()
    token.save()
    audit_record(
        actor=actor,
        subject=user,
        action=AuditEvent.Action.API_TOKEN_CREATED,
        changes={"token": token.hint, "scope": token.scope, "expires_in_days": lifetime_days},
    )
    return token, raw_token


@transaction.atomic
def personal_access_token_revoke(*, actor, token):
    """Revoke ``token`` at once: the next request that presents it is refused.

    Returns:
        the token; unchanged if it was already revoked.
    """
    token = PersonalAccessToken.objects.select_for_update().get(pk=token.pk)
    if token.revoked_at is not None:
        return token
    token.revoked_at = timezone.now()
    token.save(update_fields=["revoked_at"])
    audit_record(
        actor=actor, subject=token.user, action=AuditEvent.Action.API_TOKEN_REVOKED, changes={"token": token.hint}
    )
    return token


@transaction.atomic
def personal_access_tokens_revoke_all(*, actor, user):
    """Revoke every one of ``user``'s tokens not yet revoked, each recorded in the audit log.

    For the moments the account is secured again (password changed or reset, two-factor
    authentication turned on): whoever had the password may have made tokens, and a token
    outlives the sessions that are ended then.

    Returns:
        how many tokens were revoked (expired ones included, so none can come back).
    """
    tokens = list(PersonalAccessToken.objects.filter(user=user, revoked_at__isnull=True))
    for token in tokens:
        personal_access_token_revoke(actor=actor, token=token)
    return len(tokens)


def personal_access_token_authenticate(raw_token):
    """Return the usable token whose text is ``raw_token``, noting its use; None if there is none.

    None for a malformed, unknown, revoked or expired token, or one whose owner's
    account is inactive. ``last_used_at`` is written at most once a minute per token.

    Returns:
        ``PersonalAccessToken`` with ``user`` and its profile loaded, or None.
    """
    if not isinstance(raw_token, str) or not raw_token.startswith(PersonalAccessToken.PREFIX) or len(raw_token) > 100:
        return None
    token = (
        PersonalAccessToken.objects.select_related("user__profile")
        .filter(digest=personal_access_token_digest(raw_token))
        .first()
    )
    now = timezone.now()
    if token is None or not token.is_usable(now) or not token.user.is_active:
        return None
    if token.last_used_at is None or (now - token.last_used_at).total_seconds() >= TOKEN_LAST_USED_INTERVAL:
        PersonalAccessToken.objects.filter(pk=token.pk).update(last_used_at=now)
        token.last_used_at = now
    return token


def personal_access_tokens_prune(*, user=None):
    """Delete tokens that expired or were revoked more than ``TOKEN_KEEP_ENDED_DAYS`` days ago.

    The retention the registry declares for tokens (storage limitation, GDPR Art. 5(1)(e)):
    run for everyone daily (``manage.py api_tokens_prune``), and for one learner when they
    open their Security tab.

    Args:
        user: whose tokens; None for every account's.

    Returns:
        how many were deleted.
    """
    limit = timezone.now() - datetime.timedelta(days=TOKEN_KEEP_ENDED_DAYS)
    tokens = PersonalAccessToken.objects.filter(Q(revoked_at__lt=limit) | Q(expires_at__lt=limit))
    deleted, _ = (tokens if user is None else tokens.filter(user=user)).delete()
    return deleted
