"""factory_boy factories for every model the tests create, recipes built from them, and image files.

One module for the tests of every app. It sits in the tests of ``learnerportal``,
the project's shell, which may import every app (the floors of DESIGN.md), so no
app's tests import another app's test helpers; import-linter leaves modules under
``tests`` out of its contracts, and pytest collects only ``test_*.py``. The
fixtures built on these are in the root ``conftest.py``.
"""

import datetime
import decimal
import importlib
import io
import os
import struct
import zlib

import factory
from axes.models import AccessAttempt, AccessFailureLog, AccessLog
from django.contrib.auth.models import Group, Permission
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from django_otp_webauthn.models import WebAuthnAttestation, WebAuthnCredential, WebAuthnUserHandle
from django_tasks_db.models import DBTaskResult
from PIL import Image

from accounts.models import (
    BackupCode,
    BackupCodeDevice,
    Course,
    Enrollment,
    LearningEvent,
    Partner,
    Payment,
    QuizResult,
    TOTPDevice,
    User,
)
from compliance.models import AuditEvent
from privacy.models import (
    Consent,
    PolicyAcknowledgement,
    PolicyVersion,
    ProcessingRestriction,
    ProcessingRun,
    ProfileVisibility,
)
from rights_requests import services as rr_services
from rights_requests.authorisations import authorisation_store
from rights_requests.deadlines import due_at_for
from rights_requests.models import Filer, PublicRequest, RequestEvent, RightsRequest, Status

PASSWORD = "correct-horse-battery-staple"


class UserFactory(factory.django.DjangoModelFactory):
    """A learner with ``PASSWORD`` and the profile the manager makes; ``profile__<field>=value`` fills it in."""

    class Meta:
        model = User
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"learner{n}")
    email = factory.LazyAttribute(lambda user: f"{user.username}@example.org")

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        return model_class.objects.create_user(*args, password=PASSWORD, **kwargs)

    @factory.post_generation
    def profile(user, create, extracted, **fields):
        if fields:
            for name, value in fields.items():
                setattr(user.profile, name, value)
            user.profile.save()


class PartnerFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Partner

    name = factory.Sequence(lambda n: f"Partner University {n}")
    kind = Partner.Kind.UNIVERSITY
    country = "PT"


class CourseFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Course

    slug = factory.Sequence(lambda n: f"course-{n}")
    title = factory.Sequence(lambda n: f"Course {n}")
    partner = factory.SubFactory(PartnerFactory)


class EnrollmentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Enrollment

    user = factory.SubFactory(UserFactory)
    course = factory.SubFactory(CourseFactory)
    progress_percent = 40


class QuizResultFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = QuizResult

    enrollment = factory.SubFactory(EnrollmentFactory)
    quiz_title = "Week 1"
    score = 7
    max_score = 10


class PaymentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Payment

    user = factory.SubFactory(UserFactory)
    course = factory.SubFactory(CourseFactory)
    amount = decimal.Decimal("49.00")
    currency = "EUR"
    method_summary = "Visa ending 4242"


class LearningEventFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = LearningEvent

    user = factory.SubFactory(UserFactory)
    course = factory.SubFactory(CourseFactory)
    event_type = LearningEvent.EventType.VIDEO_PLAYED


class TOTPDeviceFactory(factory.django.DjangoModelFactory):
    """A confirmed authenticator app (two-factor authentication on) with a random key."""

    class Meta:
        model = TOTPDevice

    user = factory.SubFactory(UserFactory)
    name = "Phone"
    confirmed = True


class BackupCodeDeviceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = BackupCodeDevice

    user = factory.SubFactory(UserFactory)
    name = "Backup codes"
    confirmed = True


class BackupCodeFactory(factory.django.DjangoModelFactory):
    """One unused backup code (its digest made up: no code typed in matches it)."""

    class Meta:
        model = BackupCode

    device = factory.SubFactory(BackupCodeDeviceFactory)
    salt = "salt"
    digest = "d" * 64


class PasskeyFactory(factory.django.DjangoModelFactory):
    """A passkey (django-otp-webauthn credential) with made-up key material: no device can sign for it.

    Tests that sign in with a passkey add one through the pages with ``support.SoftPasskey``.
    """

    class Meta:
        model = WebAuthnCredential
        skip_postgeneration_save = True

    user = factory.SubFactory(UserFactory)
    name = "Work laptop"
    confirmed = True
    credential_id = factory.LazyFunction(lambda: os.urandom(32))
    public_key = factory.LazyFunction(lambda: b"\xa5" + os.urandom(70))
    aaguid = "00000000-0000-0000-0000-000000000000"
    transports = factory.LazyFunction(lambda: ["internal"])

    @factory.post_generation
    def attested(passkey, create, extracted, **kwargs):
        """Give the passkey the attestation and user handle registering it stores."""
        if create:
            WebAuthnAttestation.objects.create(credential=passkey, fmt="none", data=b"\xa1", client_data_json=b"{}")
            WebAuthnUserHandle.get_handle_for_user(passkey.user)


class ProfileVisibilityFactory(factory.django.DjangoModelFactory):
    """Who sees each part of a learner's profile: every part private unless given."""

    class Meta:
        model = ProfileVisibility

    user = factory.SubFactory(UserFactory)


class ConsentFactory(factory.django.DjangoModelFactory):
    """An entry in the consent ledger, written directly (``consent_record`` is the service)."""

    class Meta:
        model = Consent

    user = factory.SubFactory(UserFactory)
    purpose = "research"
    granted = True
    policy_version = "2026-01"
    source = Consent.Source.SETTINGS


class PolicyVersionFactory(factory.django.DjangoModelFactory):
    """A draft of the privacy policy, in force from today (``policy_activate`` makes it active)."""

    class Meta:
        model = PolicyVersion

    kind = PolicyVersion.Kind.PRIVACY
    version = factory.Sequence(lambda n: f"2026-{n:04d}")
    effective_date = factory.LazyFunction(timezone.localdate)
    summary = "What changed, in a few words."
    text = "The full text."


class PolicyAcknowledgementFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = PolicyAcknowledgement

    user = factory.SubFactory(UserFactory)
    policy = factory.SubFactory(PolicyVersionFactory)


class ProcessingRunFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ProcessingRun

    kind = ProcessingRun.Kind.RESEARCH_EXPORT


class AuditEventFactory(factory.django.DjangoModelFactory):
    """An audit row written directly (``audit_record`` is the service); the subject acted on themselves."""

    class Meta:
        model = AuditEvent

    subject = factory.SubFactory(UserFactory)
    actor = factory.SelfAttribute("subject")
    action = AuditEvent.Action.SIGNED_IN


class RightsRequestFactory(factory.django.DjangoModelFactory):
    """A rights request created directly in ``status``, received now and due a month later (GDPR Art. 12(3)).

    A rejected one carries the reason the learner is told.
    """

    class Meta:
        model = RightsRequest

    reference = factory.Sequence(lambda n: f"DSR-TEST-{900_000 + n}")
    subject = factory.SubFactory(UserFactory)
    type = "access"
    status = Status.AWAITING_APPROVAL
    regime = "gdpr"
    received_at = factory.LazyFunction(timezone.now)
    due_at = factory.LazyAttribute(lambda request: due_at_for(request.received_at))
    decision_reason = factory.LazyAttribute(
        lambda request: "Refused in the test set-up." if request.status == Status.REJECTED else ""
    )


class AgentFilingFactory(factory.django.DjangoModelFactory):
    """The filing by which an authorised agent filed ``rights_request`` for its learner, verified by code.

    Made directly (with no authorisation file): the request is marked as filed by the agent too.
    ``AgentFilingFactory(rights_request=request)``.
    """

    class Meta:
        model = PublicRequest
        skip_postgeneration_save = True  # the hook updates the request, not the filing

    rights_request = factory.SubFactory(RightsRequestFactory)
    subject = factory.SelfAttribute("rights_request.subject")
    type = factory.SelfAttribute("rights_request.type")
    email = "ana.agent@example.net"
    learner_email = factory.SelfAttribute("subject.email")
    agent_name = "Ana Ruiz"
    filed_by = Filer.AGENT
    status = PublicRequest.Status.FILED
    language = "en-gb"
    created_at = factory.LazyFunction(timezone.now)
    verified_at = factory.LazyFunction(timezone.now)

    @factory.post_generation
    def mark_the_request(filing, create, extracted, **kwargs):
        RightsRequest.objects.filter(pk=filing.rights_request_id).update(filed_by=filing.filed_by)
        filing.rights_request.filed_by = filing.filed_by


class RequestEventFactory(factory.django.DjangoModelFactory):
    """A step in a request's life, written directly; it leaves the request in its current status."""

    class Meta:
        model = RequestEvent

    request = factory.SubFactory(RightsRequestFactory)
    action = RequestEvent.Action.SUBMITTED
    to_status = factory.SelfAttribute("request.status")


# Recipes: rows several tests need together.


def staff_group(name):
    """Return the staff group ``name`` (``StaffGroup``) as the data migrations define it.

    Transactional tests flush the database, data migrations' rows included, so the group is
    made again when missing: the whole set of ``accounts`` 0007, and what later migrations grant.
    """
    whole_set = importlib.import_module("accounts.migrations.0007_staff_group_permissions").STAFF_GROUPS
    later = [
        importlib.import_module(f"rights_requests.migrations.{migration}").GRANTS
        for migration in ("0023_request_statistics_permission", "0025_public_requests")
    ]
    group, created = Group.objects.get_or_create(name=name)
    if created:
        group.permissions.set(
            [
                # By codename alone: a model that moved to another app keeps its permissions' codenames.
                Permission.objects.get(codename=codename)
                for _app, codename in [*whole_set[name], *(grant for grants in later for grant in grants.get(name, []))]
            ]
        )
    return group


def staff_member(username, group, **fields):
    """Return a new staff member in the staff group ``group`` (``StaffGroup``), without two-factor authentication."""
    user = UserFactory(username=username, is_staff=True, **fields)
    user.groups.add(staff_group(group))
    return user


def seminars(user, count, *, completed=True):
    """Enroll ``user`` in ``count`` courses "Seminar 00", "Seminar 01" …, one a day, the last the newest.

    Enrolled from 100 days ago; each completed the day after its enrollment when
    ``completed``. For the "newest 20, then And N more" lists.
    """
    start = timezone.now() - datetime.timedelta(days=100)
    for n in range(count):
        EnrollmentFactory(
            user=user,
            course=CourseFactory(title=f"Seminar {n:02d}"),
            enrolled_at=start + datetime.timedelta(days=n),
            completed_at=start + datetime.timedelta(days=n + 1) if completed else None,
            progress_percent=100 if completed else 40,
        )


def fill_profile(user, **fields):
    """Give ``user``'s profile a full name, a bio and a country (Ghana), or ``fields`` instead; return the profile."""
    profile = user.profile
    for name, value in {
        "full_name": "Amara Okafor-Mensah",
        "bio": "Biology teacher learning to code.",
        "country": "GH",
        **fields,
    }.items():
        setattr(profile, name, value)
    profile.save()
    return profile


def set_audiences(user, **audiences):
    """Show each of ``user``'s profile parts named in ``audiences`` to its audience; the others stay as they were."""
    ProfileVisibility.objects.update_or_create(user=user, defaults=audiences)


def one_of_each(learner):
    """Return ``{model label: a saved instance}`` for every model in admin, made for (or about) ``learner``.

    Rows the portal makes itself are made through its services where that is short.
    """
    course = CourseFactory()
    request = rr_services.request_submit(
        actor=learner, subject=learner, request_type="restriction", details={"reason": "Checking my data"}
    )
    now = timezone.now()
    attempt = {
        "user_agent": "test",
        "ip_address": "127.0.0.1",
        "username": "x",
        "http_accept": "*/*",
        "path_info": "/accounts/login/",
    }
    return {
        "accounts.User": learner,
        "accounts.Profile": learner.profile,
        "accounts.Partner": PartnerFactory(),
        "accounts.Course": course,
        "accounts.Enrollment": EnrollmentFactory(user=learner, course=course),
        "accounts.Payment": PaymentFactory(user=learner, course=course, method_summary="Visa"),
        "auth.Group": Group.objects.first(),
        "axes.AccessAttempt": AccessAttempt.objects.create(failures_since_start=1, **attempt),
        "axes.AccessLog": AccessLog.objects.create(attempt_time=now, **attempt),
        "axes.AccessFailureLog": AccessFailureLog.objects.create(attempt_time=now, locked_out=False, **attempt),
        "compliance.AuditEvent": AuditEvent.objects.filter(subject=learner).first(),
        "privacy.ProcessingRestriction": ProcessingRestriction.objects.get(user=learner, lifted_at=None),
        "privacy.ProcessingRun": ProcessingRunFactory(kind=ProcessingRun.Kind.values[0]),
        "privacy.PolicyVersion": PolicyVersion.objects.first() or PolicyVersionFactory(version="2026-12"),
        "rights_requests.RightsRequest": request,
        # Filed without signing in, for a learner with no account, by an agent with a signed authorisation:
        # the requests the admin queue shows, with everything its page may show.
        "rights_requests.PublicRequest": agent_filing_without_account(now),
        "django_tasks_database.DBTaskResult": DBTaskResult.objects.create(
            args_kwargs={"args": [], "kwargs": {}},
            task_path="rights_requests.tasks.x",
            backend_name="default",
            run_after=now,
            exception_class_path="",
            traceback="",
        ),
    }


def agent_filing_without_account(now):
    """Return a request an agent filed, verified by code, for an address no account has; its authorisation stored."""
    filing = PublicRequest.objects.create(
        email="nobody@example.net",
        type="access",
        language="en-gb",
        status=PublicRequest.Status.NO_ACCOUNT,
        created_at=now,
        verified_at=now,
        filed_by=Filer.AGENT,
        agent_name="Ana Ruiz",
        learner_email="someone@example.net",
    )
    authorisation_store(public_request=filing, uploaded=authorisation_pdf())
    return filing


#: What the public profile of ``learner_with_every_field()`` shows when each part is visible: a text no other part
#: produces.
MARKERS = {
    "full_name": "Ada Lovelace-Byron",
    "photo": "/photo/",
    "bio": "Maps the sea floor for fun",
    "country": "Portugal",
    "education": "Cartographer",
    "courses": "Orbital Mechanics",
    "accomplishments": "Completed Cartography 101",
}
#: ``learner_with_every_field()``'s data never shown to anyone but the owner. The date of birth is listed in each form
#: a page or the API could print it; a bare "1990" would also match the microseconds of a timestamp.
NEVER_SHOWN = [
    "ada@example.org",
    "+351 912 345 678",
    "1990-05-17",
    "17 May 1990",
    "May 17, 1990",
    "17/05/1990",
    "Lisbon time",
]


def learner_with_every_field():
    """Return learner "ada", every part of her profile filled in (``MARKERS``, ``NEVER_SHOWN``) and all private."""
    user = UserFactory(
        username="ada",
        profile__full_name=MARKERS["full_name"],
        profile__bio=MARKERS["bio"],
        profile__country="PT",
        profile__education_level="master",
        profile__occupation=MARKERS["education"],
        profile__phone="+351 912 345 678",
        profile__date_of_birth=datetime.date(1990, 5, 17),
        profile__timezone="Europe/Lisbon",
        profile__language="en-gb",
        profile__photo=photo_file(),
    )
    EnrollmentFactory(user=user, course=CourseFactory(title="Orbital Mechanics"))
    EnrollmentFactory(
        user=user,
        course=CourseFactory(title="Cartography 101"),
        progress_percent=100,
        completed_at=timezone.now() - datetime.timedelta(days=2),
    )
    return user


# Image files for photo uploads. The large ones are built without holding their pixels in memory.


def image_file(image_format, size, mode="RGB", **options):
    """Return the bytes of a one-colour image of ``size`` (width, height) in ``image_format`` (Pillow's names)."""
    colour = {"RGB": (200, 120, 40), "RGBA": (200, 120, 40, 128), "CMYK": (10, 80, 160, 20), "P": 0}[mode]
    buffer = io.BytesIO()
    Image.new(mode, size, colour).save(buffer, format=image_format, **options)
    return buffer.getvalue()


def photo_file(size=(40, 40)):
    """Return a JPEG of ``size`` to store as a profile photo: ``UserFactory(profile__photo=photo_file())``."""
    return ContentFile(image_file("JPEG", size), name="face.jpg")


def authorisation_pdf(name="authorisation.pdf", padding=0):
    """Return a small PDF, as a browser uploads it, standing for a signed authorisation (``padding`` bytes longer)."""
    body = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\n" + b"%" * padding + b"\ntrailer << /Root 1 0 R >>\n%%EOF\n"
    return SimpleUploadedFile(name, body, content_type="application/pdf")


def jpeg_in_many_scans(scans, size=(600, 400)):
    """Return a progressive JPEG of ``size`` whose last scan is repeated until it has ``scans`` scans.

    libjpeg goes over the whole image once a scan: 10,000 scans of 26 bytes took 77 s of CPU.
    """
    data = image_file("JPEG", size, progressive=True)
    last = data.rindex(b"\xff\xda")
    extra = scans - data.count(b"\xff\xda")
    return data[:-2] + data[last:-2] * extra + b"\xff\xd9"


def jpeg_in_separate_scans(width, height):
    """Return a sequential (not progressive) CMYK JPEG of black pixels, each colour in a scan of its own.

    Hand-made, as no encoder at hand writes one: one Huffman code of 1 bit, so each 8 × 8
    block takes 2 bits. libjpeg keeps all the coefficients of such a JPEG, as of a progressive one.
    """

    def segment(marker, body):
        return bytes([0xFF, marker]) + (len(body) + 2).to_bytes(2, "big") + body

    one_code = bytes([1] + [0] * 15) + bytes(1)  # counts of codes by length: one of 1 bit, for symbol 0
    blocks = (width // 8) * (height // 8)
    return b"".join(
        [
            b"\xff\xd8",
            segment(0xDB, bytes(1) + bytes([1]) * 64),  # quantisation table 0
            segment(
                0xC0,
                bytes([8])
                + height.to_bytes(2, "big")
                + width.to_bytes(2, "big")
                + bytes([4])
                + b"".join(bytes([c, 0x11, 0]) for c in range(1, 5)),
            ),
            segment(0xC4, bytes([0x00]) + one_code + bytes([0x10]) + one_code),  # DC and AC Huffman tables 0
            *(segment(0xDA, bytes([1, c, 0x00, 0, 63, 0])) + bytes(blocks * 2 // 8) for c in range(1, 5)),
            b"\xff\xd9",
        ]
    )


def png_file(width, height, *, alpha=False, with_pixels=True, damaged=False):
    """Return a PNG of ``width`` × ``height`` black pixels, built a row at a time (tiny, however large).

    Without pixels, only the header and the end: enough for an image library to judge its size.
    Damaged, every chunk is well-formed but the pixel data is not compressed data at all.
    """

    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", width, height, 8, 6 if alpha else 2, 0, 0, 0)
    pixels = b""
    if with_pixels:
        compressor = zlib.compressobj(1)
        row = bytes(1 + width * (4 if alpha else 3))  # filter byte 0, then the samples
        pixels = b"".join(compressor.compress(row) for _ in range(height)) + compressor.flush()
    if damaged:
        pixels = b"not deflate data" * 64
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + (chunk(b"IDAT", pixels) if with_pixels else b"")
        + chunk(b"IEND", b"")
    )
