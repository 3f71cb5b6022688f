"""Personal-data declarations of the accounts app (see ``privacy.registry``)."""

import uuid

from django.contrib.auth.hashers import make_password

from privacy.registry import (
    Anonymize,
    Category,
    Delete,
    LawfulBasis,
    ModelDeclaration,
    PersonalField,
    Processing,
    Purpose,
    Retain,
)

from .models import Enrollment, LearningEvent, Payment, Profile, QuizResult, User

ACCOUNT = Processing(Purpose.ACCOUNT, LawfulBasis.CONTRACT)
COURSES = Processing(Purpose.COURSE_DELIVERY, LawfulBasis.CONTRACT)
SECURITY = Processing(Purpose.SECURITY, LawfulBasis.LEGITIMATE_INTERESTS)
PROFILE = Processing(Purpose.PROFILE_SHARING, LawfulBasis.CONSENT)
PERSONALIZATION = Processing(Purpose.PERSONALIZATION, LawfulBasis.CONSENT)
RESEARCH = Processing(Purpose.RESEARCH, LawfulBasis.CONSENT)
PARTNERS = Processing(Purpose.PARTNER_SHARING, LawfulBasis.CONSENT)

SUPPORT = "Our support staff and privacy officer, when handling your requests"
PARTNER = "The partner university or company running the course, only with your consent"
HOSTING = "Our hosting provider, as processor under GDPR Art. 28"
WHILE_ACCOUNT = "While your account exists; erased with it"


def _erased_username(user):
    return f"erased-{uuid.uuid4().hex[:20]}"


def _erased_email(user):
    return f"erased-{uuid.uuid4().hex}@invalid.example"


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
            "bio": PersonalField(Category.IDENTITY, "What you wrote about yourself"),
            "phone": PersonalField(Category.CONTACT, "Your phone number"),
            "date_of_birth": PersonalField(Category.IDENTITY, "Your date of birth"),
            "country": PersonalField(Category.IDENTITY, "Your country"),
            "education_level": PersonalField(Category.EDUCATION, "Your highest level of education"),
            "occupation": PersonalField(Category.EDUCATION, "Your occupation"),
            "timezone": PersonalField(Category.PREFERENCE, "Your time zone"),
            "created_at": PersonalField(Category.USAGE, "When your profile was created"),
            "updated_at": PersonalField(Category.USAGE, "When you last changed your profile"),
        },
        other_fields=("id", "user"),
        processing=(ACCOUNT, PROFILE, PERSONALIZATION, RESEARCH),
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
        fields={
            "enrolled_at": PersonalField(Category.EDUCATION, "When you enrolled"),
            "progress_percent": PersonalField(Category.EDUCATION, "Your progress through the course, in percent"),
            "grade_percent": PersonalField(Category.EDUCATION, "Your final grade, in percent"),
            "completed_at": PersonalField(Category.EDUCATION, "When you completed the course"),
        },
        other_fields=("id", "user", "course"),
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
        fields={
            "quiz_title": PersonalField(Category.EDUCATION, "Which quiz you took"),
            "score": PersonalField(Category.EDUCATION, "Your score"),
            "max_score": PersonalField(Category.EDUCATION, "The quiz's maximum score"),
            "submitted_at": PersonalField(Category.EDUCATION, "When you submitted it"),
        },
        other_fields=("id", "enrollment"),
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
        fields={
            "amount": PersonalField(Category.FINANCIAL, "The amount you paid"),
            "currency": PersonalField(Category.FINANCIAL, "The currency"),
            "paid_at": PersonalField(Category.FINANCIAL, "When you paid"),
            "method_summary": PersonalField(Category.FINANCIAL, "The payment method, e.g. “Visa ending 4242”"),
            "reference": PersonalField(Category.FINANCIAL, "The payment's reference number"),
        },
        other_fields=("id", "user", "course"),
        processing=(
            Processing(Purpose.BILLING, LawfulBasis.CONTRACT),
            Processing(Purpose.BILLING, LawfulBasis.LEGAL_OBLIGATION),
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
        fields={
            "event_type": PersonalField(Category.USAGE, "What you did, e.g. played a video"),
            "occurred_at": PersonalField(Category.USAGE, "When you did it"),
        },
        other_fields=("id", "user", "course"),
        processing=(COURSES, PERSONALIZATION, RESEARCH),
        retention="24 months, then deleted; erased with your account",
        recipients=(SUPPORT, HOSTING),
        source="Your activity on the platform, recorded automatically",
        erasure=Delete(),
    ),
]
