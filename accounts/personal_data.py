"""Personal-data declarations of the accounts app (see ``compliance.registry``)."""

import uuid

from axes.models import AccessAttempt
from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.utils.translation import gettext, gettext_noop
from django_otp_webauthn.models import WebAuthnAttestation, WebAuthnCredential, WebAuthnUserHandle

from compliance.registry import (
    WHILE_ACCOUNT_EXISTS,
    Anonymize,
    Category,
    Delete,
    LawfulBasis,
    ModelDeclaration,
    PersonalField,
    Processing,
    Purpose,
    Retain,
    SharedText,
    Worded,
)
from learnerportal.addresses import ip_network

from . import conf
from .devices import user_agent_in_words, user_agent_summary
from .models import (
    AccountRecovery,
    BackupCode,
    BackupCodeDevice,
    Course,
    Enrollment,
    LearningEvent,
    Partner,
    Payment,
    PersonalAccessToken,
    Profile,
    QuizResult,
    SignupConfirmation,
    TOTPDevice,
    User,
    UserSession,
)

ACCOUNT = Processing(Purpose.ACCOUNT, LawfulBasis.CONTRACT)
COURSES = Processing(Purpose.COURSE_DELIVERY, LawfulBasis.CONTRACT)
SECURITY = Processing(Purpose.SECURITY, LawfulBasis.LEGITIMATE_INTERESTS)
PROFILE = Processing(Purpose.PROFILE_SHARING, LawfulBasis.CONSENT)
PERSONALIZATION = Processing(Purpose.PERSONALIZATION, LawfulBasis.CONSENT)
RESEARCH = Processing(Purpose.RESEARCH, LawfulBasis.CONSENT)
PARTNERS = Processing(Purpose.PARTNER_SHARING, LawfulBasis.CONSENT)
CHILD_PROTECTION = Processing(Purpose.CHILD_PROTECTION, LawfulBasis.LEGAL_OBLIGATION)

SUPPORT = gettext_noop("Our support staff and privacy officer, when handling your requests")
PARTNER = gettext_noop("The partner university or company running the course, only with your consent")
HOSTING = gettext_noop("Our hosting provider, as processor under GDPR Art. 28")
WHILE_ACCOUNT = WHILE_ACCOUNT_EXISTS
COOLOFF_MINUTES = int(settings.AXES_COOLOFF_TIME.total_seconds() // 60)


def _name_in_words(device):
    """Return a second factor's name as the learner reads it: the portal's own names translated."""
    return gettext(device.name) if device.name else ""


def _erased_username(user):
    return f"{User.ERASED_USERNAME_PREFIX}{uuid.uuid4().hex[:20]}"


def _erased_email(user):
    return f"erased-{uuid.uuid4().hex}@invalid.example"


TWO_FACTOR = Processing(Purpose.SECURITY, LawfulBasis.LEGITIMATE_INTERESTS)
WHILE_ON = gettext_noop("While two-factor authentication is on; deleted when you turn it off or erase your account")
#: django-otp's ThrottlingMixin fields, on every device that checks codes.
#: Bookkeeping of the sign-in's protection, not data to take elsewhere: left out of portable copies.
THROTTLING_FIELDS = {
    "throttling_failure_timestamp": PersonalField(
        Category.SECURITY, gettext_noop("When a wrong code was last entered"), portable=False
    ),
    "throttling_failure_count": PersonalField(
        Category.SECURITY, gettext_noop("How many wrong codes in a row"), portable=False
    ),
}
MADE_AT_SETUP = gettext_noop("Made for you when you turn on two-factor authentication")


def _browser_in_words(row):
    """Return a row's kind of browser ("Chrome on Linux", stored or given by ``export_as``) in the reader's words."""
    return user_agent_in_words(row.user_agent)


DECLARATIONS = [
    ModelDeclaration(
        model=User,
        subject_lookup="",
        description=gettext_noop("Your account"),
        fields={
            "username": PersonalField(Category.IDENTITY, gettext_noop("Your username, part of your profile's address")),
            "email": PersonalField(Category.CONTACT, gettext_noop("Your email address")),
            "password": PersonalField(
                Category.SECURITY,
                gettext_noop("A one-way hash of your password"),
                exportable=False,
                sensitive_personal_information=True,
            ),
            "last_login": PersonalField(Category.SECURITY, gettext_noop("When you last signed in")),
            "date_joined": PersonalField(Category.USAGE, gettext_noop("When you created your account")),
        },
        export_name="account",
        other_fields=("id", "is_active", "is_staff", "is_superuser", "groups", "user_permissions"),
        processing=(ACCOUNT, SECURITY),
        retention=WHILE_ACCOUNT,
        recipients=(SUPPORT, HOSTING),
        source=gettext_noop("You, when you signed up"),
        # The row stays (payments must keep pointing at something) but says nothing about you.
        erasure=Anonymize(
            {
                "username": _erased_username,
                "email": _erased_email,
                "password": lambda user: make_password(None),
                "last_login": None,
            }
        ),
    ),
    ModelDeclaration(
        model=Profile,
        subject_lookup="user",
        description=gettext_noop("Your profile"),
        fields={
            "full_name": PersonalField(Category.IDENTITY, gettext_noop("Your full name")),
            "photo": PersonalField(Category.IDENTITY, gettext_noop("Your profile photo")),
            "bio": PersonalField(Category.IDENTITY, gettext_noop("What you wrote about yourself"), free_text=True),
            # Never shown on the profile, never researched: the notice says what each is for.
            "phone": PersonalField(
                Category.CONTACT,
                gettext_noop("Your phone number"),
                sensitive=True,
                purposes=(Purpose.ACCOUNT,),
                recipients=(SUPPORT, HOSTING),
            ),
            "date_of_birth": PersonalField(
                Category.IDENTITY,
                gettext_noop("Your date of birth"),
                sensitive=True,
                purposes=(Purpose.CHILD_PROTECTION,),
                recipients=(SUPPORT, HOSTING),
            ),
            "country": PersonalField(
                Category.IDENTITY, gettext_noop("Your country"), format=gettext_noop("ISO 3166-1 alpha-2 country code")
            ),
            "us_state": PersonalField(
                Category.IDENTITY,
                gettext_noop("Your state, if you live in the United States: it decides which law protects your data"),
                format=gettext_noop("Two-letter US postal code, e.g. CA"),
            ),
            "regime_override": PersonalField(
                Category.PREFERENCE,
                gettext_noop("The data-protection law our staff recorded for you, when not the one of your country"),
                format=gettext_noop('"gdpr", "uk_gdpr", "ccpa", "lgpd" or "default" (our standard); empty if none'),
            ),
            "regime_override_reason": PersonalField(
                Category.PREFERENCE,
                gettext_noop("Why our staff recorded that law for you"),
                free_text=True,
            ),
            "education_level": PersonalField(Category.EDUCATION, gettext_noop("Your highest level of education")),
            "occupation": PersonalField(Category.EDUCATION, gettext_noop("Your occupation")),
            "timezone": PersonalField(
                Category.PREFERENCE,
                gettext_noop("Your time zone"),
                format=gettext_noop("IANA time zone name, e.g. Europe/Madrid"),
            ),
            "language": PersonalField(
                Category.PREFERENCE,
                gettext_noop("The language of your pages, our emails and your reports"),
                format=gettext_noop('Language code, e.g. "es"; empty when your browser\'s language is used'),
            ),
            "created_at": PersonalField(Category.USAGE, gettext_noop("When your profile was created")),
            "updated_at": PersonalField(Category.USAGE, gettext_noop("When you last changed your profile")),
        },
        export_name="profile",
        other_fields=("id", "user"),
        processing=(ACCOUNT, PROFILE, PERSONALIZATION, RESEARCH, CHILD_PROTECTION),
        retention=WHILE_ACCOUNT,
        recipients=(
            gettext_noop("Other people, for the parts of your profile you make visible to them"),
            SUPPORT,
            HOSTING,
        ),
        source=gettext_noop("You, on the Account tab"),
        erasure=Delete(),
    ),
    ModelDeclaration(
        model=Enrollment,
        subject_lookup="user",
        description=gettext_noop("Your course enrollments, progress and grades"),
        listed_by="enrolled_at",
        fields={
            "enrolled_at": PersonalField(Category.EDUCATION, gettext_noop("When you enrolled")),
            "progress_percent": PersonalField(
                Category.EDUCATION,
                gettext_noop("Your progress through the course, in percent"),
                unit=gettext_noop("percent"),
            ),
            "grade_percent": PersonalField(
                Category.EDUCATION, gettext_noop("Your final grade, in percent"), unit=gettext_noop("percent")
            ),
            "completed_at": PersonalField(Category.EDUCATION, gettext_noop("When you completed the course")),
            "course": PersonalField(Category.EDUCATION, gettext_noop("Which course")),
        },
        export_name="enrollments",
        other_fields=("id", "user"),
        processing=(COURSES, PERSONALIZATION, RESEARCH, PARTNERS),
        retention=WHILE_ACCOUNT,
        recipients=(PARTNER, SUPPORT, HOSTING),
        source=gettext_noop("Your activity in courses and your teachers' grading"),
        erasure=Delete(),
    ),
    ModelDeclaration(
        model=QuizResult,
        subject_lookup="enrollment__user",
        description=gettext_noop("Your quiz results"),
        listed_by="submitted_at",
        fields={
            "quiz_title": PersonalField(Category.EDUCATION, gettext_noop("Which quiz you took")),
            "score": PersonalField(Category.EDUCATION, gettext_noop("Your score"), unit=gettext_noop("points")),
            "max_score": PersonalField(
                Category.EDUCATION, gettext_noop("The quiz's maximum score"), unit=gettext_noop("points")
            ),
            "submitted_at": PersonalField(Category.EDUCATION, gettext_noop("When you submitted it")),
            "enrollment": PersonalField(
                Category.EDUCATION,
                gettext_noop("The course it belongs to"),
                export_name="course",
                format=gettext_noop("the course's name (text)"),
            ),
        },
        export_name="quiz_results",
        other_fields=("id",),
        processing=(COURSES, PERSONALIZATION, RESEARCH, PARTNERS),
        retention=WHILE_ACCOUNT,
        recipients=(PARTNER, SUPPORT, HOSTING),
        source=gettext_noop("Your answers to course quizzes"),
        erasure=Delete(),
    ),
    ModelDeclaration(
        model=Payment,
        subject_lookup="user",
        description=gettext_noop("Your payments"),
        listed_by="paid_at",
        fields={
            "amount": PersonalField(
                Category.FINANCIAL,
                gettext_noop("The amount you paid"),
                unit=gettext_noop("the currency in the column currency (49.90 with EUR is €49.90)"),
            ),
            "currency": PersonalField(
                Category.FINANCIAL,
                gettext_noop("The currency"),
                format=gettext_noop("ISO 4217 currency code, e.g. EUR"),
            ),
            "paid_at": PersonalField(Category.FINANCIAL, gettext_noop("When you paid")),
            "method_summary": PersonalField(
                Category.FINANCIAL, gettext_noop("The payment method, e.g. “Visa ending 4242”")
            ),
            "reference": PersonalField(Category.FINANCIAL, gettext_noop("The payment's reference number")),
            "course": PersonalField(Category.FINANCIAL, gettext_noop("The course you paid for")),
        },
        export_name="payments",
        other_fields=("id", "user"),
        processing=(
            Processing(Purpose.BILLING, LawfulBasis.CONTRACT),
            Processing(Purpose.BOOKKEEPING, LawfulBasis.LEGAL_OBLIGATION),
        ),
        retention=gettext_noop("10 years after the payment, as tax and accounting law requires"),
        recipients=(
            gettext_noop("Our payment provider"),
            gettext_noop("Our accountants and tax authorities, when the law requires"),
            SUPPORT,
        ),
        source=gettext_noop("You, when you paid, and our payment provider"),
        erasure=Retain(
            reason=gettext_noop(
                "Accounting records must be kept for the statutory period (GDPR Art. 17(3)(b)); "
                "on erasure they stay linked only to an anonymised account, and the payment method is removed."
            ),
            strip={"method_summary": "(removed on erasure)"},
        ),
    ),
    ModelDeclaration(
        model=LearningEvent,
        subject_lookup="user",
        description=gettext_noop("Your learning activity"),
        listed_by="occurred_at",
        fields={
            "event_type": PersonalField(Category.USAGE, gettext_noop("What you did, e.g. played a video")),
            "occurred_at": PersonalField(Category.USAGE, gettext_noop("When you did it")),
            "course": PersonalField(Category.USAGE, gettext_noop("In which course")),
        },
        export_name="learning_activity",
        other_fields=("id", "user"),
        processing=(COURSES, PERSONALIZATION, RESEARCH),
        retention=gettext_noop("24 months, then deleted; erased with your account"),
        recipients=(SUPPORT, HOSTING),
        source=gettext_noop("Your activity on the platform, recorded automatically"),
        erasure=Delete(),
    ),
    ModelDeclaration(
        model=UserSession,
        subject_lookup="user",
        description=gettext_noop("The devices you are signed in on"),
        listed_by="last_seen_at",
        fields={
            "session": PersonalField(
                Category.SECURITY, gettext_noop("The key of the session cookie on that device"), exportable=False
            ),
            "user_agent": PersonalField(
                Category.SECURITY,
                gettext_noop("The browser and system, e.g. “Firefox on Linux”"),
                export_name="browser",
                in_words=_browser_in_words,
            ),
            "network": PersonalField(
                Category.SECURITY,
                gettext_noop("The network you signed in from: your IP address with its last part removed"),
                format=gettext_noop("IP network in CIDR notation, e.g. 203.0.113.0/24"),
            ),
            "created_at": PersonalField(Category.SECURITY, gettext_noop("When you signed in")),
            "last_seen_at": PersonalField(Category.SECURITY, gettext_noop("When the session was last active")),
        },
        export_name="sessions",
        other_fields=("id", "user"),
        processing=(SECURITY,),
        retention=gettext_noop(
            "Until the session ends: you sign out, it expires, or you sign it out from another device"
        ),
        recipients=(HOSTING,),
        source=gettext_noop("Your browser, each time you sign in and use the portal"),
        erasure=Delete(),
    ),
    ModelDeclaration(
        model=PersonalAccessToken,
        subject_lookup="user",
        description=gettext_noop("Your API tokens, for scripts and apps that use your account"),
        listed_by="created_at",
        fields={
            "name": PersonalField(Category.SECURITY, gettext_noop("The name you gave the token")),
            "scope": PersonalField(Category.SECURITY, gettext_noop("What the token may do: read, or read and write")),
            "digest": PersonalField(
                Category.SECURITY,
                gettext_noop("A one-way hash of the token (the token itself is never stored)"),
                exportable=False,
                sensitive_personal_information=True,
            ),
            "hint": PersonalField(
                Category.SECURITY, gettext_noop("The token's first characters, to tell tokens apart")
            ),
            "created_at": PersonalField(Category.SECURITY, gettext_noop("When you made the token")),
            "expires_at": PersonalField(Category.SECURITY, gettext_noop("When the token stops working")),
            "last_used_at": PersonalField(Category.SECURITY, gettext_noop("When the token was last used")),
            "revoked_at": PersonalField(Category.SECURITY, gettext_noop("When you revoked the token")),
        },
        export_name="api_tokens",
        other_fields=("id", "user"),
        processing=(ACCOUNT, SECURITY),
        retention=gettext_noop(
            "Until it expires or you revoke it, then 90 days so you can see what used your account; "
            "erased with your account"
        ),
        recipients=(HOSTING,),
        source=gettext_noop("You, on the Security tab, and the API each time the token is used"),
        erasure=Delete(),
    ),
    # A sign-up waiting for its link has no account yet; a copy or an erasure of an account
    # finds those made with its address (one made after the account, by someone else, or before
    # staff made the account).
    ModelDeclaration(
        model=SignupConfirmation,
        subject_lookup="email",
        subject_field="email",
        description=gettext_noop("A sign-up waiting for you to confirm your email address"),
        fields={
            "username": PersonalField(Category.IDENTITY, gettext_noop("The username chosen")),
            "email": PersonalField(
                Category.CONTACT, gettext_noop("The email address the confirmation link was sent to")
            ),
            "password": PersonalField(
                Category.SECURITY,
                gettext_noop("A one-way hash of the password chosen (never the password)"),
                exportable=False,
                sensitive_personal_information=True,
            ),
            "digest": PersonalField(
                Category.SECURITY,
                gettext_noop("A one-way hash of the link's token (the link itself is never stored)"),
                exportable=False,
            ),
            "created_at": PersonalField(Category.SECURITY, gettext_noop("When the sign-up was made")),
            "expires_at": PersonalField(Category.SECURITY, gettext_noop("When the link stops working")),
        },
        other_fields=("id",),
        processing=(ACCOUNT,),
        # Its number is the setting's: the sentence is formatted in the reader's language when read.
        retention=Worded(
            gettext_noop("Until the link is used, or {hours} hours when it is not; then deleted"),
            hours=conf.SIGNUP_CONFIRMATION_SECONDS // 3600,
        ),
        recipients=(HOSTING,),
        source=gettext_noop("Whoever filled in the sign-up form with your email address"),
        erasure=Delete(),
    ),
    # django-axes writes only AccessAttempt with our settings: its access log is off
    # (AXES_DISABLE_ACCESS_LOG) and so are its failure log and attempt expirations.
    # Declare AccessLog / AccessFailureLog / AccessAttemptExpiration before turning those on.
    # get_data, post_data and http_accept are always empty: accounts.signals.failed_sign_in_minimise
    # blanks them before every save (a form may hold a mistyped password).
    ModelDeclaration(
        model=AccessAttempt,
        subject_lookup="username",
        subject_field="username",
        description=gettext_noop("Failed attempts to sign in to your account"),
        listed_by="attempt_time",
        fields={
            "username": PersonalField(
                Category.SECURITY, gettext_noop("Your username (whatever name or email was typed)")
            ),
            # SECURITY: the attempts may be a stranger's; copies show their network, not their address.
            "ip_address": PersonalField(
                Category.SECURITY,
                gettext_noop("The IP address the attempts came from (copies of your data show only its network)"),
                export_as=ip_network,
                export_name="network",
                format=gettext_noop("IP network in CIDR notation, e.g. 203.0.113.0/24"),
            ),
            "user_agent": PersonalField(
                Category.SECURITY,
                gettext_noop(
                    "The browser that made the attempts "
                    "(copies of your data name only its kind, e.g. “Firefox on Linux”)"
                ),
                export_as=user_agent_summary,
                export_name="browser",
                in_words=_browser_in_words,
            ),
            "path_info": PersonalField(
                Category.SECURITY, gettext_noop("The page the attempts were made on"), export_name="page"
            ),
            "attempt_time": PersonalField(
                Category.SECURITY, gettext_noop("When the last attempt was made"), export_name="last_attempt_at"
            ),
            "failures_since_start": PersonalField(
                Category.SECURITY,
                gettext_noop("How many attempts failed"),
                export_name="failed_attempts",
                unit=gettext_noop("attempts"),
            ),
        },
        export_name="failed_sign_ins",
        other_fields=("id", "get_data", "post_data", "http_accept"),
        processing=(SECURITY,),
        retention=Worded(
            gettext_noop(
                "Deleted once {minutes} minutes (the lock-out period) have passed since the last failed attempt, "
                "at the next sign-in on the portal, or when you sign in; erased with your account"
            ),
            minutes=COOLOFF_MINUTES,
        ),
        recipients=(SUPPORT, HOSTING),
        source=gettext_noop("Whoever tried to sign in with your username or email address, and their browser"),
        erasure=Delete(),
    ),
    ModelDeclaration(
        model=TOTPDevice,
        subject_lookup="user",
        description=gettext_noop("Your authenticator app for two-factor sign-in"),
        listed_by="created_at",
        fields={
            "name": PersonalField(
                Category.SECURITY, gettext_noop("The name of your authenticator device"), in_words=_name_in_words
            ),
            "confirmed": PersonalField(Category.SECURITY, gettext_noop("Whether you finished setting it up")),
            "key": PersonalField(
                Category.SECURITY,
                gettext_noop("The secret your app shares with us"),
                exportable=False,
                sensitive=True,
                sensitive_personal_information=True,
            ),
            "created_at": PersonalField(Category.SECURITY, gettext_noop("When you set it up")),
            "last_used_at": PersonalField(Category.SECURITY, gettext_noop("When you last signed in with it")),
            # The code check's own bookkeeping: in the access report, not in a portable copy.
            "last_t": PersonalField(
                Category.SECURITY, gettext_noop("The last time step used, to refuse replayed codes"), portable=False
            ),
            "drift": PersonalField(Category.SECURITY, gettext_noop("How far your app's clock is off"), portable=False),
        }
        | THROTTLING_FIELDS,
        other_fields=("id", "user", "step", "t0", "digits", "tolerance"),
        processing=(TWO_FACTOR,),
        retention=WHILE_ON,
        recipients=(),
        source=gettext_noop("You, when you set up two-factor authentication"),
        erasure=Delete(),
        export_name="authenticator_apps",
    ),
    ModelDeclaration(
        model=BackupCodeDevice,
        subject_lookup="user",
        description=gettext_noop("Your set of backup codes"),
        fields={
            "name": PersonalField(Category.SECURITY, gettext_noop("The name of the set"), in_words=_name_in_words),
            "confirmed": PersonalField(Category.SECURITY, gettext_noop("Whether the set is active")),
        }
        | THROTTLING_FIELDS,
        other_fields=("id", "user"),
        processing=(TWO_FACTOR,),
        retention=WHILE_ON,
        recipients=(),
        source=MADE_AT_SETUP,
        erasure=Delete(),
        export_name="backup_code_sets",
    ),
    ModelDeclaration(
        model=BackupCode,
        subject_lookup="device__user",
        description=gettext_noop("Your backup codes (only a one-way fingerprint of each is kept)"),
        fields={
            "salt": PersonalField(
                Category.SECURITY, gettext_noop("Random data mixed into the fingerprint"), exportable=False
            ),
            "digest": PersonalField(
                Category.SECURITY,
                gettext_noop("A one-way fingerprint of the code"),
                exportable=False,
                sensitive_personal_information=True,
            ),
            "used_at": PersonalField(Category.SECURITY, gettext_noop("When you used the code")),
        },
        other_fields=("id", "device"),
        processing=(TWO_FACTOR,),
        retention=WHILE_ON,
        recipients=(),
        source=MADE_AT_SETUP,
        erasure=Delete(),
        export_name="backup_codes",
    ),
    ModelDeclaration(
        model=AccountRecovery,
        subject_lookup="user",
        description=gettext_noop("Recoveries of your account without its second factors"),
        listed_by="requested_at",
        fields={
            "status": PersonalField(
                Category.SECURITY, gettext_noop("Where the recovery is: link emailed, waiting, cancelled or completed")
            ),
            "requested_at": PersonalField(Category.SECURITY, gettext_noop("When the recovery link was emailed")),
            "started_at": PersonalField(Category.SECURITY, gettext_noop("When the link was followed")),
            "completes_at": PersonalField(Category.SECURITY, gettext_noop("When the waiting period ends")),
            "ended_at": PersonalField(Category.SECURITY, gettext_noop("When it was cancelled or completed")),
            "setup_asked_at": PersonalField(
                Category.SECURITY,
                gettext_noop("When you were asked to set up two-factor authentication again"),
                portable=False,
            ),
        },
        other_fields=("id", "user"),
        processing=(SECURITY,),
        # Its number is the setting's: the sentence is formatted in the reader's language when read.
        retention=Worded(
            gettext_noop(
                "While it runs, then {days} days after it is cancelled or completed (or its link expired unused); "
                "then deleted, and erased with your account. Your account activity keeps each step."
            ),
            days=conf.RECOVERY_KEEP_DAYS,
        ),
        recipients=(HOSTING,),
        source=gettext_noop(
            "Whoever signed in with your password and asked for it, and whoever followed the link emailed to you"
        ),
        erasure=Delete(),
        export_name="account_recoveries",
    ),
    # Passkeys: django-otp-webauthn's models, declared here because accounts owns every second factor.
    # A copy lists each passkey by its name and dates; the key material (public key, credential id and its
    # hash, the authenticator's attestation) identifies the authenticator to us and is of no use elsewhere.
    ModelDeclaration(
        model=WebAuthnCredential,
        subject_lookup="user",
        description=gettext_noop("Your passkeys for two-factor sign-in"),
        listed_by="created_at",
        fields={
            "name": PersonalField(Category.SECURITY, gettext_noop("The name you gave the passkey")),
            "created_at": PersonalField(Category.SECURITY, gettext_noop("When you added it")),
            "last_used_at": PersonalField(Category.SECURITY, gettext_noop("When you last signed in with it")),
            "confirmed": PersonalField(Category.SECURITY, gettext_noop("Whether it may be used"), portable=False),
            "credential_id": PersonalField(
                Category.SECURITY, gettext_noop("The passkey's identifier, chosen by your device"), exportable=False
            ),
            "credential_id_sha256": PersonalField(
                Category.SECURITY, gettext_noop("A one-way fingerprint of the passkey's identifier"), exportable=False
            ),
            "public_key": PersonalField(
                Category.SECURITY,
                gettext_noop("The passkey's public key, which checks its signatures"),
                exportable=False,
            ),
            "aaguid": PersonalField(
                Category.SECURITY,
                gettext_noop("The make of the device holding the passkey, if it told"),
                exportable=False,
            ),
            "sign_count": PersonalField(
                Category.SECURITY,
                gettext_noop("How many times the device says it signed, against copies"),
                exportable=False,
            ),
            "transports": PersonalField(
                Category.SECURITY,
                gettext_noop("How your browser reaches the device (USB, internal …)"),
                exportable=False,
            ),
            "discoverable": PersonalField(
                Category.SECURITY, gettext_noop("Whether the device keeps the passkey itself"), exportable=False
            ),
            "backup_eligible": PersonalField(
                Category.SECURITY, gettext_noop("Whether the passkey may be backed up"), exportable=False
            ),
            "backup_state": PersonalField(
                Category.SECURITY, gettext_noop("Whether the passkey is backed up"), exportable=False
            ),
        },
        other_fields=("id", "user", "credential_type"),
        processing=(TWO_FACTOR,),
        retention=WHILE_ON,
        recipients=(),
        source=gettext_noop("You and your device, when you added the passkey"),
        erasure=Delete(),
        export_name="passkeys",
    ),
    ModelDeclaration(
        model=WebAuthnAttestation,
        subject_lookup="credential__user",
        description=gettext_noop("What your device declared when you added a passkey"),
        fields={
            "fmt": PersonalField(Category.SECURITY, gettext_noop("The kind of declaration"), exportable=False),
            "data": PersonalField(
                Category.SECURITY, gettext_noop("The declaration, holding the passkey's public key"), exportable=False
            ),
            "client_data_json": PersonalField(
                Category.SECURITY,
                gettext_noop("What your browser signed: this site's address and a challenge"),
                exportable=False,
            ),
        },
        other_fields=("id", "credential"),
        processing=(TWO_FACTOR,),
        retention=WHILE_ON,
        recipients=(),
        source=gettext_noop("Your device, when you added the passkey"),
        erasure=Delete(),
        export_name="passkey_attestations",
    ),
    ModelDeclaration(
        model=WebAuthnUserHandle,
        subject_lookup="user",
        description=gettext_noop("The random number your passkeys know your account by"),
        fields={
            "handle_hex": PersonalField(
                Category.SECURITY,
                gettext_noop("A random number, not your username, given to your devices"),
                exportable=False,
            ),
        },
        other_fields=("user",),
        processing=(TWO_FACTOR,),
        retention=WHILE_ACCOUNT,
        recipients=(),
        source=gettext_noop("Made for you when you first add a passkey"),
        erasure=Delete(),
        export_name="passkey_user_handles",
    ),
]

#: Text in the course catalogue, about no learner, where staff may still write a learner's name:
#: the erasure receipt's scan searches it in every row.
SHARED_TEXT = [
    SharedText(Partner, ("name",), written_by=gettext_noop("Platform staff")),
    SharedText(Course, ("slug", "title", "description"), written_by=gettext_noop("Course staff")),
]

#: The sentences above, and the phrases the admin records for the learner's account activity (what staff
#: viewed, what they tried), as staff read them (``compliance.registry.in_staff_words``), marked for the catalogs.
STAFF_WORDING = (
    gettext_noop("The learner's account"),
    gettext_noop("The learner's profile"),
    gettext_noop("The learner's course enrollments, progress and grades"),
    gettext_noop("The learner's quiz results"),
    gettext_noop("The learner's payments"),
    gettext_noop("The learner's learning activity"),
    gettext_noop("The devices the learner is signed in on"),
    gettext_noop("The learner's API tokens, for scripts and apps that use the learner's account"),
    gettext_noop("A sign-up waiting for the learner to confirm the learner's email address"),
    gettext_noop("Failed attempts to sign in to the learner's account"),
    gettext_noop("The learner's authenticator app for two-factor sign-in"),
    gettext_noop("The learner's set of backup codes"),
    gettext_noop("The learner's backup codes (only a one-way fingerprint of each is kept)"),
    gettext_noop("Recoveries of the learner's account without its second factors"),
    gettext_noop("The learner's passkeys for two-factor sign-in"),
    gettext_noop("What the learner's device declared when the learner added a passkey"),
    gettext_noop("The random number the learner's passkeys know the learner's account by"),
    # The admin's views and refused attempts (``access_view_name``, ``account_change_refused_record``).
    gettext_noop("the learner's account and profile"),
    gettext_noop("the learner's account"),
    gettext_noop("the learner's country and the data-protection law that applies to the learner"),
    gettext_noop("a course enrollment of the learner's"),
    gettext_noop("a payment of the learner's"),
    gettext_noop("failed sign-in attempts on the learner's account"),
    gettext_noop("change the learner's account details"),
    gettext_noop("delete the learner's account"),
    gettext_noop("set the learner's password"),
)
