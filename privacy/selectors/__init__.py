"""Reads of the privacy app, one module per part of it; every public read is importable from here.

- ``visibility``: who may see each part of a profile, and the profile a viewer sees;
- ``age``: the digital age of consent (GDPR Art. 8(1));
- ``consents``: the consent ledger, objections, restriction of processing, the processing gate ``may_process``;
- ``policies``: privacy-policy versions and their confirmation;
- ``public_profiles``: the public profile each class of viewer sees, from the shared cache, and its lists in pages;
- ``overview``: the Privacy tab's safeguards, privacy at a glance, the privacy checkup.
"""

from .age import (
    below_digital_consent_age,
    chosen_before_consent_age,
    digital_consent_birthday,
)
from .consents import (
    OBJECTION_FINAL_PURPOSES,
    SALE_OPT_OUT_MONTHS,
    SALE_PURPOSES,
    ConsentHistory,
    ConsentState,
    active_restriction,
    consent_counts,
    consent_history,
    consent_history_recent,
    consent_state,
    consent_states,
    may_process,
    objected_for_good,
    restrictions_in_force,
    restrictions_of,
    sale_opt_out_until,
    sensitive_use_limited,
)
from .overview import (
    CHECKUP_DISMISSED_SESSION_KEY,
    Safeguards,
    privacy_at_a_glance,
    privacy_checkup_due,
    safeguards_of,
)
from .policies import (
    active_privacy_policy,
    current_policy_version,
    policy_confirmation_due,
)
from .public_profiles import (
    access_learner_list,
    access_public_profile,
    learner_accomplishments,
    learner_courses,
    public_answer_keys,
    public_answer_read,
    public_answer_write,
)
from .visibility import (
    PROFILE_LIST_LENGTH,
    Accomplishment,
    Course,
    VisibleProfile,
    access_learner_photo,
    access_learner_profile,
    audiences_for_viewer,
    audiences_in_force,
    fields_visible_to,
    list_length_asked,
    profile_for_audiences,
    profile_visibility_of,
    profile_visible_to,
    public_chosen_before_consent_age,
    visibility_change_description,
)

__all__ = [
    "CHECKUP_DISMISSED_SESSION_KEY",
    "OBJECTION_FINAL_PURPOSES",
    "PROFILE_LIST_LENGTH",
    "SALE_OPT_OUT_MONTHS",
    "SALE_PURPOSES",
    "Accomplishment",
    "ConsentHistory",
    "ConsentState",
    "Course",
    "Safeguards",
    "VisibleProfile",
    "access_learner_list",
    "access_learner_photo",
    "access_learner_profile",
    "access_public_profile",
    "active_privacy_policy",
    "active_restriction",
    "audiences_for_viewer",
    "audiences_in_force",
    "below_digital_consent_age",
    "chosen_before_consent_age",
    "consent_counts",
    "consent_history",
    "consent_history_recent",
    "consent_state",
    "consent_states",
    "current_policy_version",
    "digital_consent_birthday",
    "fields_visible_to",
    "learner_accomplishments",
    "learner_courses",
    "list_length_asked",
    "may_process",
    "objected_for_good",
    "policy_confirmation_due",
    "privacy_at_a_glance",
    "privacy_checkup_due",
    "profile_for_audiences",
    "profile_visibility_of",
    "profile_visible_to",
    "public_answer_keys",
    "public_answer_read",
    "public_answer_write",
    "public_chosen_before_consent_age",
    "restrictions_in_force",
    "restrictions_of",
    "safeguards_of",
    "sale_opt_out_until",
    "sensitive_use_limited",
    "visibility_change_description",
]
