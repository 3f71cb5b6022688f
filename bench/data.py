"""The benchmark's data set, loaded with PostgreSQL COPY and reused between runs.

What it holds (``DATASET_VERSION`` names this shape; a run that finds another
version, or none, drops the benchmark database's rows and loads it again):

- 20 partners, 2,000 courses;
- ``bench-big``: 1,000 enrollments, 100,000 learning events, 2,000 quiz results,
  24 payments, a consent history; every profile field public;
- ``bench-double``: the same doubled (2,000 enrollments, 200,000 events, …);
- ``bench-small``: 5 enrollments, 100 events, the same settings otherwise;
- ``bench-viewer``: another learner, who looks at profiles;
- ``bench-staff``: a support agent with a confirmed authenticator;
- 20,000 other learners and the admin queue: 100,000 rights requests (5 per learner,
  each of another type, so the one-open-request-per-type constraint holds), 15 % open,
  each with its "received" event.

Erasure is measured on a fresh copy of ``bench-big``'s data each run
(``erasure_subject_create``), since erasing is for good; and again in a second database,
``<bench database>_tenfold`` (``tenfold_load``): a copy of this one with ten times the learners
(200,000 more accounts with profiles, each with a bio) and ten times the learning events,
made once with ``INSERT … SELECT`` over ``generate_series`` and reused.
"""

import datetime
import io
import json
import random
import uuid

from django.contrib.auth.models import Group
from django.db import connection, transaction
from django.utils import timezone

from accounts.models import Course, Enrollment, LearningEvent, Partner, Payment, Profile, QuizResult, TOTPDevice, User
from compliance.models import TRUNCATE_ALLOWED_SETTING, StaffGroup
from compliance.search import SearchTokensField
from learnerportal.encryption import EncryptedFieldMixin
from privacy.models import CONSENT_PURPOSES, Audience, Consent, PolicyAcknowledgement, PolicyVersion, ProfileVisibility
from rights_requests.handlers import registered
from rights_requests.models import OPEN_STATUSES, RequestEvent, RightsRequest, Status

DATASET_VERSION = "2"
PARTNERS = 20
COURSES = 2_000
QUEUE_LEARNERS = 20_000
REQUESTS_PER_LEARNER = 5
BIG = {"enrollments": 1_000, "events": 100_000, "quizzes_per_enrollment": 2, "payments": 24}
SMALL = {"enrollments": 5, "events": 100, "quizzes_per_enrollment": 2, "payments": 2}
#: An unusable password hash: benchmark accounts sign in through sessions made by the benchmark.
NO_PASSWORD = "!bench-no-password"  # noqa: S105 - not a password: "!" marks the hash unusable
EVENT_TYPES = [choice.value for choice in LearningEvent.EventType]
CLOSED = [Status.COMPLETED] * 12 + [Status.REJECTED] * 2 + [Status.WITHDRAWN] * 3


def _text(value):
    """Return ``value`` in COPY's text format (tab-separated, ``\\N`` for NULL)."""
    if value is None:
        return r"\N"
    if isinstance(value, bool):
        return "t" if value else "f"
    if isinstance(value, datetime.datetime | datetime.date):
        return value.isoformat()
    if isinstance(value, dict | list):
        value = json.dumps(value)
    return str(value).replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n").replace("\r", "\\r")


def copy_rows(model, rows):
    """Load ``rows`` (dicts by field name) into ``model``'s table with COPY; return how many.

    Fields a row leaves out get the model field's default (``auto_now`` ones: now),
    so that a field added to a model later does not break the loader; encrypted
    fields are encrypted on the way in, and their blind indexes written.
    """
    now = timezone.now()
    fields = [f for f in model._meta.concrete_fields if not f.primary_key or not f.auto_created]
    buffer = io.StringIO()
    count = 0
    for row in rows:
        values = []
        for field in fields:
            if field.name in row:
                value = row[field.name]
            elif field.attname in row:
                value = row[field.attname]
            elif getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False):
                value = now
            else:
                value = field.get_default()
            if isinstance(field, SearchTokensField):
                # The blind index of the row's encrypted text, as a save writes it (without it, the
                # erasure scan would decrypt every row).
                plain = row.get(field.source)
                value = "{" + ",".join(map(str, field.tokens_of(plain))) + "}" if plain not in (None, "") else None
            elif isinstance(field, EncryptedFieldMixin):
                value = field.get_db_prep_value(value, connection)  # a Fernet token, as the model stores it
            values.append(_text(value))
        buffer.write("\t".join(values) + "\n")
        count += 1
    buffer.seek(0)
    columns = ", ".join(connection.ops.quote_name(f.column) for f in fields)
    with connection.cursor() as cursor:
        cursor.copy_expert(f"COPY {connection.ops.quote_name(model._meta.db_table)} ({columns}) FROM STDIN", buffer)
    return count


def dataset_version():
    """Return the version of the loaded data set, or None."""
    with connection.cursor() as cursor:
        cursor.execute("CREATE TABLE IF NOT EXISTS bench_dataset (version text NOT NULL, loaded_at timestamptz)")
        cursor.execute("SELECT version FROM bench_dataset")
        row = cursor.fetchone()
    return row[0] if row else None


def _learner(username, *, rng):
    user = User.objects.create_user(username, f"{username}@example.org")
    user.password = NO_PASSWORD
    user.save(update_fields=["password"])
    Profile.objects.filter(user=user).update(
        full_name=f"{username.title()} Benchmark",
        bio="Learning how fast this portal is.",
        country="PT",
        education_level="master",
        occupation="Engineer",
        phone=f"+351 210 {user.pk:06d}",  # each its own: the erasure receipt's scan looks for it
    )
    return user


def learning_history_create(user, *, courses, enrollments, events, quizzes_per_enrollment, payments, rng):
    """Give ``user`` ``enrollments`` enrollments (one per course), ``events`` events and the rest, with COPY."""
    now = timezone.now()
    chosen = courses[:enrollments]
    copy_rows(
        Enrollment,
        (
            {
                "user_id": user.pk,
                "course_id": course_id,
                "enrolled_at": now - datetime.timedelta(days=700 - i % 700, minutes=i),
                "progress_percent": 100 if i % 3 == 0 else (i * 7) % 100,
                "grade_percent": f"{60 + i % 40}.50" if i % 3 == 0 else None,
                "completed_at": now - datetime.timedelta(days=i % 300) if i % 3 == 0 else None,
            }
            for i, course_id in enumerate(chosen)
        ),
    )
    enrollment_ids = list(Enrollment.objects.filter(user=user).order_by("pk").values_list("pk", flat=True))
    copy_rows(
        QuizResult,
        (
            {
                "enrollment_id": enrollment_id,
                "quiz_title": f"Quiz {n + 1}",
                "score": 5 + (enrollment_id + n) % 6,
                "max_score": 10,
                "submitted_at": now - datetime.timedelta(days=n + 1),
            }
            for enrollment_id in enrollment_ids
            for n in range(quizzes_per_enrollment)
        ),
    )
    copy_rows(
        LearningEvent,
        (
            {
                "user_id": user.pk,
                "course_id": chosen[i % len(chosen)],
                "event_type": EVENT_TYPES[i % len(EVENT_TYPES)],
                "occurred_at": now - datetime.timedelta(seconds=600 * i + rng.randrange(600)),
            }
            for i in range(events)
        ),
    )
    copy_rows(
        Payment,
        (
            {
                "user_id": user.pk,
                "course_id": chosen[i % len(chosen)],
                "amount": "49.00",
                "currency": "EUR",
                "paid_at": now - datetime.timedelta(days=30 * i + 1),
                "method_summary": "Visa ending 4242",
                "reference": uuid.uuid4(),
            }
            for i in range(payments)
        ),
    )


def _open_to_all(user, policy):
    ProfileVisibility.objects.create(
        user=user, reviewed_at=timezone.now(), **dict.fromkeys(ProfileVisibility.FIELDS, Audience.PUBLIC)
    )
    PolicyAcknowledgement.objects.create(user=user, policy=policy)
    for n, purpose in enumerate(list(CONSENT_PURPOSES) * 3):
        Consent.objects.create(
            user=user,
            purpose=purpose,
            granted=n % 2 == 0,
            policy_version=policy.version,
            source=Consent.Source.SETTINGS,
        )


def _past_requests(user, count, rng):
    """Give ``user`` ``count`` completed requests, for the data-rights page's list."""
    now = timezone.now()
    requests = []
    for n in range(count):
        received = now - datetime.timedelta(days=40 + 20 * n)
        requests.append(
            {
                "id": uuid.uuid4(),
                "reference": f"DSR-U{user.pk:06d}{n:03d}",
                "subject_id": user.pk,
                "type": registered()[n % len(registered())].type,
                "details": {"note": "An earlier request."},
                "status": Status.COMPLETED,
                "received_at": received,
                "due_at": received + datetime.timedelta(days=30),
                "completed_at": received + datetime.timedelta(days=3),
            }
        )
    copy_rows(RightsRequest, requests)


def _queue(courses, staff, rng):
    """Load ``QUEUE_LEARNERS`` learners and their ``REQUESTS_PER_LEARNER`` requests each."""
    now = timezone.now()
    copy_rows(
        User,
        (
            {
                "username": f"bench-learner-{n}",
                "email": f"bench-learner-{n}@example.org",
                "password": NO_PASSWORD,
                "date_joined": now - datetime.timedelta(days=800),
            }
            for n in range(QUEUE_LEARNERS)
        ),
    )
    ids = list(User.objects.filter(username__startswith="bench-learner-").order_by("pk").values_list("pk", flat=True))
    copy_rows(Profile, ({"user_id": pk, "full_name": f"Queue Learner {pk}"} for pk in ids))
    types = [handler.type for handler in registered()]
    requests, events = [], []
    number = 0
    for i, subject_id in enumerate(ids):
        for j in range(REQUESTS_PER_LEARNER):
            number += 1
            is_open = rng.random() < 0.15
            received = now - datetime.timedelta(days=rng.uniform(0, 45) if is_open else rng.uniform(30, 730))
            status = rng.choice(OPEN_STATUSES) if is_open else rng.choice(CLOSED)
            request_id = uuid.uuid4()
            requests.append(
                {
                    "id": request_id,
                    "reference": f"DSR-B{number:09d}",
                    "subject_id": subject_id,
                    "type": types[(i + j) % len(types)],  # 5 distinct types per learner
                    "details": {"note": "Benchmark request."},
                    "status": status,
                    "received_at": received,
                    "due_at": received + datetime.timedelta(days=30),
                    "assignee_id": staff.pk if is_open and rng.random() < 0.3 else None,
                    "decision_reason": "Not a request we can carry out." if status == Status.REJECTED else "",
                    "completed_at": received + datetime.timedelta(days=10) if status == Status.COMPLETED else None,
                }
            )
            events.append(
                {
                    "request_id": request_id,
                    "actor_id": subject_id,
                    "action": RequestEvent.Action.SUBMITTED,
                    "from_status": "",
                    "to_status": Status.AWAITING_VERIFICATION,
                    "created_at": received,
                }
            )
    copy_rows(RightsRequest, requests)
    copy_rows(RequestEvent, events)


def dataset_load(*, say=print):
    """Load the data set unless this version is already there; return whether it was loaded now."""
    if dataset_version() == DATASET_VERSION:
        return False
    say("Loading the benchmark data set (once; later runs reuse it) …")
    rng = random.Random(9)
    with transaction.atomic():
        with connection.cursor() as cursor:
            tables = [
                m._meta.db_table
                for m in (RequestEvent, RightsRequest, LearningEvent, QuizResult, Enrollment, Payment, Course, Partner)
            ]
            # The cascade reaches the audit log and consent ledger, whose triggers refuse TRUNCATE unless told.
            cursor.execute("SELECT set_config(%s, 'on', true)", [TRUNCATE_ALLOWED_SETTING])
            cursor.execute("TRUNCATE " + ", ".join(tables) + ", accounts_user, bench_dataset CASCADE")
        copy_rows(
            Partner,
            (
                {"name": f"Bench University {n}", "kind": Partner.Kind.UNIVERSITY, "country": "PT"}
                for n in range(PARTNERS)
            ),
        )
        partner_ids = list(Partner.objects.order_by("pk").values_list("pk", flat=True))
        copy_rows(
            Course,
            (
                {
                    "slug": f"bench-course-{n}",
                    "title": f"Course {n}: Statistics part {n % 7 + 1}",
                    "partner_id": partner_ids[n % PARTNERS],
                }
                for n in range(COURSES)
            ),
        )
        courses = list(Course.objects.order_by("pk").values_list("pk", flat=True))
        policy = PolicyVersion.objects.filter(
            kind=PolicyVersion.Kind.PRIVACY, status=PolicyVersion.Status.ACTIVE
        ).first()
        if policy is None:
            policy = PolicyVersion.objects.create(
                kind=PolicyVersion.Kind.PRIVACY,
                version="bench-1",
                effective_date=timezone.localdate(),
                summary="Benchmark policy.",
                text="Benchmark policy.",
            )
            PolicyVersion.objects.filter(pk=policy.pk).update(
                status=PolicyVersion.Status.ACTIVE, activated_at=timezone.now()
            )
        for username, shape in (("bench-big", BIG), ("bench-small", SMALL), ("bench-double", _doubled(BIG))):
            user = _learner(username, rng=rng)
            learning_history_create(user, courses=courses, rng=rng, **shape)
            _open_to_all(user, policy)
            _past_requests(user, 2 if username == "bench-small" else 40, rng)
        viewer = _learner("bench-viewer", rng=rng)
        PolicyAcknowledgement.objects.create(user=viewer, policy=policy)
        staff = User.objects.create_user("bench-staff", "bench-staff@example.org", is_staff=True)
        staff.password = NO_PASSWORD
        staff.save(update_fields=["password"])
        staff.groups.add(Group.objects.get(name=StaffGroup.SUPPORT_AGENT))
        PolicyAcknowledgement.objects.create(user=staff, policy=policy)
        TOTPDevice.objects.create(user=staff, name="Benchmark phone", confirmed=True)
        _queue(courses, staff, rng)
        with connection.cursor() as cursor:
            cursor.execute("INSERT INTO bench_dataset (version, loaded_at) VALUES (%s, now())", [DATASET_VERSION])
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    return True


def _doubled(shape):
    return {key: value * 2 for key, value in shape.items() if key != "quizzes_per_enrollment"} | {
        "quizzes_per_enrollment": shape["quizzes_per_enrollment"]
    }


def erasure_subject_create(*, run):
    """Create a learner with ``bench-big``'s volume of data to erase in this run; return the user."""
    rng = random.Random(run)
    courses = list(Course.objects.order_by("pk").values_list("pk", flat=True))
    policy = PolicyVersion.objects.get(kind=PolicyVersion.Kind.PRIVACY, status=PolicyVersion.Status.ACTIVE)
    with transaction.atomic():
        user = _learner(f"bench-erase-{run}", rng=rng)
        learning_history_create(user, courses=courses, rng=rng, **BIG)
        _open_to_all(user, policy)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE accounts_learningevent, accounts_enrollment, accounts_quizresult")
    return User.objects.select_related("profile").get(pk=user.pk)


TENFOLD = 10
TENFOLD_VERSION = f"{DATASET_VERSION}-tenfold"


def _columns(cursor, table):
    cursor.execute(
        "SELECT column_name FROM information_schema.columns WHERE table_name = %s AND column_name <> 'id' "
        "ORDER BY ordinal_position",
        [table],
    )
    return [name for (name,) in cursor.fetchall()]


def _clone_sql(cursor, table, alias, source, replaced):
    """Return ``INSERT INTO table (…) SELECT …``: every column but the key copied from ``alias``, or as ``replaced``."""
    columns = _columns(cursor, table)
    values = ", ".join(replaced.get(column, f'{alias}."{column}"') for column in columns)
    names = ", ".join(f'"{column}"' for column in columns)
    # Names from the database's own schema and this module's constants, never from input.
    return f'INSERT INTO "{table}" ({names}) SELECT {values} FROM {source}'  # noqa: S608


def tenfold_load(cursor, *, say=print):
    """Grow the data set in this database (a copy of the benchmark's) to ten times the learners and events.

    ``cursor`` is a raw DB-API cursor on that database. Each queue learner gets nine clones
    (``bench-learner-N-xK``) with a profile and a bio; the learning events are copied nine
    times, each copy given to a clone. Rights requests are not multiplied: the erasure
    measure is about learners and their learning data. Returns without doing anything when
    the database is already grown.
    """
    cursor.execute("SELECT version FROM bench_dataset")
    if cursor.fetchone() == (TENFOLD_VERSION,):
        return False
    say("Growing the tenfold copy of the benchmark data set (once; later runs reuse it) …")
    copies = TENFOLD - 1
    cursor.execute(
        _clone_sql(
            cursor,
            "accounts_user",
            "u",
            "accounts_user u CROSS JOIN generate_series(1, %s) k WHERE u.username LIKE 'bench-learner-%%'",
            {"username": "u.username || '-x' || k", "email": "'x' || k || '.' || u.email"},
        ),
        [copies],
    )
    cursor.execute(
        _clone_sql(
            cursor,
            "accounts_profile",
            "p",
            "accounts_profile p JOIN accounts_user old ON old.id = p.user_id CROSS JOIN generate_series(1, %s) k "
            "JOIN accounts_user new ON new.username = old.username || '-x' || k",
            {
                "user_id": "new.id",
                "full_name": "p.full_name || ' ' || k",
                "bio": "'Learner ' || new.id || ', studying statistics and data since week ' || k || '.'",
            },
        ),
        [copies],
    )
    cursor.execute(
        "CREATE TEMP TABLE bench_clone AS SELECT id, row_number() OVER (ORDER BY id) - 1 AS n "
        "FROM accounts_user WHERE username LIKE 'bench-learner-%-x%'"
    )
    cursor.execute("SELECT count(*) FROM bench_clone")
    (clones,) = cursor.fetchone()
    cursor.execute(
        _clone_sql(
            cursor,
            "accounts_learningevent",
            "e",
            "accounts_learningevent e CROSS JOIN generate_series(1, %s) k "
            "JOIN bench_clone c ON c.n = (e.id * %s + k) %% %s",
            {"user_id": "c.id"},
        ),
        [copies, copies, clones],
    )
    cursor.execute("UPDATE bench_dataset SET version = %s, loaded_at = now()", [TENFOLD_VERSION])
    return True


def users(*usernames):
    """Return ``{username: user}`` for the benchmark's named accounts (profile loaded)."""
    return {u.username: u for u in User.objects.select_related("profile").filter(username__in=usernames)}
