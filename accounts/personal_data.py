"""Personal-data declarations of the accounts app (see ``compliance.registry``)."""

import uuid

from axes.models import AccessAttempt
from django.conf import settings
from django.contrib.auth.hashers import make_password

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
)
from learnerportal.addresses import ip_network

from . import conf
from .devices import user_agent_summary
from .models import (
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

SUPPORT = "Our support staff and privacy officer, when handling your requests"
PARTNER = "The partner university or company running the course, only with your consent"
HOSTING = "Our hosting provider, as processor under GDPR Art. 28"
WHILE_ACCOUNT = WHILE_ACCOUNT_EXISTS
COOLOFF_MINUTES = int(settings.AXES_COOLOFF_TIME.total_seconds() // 60)


def _erased_username(user):
    return f"{User.ERASED_USERNAME_PREFIX}{uuid.uuid4().hex[:20]}"


def _erased_email(user):
    return f"erased-{uuid.uuid4().hex}@invalid.example"


TWO_FACTOR = Processing(Purpose.SECURITY, LawfulBasis.LEGITIMATE_INTERESTS)
WHILE_ON = "While two-factor authentication is on; deleted when you turn it off or erase your account"
#: django-otp's ThrottlingMixin fields, on every device that checks codes.
#: Bookkeeping of the sign-in's protection, not data to take elsewhere: left out of portable copies.
THROTTLING_FIELDS = {
    "throttling_failure_timestamp": PersonalField(
        Category.SECURITY, "When a wrong code was last entered", portable=False
    ),
    "throttling_failure_count": PersonalField(Category.SECURITY, "How many wrong codes in a row", portable=False),
}
MADE_AT_SETUP = "Made for you when you turn on two-factor authentication"

DECLARATIONS = [
    ModelDeclaration(
        model=User,
        subject_lookup="",
        description="Your account",
        fields={
            "username": PersonalField(Category.IDENTITY, "Your username, part of your profile's address"),
            "email": PersonalField(Category.CONTACT, "Your email address"),
            "password": PersonalField(Category.SECURITY, "A one-way hash of your password", exportable=False),
            "last_login": PersonalField(Category.SECURITY, "When you last signed in"),
            "date_joined": PersonalField(Category.USAGE, "When you created your account"),
        },
        export_name="account",
        other_fields=("id", "is_active", "is_staff", "is_superuser", "groups", "user_permissions"),
        processing=(ACCOUNT, SECURITY),
        retention=WHILE_ACCOUNT,
        recipients=(SUPPORT, HOSTING),
        source="You, when you signed up",
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
        description="Your profile",
        fields={
            "full_name": PersonalField(Category.IDENTITY, "Your full name"),
            "photo": PersonalField(Category.IDENTITY, "Your profile photo"),
            "bio": PersonalField(Category.IDENTITY, "What you wrote about yourself", free_text=True),
            # Never shown on the profile, never researched: the notice says what each is for.
            "phone": PersonalField(
                Category.CONTACT,
                "Your phone number",
                sensitive=True,
                purposes=(Purpose.ACCOUNT,),
                recipients=(SUPPORT, HOSTING),
            ),
            "date_of_birth": PersonalField(
                Category.IDENTITY,
                "Your date of birth",
                sensitive=True,
                purposes=(Purpose.CHILD_PROTECTION,),
                recipients=(SUPPORT, HOSTING),
            ),
            "country": PersonalField(Category.IDENTITY, "Your country", format="ISO 3166-1 alpha-2 country code"),
            "education_level": PersonalField(Category.EDUCATION, "Your highest level of education"),
            "occupation": PersonalField(Category.EDUCATION, "Your occupation"),
            "timezone": PersonalField(
                Category.PREFERENCE, "Your time zone", format="IANA time zone name, e.g. Europe/Madrid"
            ),
            "language": PersonalField(
                Category.PREFERENCE,
                "The language of your pages, our emails and your reports",
                format='Language code, e.g. "es"; empty when your browser\'s language is used',
            ),
            "created_at": PersonalField(Category.USAGE, "When your profile was created"),
            "updated_at": PersonalField(Category.USAGE, "When you last changed your profile"),
        },
        export_name="profile",
        other_fields=("id", "user"),
        processing=(ACCOUNT, PROFILE, PERSONALIZATION, RESEARCH, CHILD_PROTECTION),
        retention=WHILE_ACCOUNT,
        recipients=(
            "Other people, for the parts of your profile you make visible to them",
            SUPPORT,
            HOSTING,
        ),
        source="You, on the Account tab",
        erasure=Delete(),
    ),
    ModelDeclaration(
        model=Enrollment,
        subject_lookup="user",
        description="Your course enrollments, progress and grades",
        listed_by="enrolled_at",
        fields={
            "enrolled_at": PersonalField(Category.EDUCATION, "When you enrolled"),
            "progress_percent": PersonalField(
                Category.EDUCATION, "Your progress through the course, in percent", unit="percent"
            ),
            "grade_percent": PersonalField(Category.EDUCATION, "Your final grade, in percent", unit="percent"),
            "completed_at": PersonalField(Category.EDUCATION, "When you completed the course"),
            "course": PersonalField(Category.EDUCATION, "Which course"),
        },
        export_name="enrollments",
        other_fields=("id", "user"),
        processing=(COURSES, PERSONALIZATION, RESEARCH, PARTNERS),
        retention=WHILE_ACCOUNT,
        recipients=(PARTNER, SUPPORT, HOSTING),
        source="Your activity in courses and your teachers' grading",
        erasure=Delete(),
    ),
    ModelDeclaration(
        model=QuizResult,
        subject_lookup="enrollment__user",
        description="Your quiz results",
        listed_by="submitted_at",
        fields={
            "quiz_title": PersonalField(Category.EDUCATION, "Which quiz you took"),
            "score": PersonalField(Category.EDUCATION, "Your score", unit="points"),
            "max_score": PersonalField(Category.EDUCATION, "The quiz's maximum score", unit="points"),
            "submitted_at": PersonalField(Category.EDUCATION, "When you submitted it"),
            "enrollment": PersonalField(
                Category.EDUCATION, "The course it belongs to", export_name="course", format="the course's name (text)"
            ),
        },
        export_name="quiz_results",
        other_fields=("id",),
        processing=(COURSES, PERSONALIZATION, RESEARCH, PARTNERS),
        retention=WHILE_ACCOUNT,
        recipients=(PARTNER, SUPPORT, HOSTING),
        source="Your answers to course quizzes",
        erasure=Delete(),
    ),
    ModelDeclaration(
        model=Payment,
        subject_lookup="user",
        description="Your payments",
        listed_by="paid_at",
        fields={
            "amount": PersonalField(
                Category.FINANCIAL,
                "The amount you paid",
                unit="the currency in the column currency (49.90 with EUR is €49.90)",
            ),
            "currency": PersonalField(Category.FINANCIAL, "The currency", format="ISO 4217 currency code, e.g. EUR"),
            "paid_at": PersonalField(Category.FINANCIAL, "When you paid"),
            "method_summary": PersonalField(Category.FINANCIAL, "The payment method, e.g. “Visa ending 4242”"),
            "reference": PersonalField(Category.FINANCIAL, "The payment's reference number"),
            "course": PersonalField(Category.FINANCIAL, "The course you paid for"),
        },
        export_name="payments",
        other_fields=("id", "user"),
        processing=(
            Processing(Purpose.BILLING, LawfulBasis.CONTRACT),
            Processing(Purpose.BOOKKEEPING, LawfulBasis.LEGAL_OBLIGATION),
        ),
        retention="10 years after the payment, as tax and accounting law requires",
        recipients=("Our payment provider", "Our accountants and tax authorities, when the law requires", SUPPORT),
        source="You, when you paid, and our payment provider",
        erasure=Retain(
            reason=(
                "Accounting records must be kept for the statutory period (GDPR Art. 17(3)(b)); "
                "on erasure they stay linked only to an anonymised account, and the payment method is removed."
            ),
            strip={"method_summary": "(removed on erasure)"},
        ),
    ),
    ModelDeclaration(
        model=LearningEvent,
        subject_lookup="user",
        description="Your learning activity",
        listed_by="occurred_at",
        fields={
            "event_type": PersonalField(Category.USAGE, "What you did, e.g. played a video"),
            "occurred_at": PersonalField(Category.USAGE, "When you did it"),
            "course": PersonalField(Category.USAGE, "In which course"),
        },
        export_name="learning_activity",
        other_fields=("id", "user"),
        processing=(COURSES, PERSONALIZATION, RESEARCH),
        retention="24 months, then deleted; erased with your account",
        recipients=(SUPPORT, HOSTING),
        source="Your activity on the platform, recorded automatically",
        erasure=Delete(),
    ),
    ModelDeclaration(
        model=UserSession,
        subject_lookup="user",
        description="The devices you are signed in on",
        listed_by="last_seen_at",
        fields={
            "session": PersonalField(
                Category.SECURITY, "The key of the session cookie on that device", exportable=False
            ),
            "user_agent": PersonalField(
                Category.SECURITY, "The browser and system, e.g. “Firefox on Linux”", export_name="browser"
            ),
            "network": PersonalField(
                Category.SECURITY,
                "The network you signed in from: your IP address with its last part removed",
                format="IP network in CIDR notation, e.g. 203.0.113.0/24",
            ),
            "created_at": PersonalField(Category.SECURITY, "When you signed in"),
            "last_seen_at": PersonalField(Category.SECURITY, "When the session was last active"),
        },
        export_name="sessions",
        other_fields=("id", "user"),
        processing=(SECURITY,),
        retention="Until the session ends: you sign out, it expires, or you sign it out from another device",
        recipients=(HOSTING,),
        source="Your browser, each time you sign in and use the portal",
        erasure=Delete(),
    ),
    ModelDeclaration(
        model=PersonalAccessToken,
        subject_lookup="user",
        description="Your API tokens, for scripts and apps that use your account",
        listed_by="created_at",
        fields={
            "name": PersonalField(Category.SECURITY, "The name you gave the token"),
            "scope": PersonalField(Category.SECURITY, "What the token may do: read, or read and write"),
            "digest": PersonalField(
                Category.SECURITY, "A one-way hash of the token (the token itself is never stored)", exportable=False
            ),
            "hint": PersonalField(Category.SECURITY, "The token's first characters, to tell tokens apart"),
            "created_at": PersonalField(Category.SECURITY, "When you made the token"),
            "expires_at": PersonalField(Category.SECURITY, "When the token stops working"),
            "last_used_at": PersonalField(Category.SECURITY, "When the token was last used"),
            "revoked_at": PersonalField(Category.SECURITY, "When you revoked the token"),
        },
        export_name="api_tokens",
        other_fields=("id", "user"),
        processing=(ACCOUNT, SECURITY),
        retention="Until it expires or you revoke it, then 90 days so you can see what used your account; "
        "erased with your account",
        recipients=(HOSTING,),
        source="You, on the Security tab, and the API each time the token is used",
        erasure=Delete(),
    ),
    # A sign-up waiting for its link has no account yet; a copy or an erasure of an account
    # finds those made with its address (one made after the account, by someone else, or before
    # staff made the account).
    ModelDeclaration(
        model=SignupConfirmation,
        subject_lookup="email",
        subject_field="email",
        description="A sign-up waiting for you to confirm your email address",
        fields={
            "username": PersonalField(Category.IDENTITY, "The username chosen"),
            "email": PersonalField(Category.CONTACT, "The email address the confirmation link was sent to"),
            "password": PersonalField(
                Category.SECURITY, "A one-way hash of the password chosen (never the password)", exportable=False
            ),
            "digest": PersonalField(
                Category.SECURITY,
                "A one-way hash of the link's token (the link itself is never stored)",
                exportable=False,
            ),
            "created_at": PersonalField(Category.SECURITY, "When the sign-up was made"),
            "expires_at": PersonalField(Category.SECURITY, "When the link stops working"),
        },
        other_fields=("id",),
        processing=(ACCOUNT,),
        retention=(
            f"Until the link is used, or {conf.SIGNUP_CONFIRMATION_SECONDS // 3600} hours when it is not; then deleted"
        ),
        recipients=(HOSTING,),
        source="Whoever filled in the sign-up form with your email address",
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
        description="Failed attempts to sign in to your account",
        listed_by="attempt_time",
        fields={
            "username": PersonalField(Category.SECURITY, "Your username (whatever name or email was typed)"),
            # SECURITY: the attempts may be a stranger's; copies show their network, not their address.
            "ip_address": PersonalField(
                Category.SECURITY,
                "The IP address the attempts came from (copies of your data show only its network)",
                export_as=ip_network,
                export_name="network",
                format="IP network in CIDR notation, e.g. 203.0.113.0/24",
            ),
            "user_agent": PersonalField(
                Category.SECURITY,
                "The browser that made the attempts (copies of your data name only its kind, e.g. “Firefox on Linux”)",
                export_as=user_agent_summary,
                export_name="browser",
            ),
            "path_info": PersonalField(Category.SECURITY, "The page the attempts were made on", export_name="page"),
            "attempt_time": PersonalField(
                Category.SECURITY, "When the last attempt was made", export_name="last_attempt_at"
            ),
            "failures_since_start": PersonalField(
                Category.SECURITY, "How many attempts failed", export_name="failed_attempts", unit="attempts"
            ),
        },
        export_name="failed_sign_ins",
        other_fields=("id", "get_data", "post_data", "http_accept"),
        processing=(SECURITY,),
        retention=(
            f"Deleted once {COOLOFF_MINUTES} minutes (the lock-out period) have passed since the last "
            "failed attempt, at the next sign-in on the portal, or when you sign in; erased with your account"
        ),
        recipients=(SUPPORT, HOSTING),
        source="Whoever tried to sign in with your username or email address, and their browser",
        erasure=Delete(),
    ),
    ModelDeclaration(
        model=TOTPDevice,
        subject_lookup="user",
        description="Your authenticator app for two-factor sign-in",
        listed_by="created_at",
        fields={
            "name": PersonalField(Category.SECURITY, "The name of your authenticator device"),
            "confirmed": PersonalField(Category.SECURITY, "Whether you finished setting it up"),
            "key": PersonalField(
                Category.SECURITY, "The secret your app shares with us", exportable=False, sensitive=True
            ),
            "created_at": PersonalField(Category.SECURITY, "When you set it up"),
            "last_used_at": PersonalField(Category.SECURITY, "When you last signed in with it"),
            # The code check's own bookkeeping: in the access report, not in a portable copy.
            "last_t": PersonalField(
                Category.SECURITY, "The last time step used, to refuse replayed codes", portable=False
            ),
            "drift": PersonalField(Category.SECURITY, "How far your app's clock is off", portable=False),
        }
        | THROTTLING_FIELDS,
        other_fields=("id", "user", "step", "t0", "digits", "tolerance"),
        processing=(TWO_FACTOR,),
        retention=WHILE_ON,
        recipients=(),
        source="You, when you set up two-factor authentication",
        erasure=Delete(),
        export_name="authenticator_apps",
    ),
    ModelDeclaration(
        model=BackupCodeDevice,
        subject_lookup="user",
        description="Your set of backup codes",
        fields={
            "name": PersonalField(Category.SECURITY, "The name of the set"),
            "confirmed": PersonalField(Category.SECURITY, "Whether the set is active"),
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
        description="Your backup codes (only a one-way fingerprint of each is kept)",
        fields={
            "salt": PersonalField(Category.SECURITY, "Random data mixed into the fingerprint", exportable=False),
            "digest": PersonalField(Category.SECURITY, "A one-way fingerprint of the code", exportable=False),
            "used_at": PersonalField(Category.SECURITY, "When you used the code"),
        },
        other_fields=("id", "device"),
        processing=(TWO_FACTOR,),
        retention=WHILE_ON,
        recipients=(),
        source=MADE_AT_SETUP,
        erasure=Delete(),
        export_name="backup_codes",
    ),
]

#: Text in the course catalogue, about no learner, where staff may still write a learner's name:
#: the erasure receipt's scan searches it in every row.
SHARED_TEXT = [
    SharedText(Partner, ("name",), written_by="Platform staff"),
    SharedText(Course, ("slug", "title", "description"), written_by="Course staff"),
]
