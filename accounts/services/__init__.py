"""Writes of the accounts app, one module per part of it; every public service is importable from here.

- ``profiles``: the learner's profile, checked by the model's rules and audited;
- ``users``: making an account, and superusers' changes to an account in admin;
- ``signups``: signing up, confirmed by a link emailed to the address;
- ``sessions``: signed-in sessions, their activity, ending them;
- ``sign_in``: failed sign-ins and lock-outs;
- ``passwords``: the learner's password changes and resets, and securing sign-in after them;
- ``tokens``: personal access tokens for the REST API.
"""

from .passwords import password_changed, password_reset_completed, sign_in_change_tell, sign_in_secure
from .profiles import PROFILE_EDITABLE_FIELDS, profile_changes_validate, profile_regime_override, profile_update
from .sessions import (
    SIGNED_IN_AT_KEY,
    user_session_start,
    user_session_touch,
    user_sessions_end_others,
    user_sessions_prune,
    user_signed_out_record,
)
from .sign_in import login_failure_record, login_lockout_record, password_check, user_lockout_clear
from .signups import signup_confirm, signup_confirmations_prune, signup_request
from .tokens import (
    TOKEN_KEEP_ENDED_DAYS,
    TOKEN_LAST_USED_INTERVAL,
    TOKEN_LIFETIME_DAYS,
    personal_access_token_authenticate,
    personal_access_token_create,
    personal_access_token_digest,
    personal_access_token_revoke,
    personal_access_tokens_prune,
    personal_access_tokens_revoke_all,
)
from .users import account_change_refused_record, account_password_set, account_update, user_create

__all__ = [
    "PROFILE_EDITABLE_FIELDS",
    "SIGNED_IN_AT_KEY",
    "TOKEN_KEEP_ENDED_DAYS",
    "TOKEN_LAST_USED_INTERVAL",
    "TOKEN_LIFETIME_DAYS",
    "account_change_refused_record",
    "account_password_set",
    "account_update",
    "login_failure_record",
    "login_lockout_record",
    "password_changed",
    "password_check",
    "password_reset_completed",
    "personal_access_token_authenticate",
    "personal_access_token_create",
    "personal_access_token_digest",
    "personal_access_token_revoke",
    "personal_access_tokens_prune",
    "personal_access_tokens_revoke_all",
    "profile_changes_validate",
    "profile_regime_override",
    "profile_update",
    "sign_in_change_tell",
    "sign_in_secure",
    "signup_confirm",
    "signup_confirmations_prune",
    "signup_request",
    "user_create",
    "user_lockout_clear",
    "user_session_start",
    "user_session_touch",
    "user_sessions_end_others",
    "user_sessions_prune",
    "user_signed_out_record",
]
