"""Load fake demo data: learners from many countries, partners, courses and activity.

Idempotent: when the demo learner already exists nothing is written again. All
names are invented, emails use the reserved example.org domain, and phone
numbers come from ranges reserved for fiction.
"""

import base64
import datetime
import random
from decimal import Decimal

from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import Group
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone

from accounts.models import (
    Course,
    EducationLevel,
    Enrollment,
    LearningEvent,
    Partner,
    Payment,
    Profile,
    QuizResult,
    TOTPDevice,
    User,
)
from compliance.models import StaffGroup
from privacy.models import Audience, Consent, PolicyAcknowledgement, PolicyVersion, ProfileVisibility, Purpose
from privacy.services import consent_record
from rights_requests import services
from rights_requests.models import RequestEvent, RightsRequest

DEMO_PASSWORD = "learn-with-privacy"  # noqa: S105 - printed on purpose: demo accounts only
DEMO_LEARNER = "amara"
DEMO_AGENT = "sam.support"
DEMO_OFFICER = "priya.dpo"

PARTNERS = [
    ("Université de Lumière", Partner.Kind.UNIVERSITY, "FR"),
    ("Kōyō Institute of Technology", Partner.Kind.UNIVERSITY, "JP"),
    ("Universidad Andina del Sur", Partner.Kind.UNIVERSITY, "CL"),
    ("Brightline Data Ltd", Partner.Kind.COMPANY, "GB"),
]

COURSES = [
    ("intro-python", "Introduction to Python", 0),
    ("data-ethics", "Data Ethics and Privacy", 0),
    ("french-a1", "Français pour débutants (A1)", 0),
    ("robotics-101", "Robotics 101", 1),
    ("japanese-culture", "日本の文化 — Japanese Culture", 1),
    ("machine-learning", "Machine Learning Foundations", 1),
    ("andes-ecology", "Ecología de los Andes", 2),
    ("spanish-b1", "Español intermedio (B1)", 2),
    ("public-health", "Public Health Essentials", 2),
    ("sql-analytics", "SQL for Analytics", 3),
    ("product-design", "Product Design Sprint", 3),
    ("cloud-security", "Cloud Security Basics", 3),
]

# (username, full name, country, bio): invented people with names from many languages.
LEARNERS = [
    (DEMO_LEARNER, "Amara Okafor-Mensah", "NG", "Biology teacher learning to code. Lagos → Accra."),
    ("siobhan", "Siobhán O'Connor", "IE", "Data nerd, hill walker, tea drinker."),
    ("jeanluc", "Jean-Luc Ébrard", "FR", "Ingénieur curieux, j'apprends le japonais."),
    ("wangfang", "王芳", "CN", "喜欢学习新语言和数据科学。"),
    ("zoe.ms", "Zoë Müller-Schmidt", "DE", "Product designer who loves accessible interfaces."),
    ("takeshi", "佐藤 健", "JP", "ロボット工学を勉強しています。"),
    ("minji", "김민지", "US", "Studying machine learning on weekends in Los Angeles."),
    ("nguyen.an", "Nguyễn Văn An", "VN", ""),
    ("aisha", "Aïsha Ben Saïd", "TN", "Public health researcher."),
    ("oleksandr", "Олександр Коваленко", "UA", "Software tester, learning SQL."),
    ("dimitra", "Δήμητρα Παπαδοπούλου", "GR", ""),
    ("ravi", "Ravi Shankar Iyer", "IN", "Cloud engineer. Chennai."),
    ("lucia", "Lucía Fernández-Núñez", "CL", "Bióloga de montaña."),
    ("joao", "João D'Ávila", "BR", "Estudante de engenharia."),
    ("ingrid", "Ingrid Sæther", "GB", ""),
    ("mateusz", "Mateusz Wójcik", "PL", "Analyst; SQL is my first language."),
    ("fatma", "Fatma Yılmaz", "TR", ""),
    ("noah", "Noah ben-David", "IL", "Product manager in Tel Aviv."),
    ("kwame", "Kwame Nkrumah-Boateng", "GH", "Teaching assistant for Intro to Python."),
    ("sofia", "Sofía Ramírez", "MX", ""),
]

#: Learners who chose another language and live in another time zone (Settings → Account); the rest
#: follow their browser's language and the platform's zone.
SETTINGS_OF = {
    "lucia": ("es", "America/Santiago"),
    "sofia": ("es", "America/Mexico_City"),
    "takeshi": ("", "Asia/Tokyo"),
    "minji": ("", "America/Los_Angeles"),
}

#: The state of learners in the United States: it decides their law (California: CCPA/CPRA).
US_STATE_OF = {"minji": "CA"}

CARD_BRANDS = ["Visa", "Mastercard", "PayPal"]
EXTRA_LOCALES = ["fr_FR", "de_DE", "es_ES", "it_IT", "pt_BR", "ja_JP", "zh_CN", "ko_KR", "en_IE", "pl_PL", "tr_TR"]
TOTAL_LEARNERS = 64
EVENTS_PER_LEARNER = 340  # 64 × 340 ≈ 21,760 learning events


class Command(BaseCommand):
    help = "Load fake demo data (idempotent) and print the demo logins. Development only (DJANGO_DEBUG=1)."

    def handle(self, *args, **options):
        # SECURITY: the demo staff have a published password and their sign-in keys are printed;
        # on a real site they would be admin accounts anyone could use. Debug is off in production.
        if not settings.DEBUG:
            raise CommandError(
                "seed_demo refuses to run with production settings: it creates staff accounts with a published "
                "password and prints their two-factor keys. Run it in development, with DJANGO_DEBUG=1."
            )
        if User.objects.filter(username=DEMO_LEARNER).exists():
            self.stdout.write("Demo data is already loaded.")
        else:
            with transaction.atomic():
                self._load()
        self._print_logins(self._staff_authenticators())

    def _staff_authenticators(self):
        """Give each demo staff account a TOTP device (staff need 2FA for admin); return their keys."""
        keys = {}
        for username in (DEMO_AGENT, DEMO_OFFICER):
            user = User.objects.filter(username=username).first()
            if user is None:
                continue
            device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
            if device is None:
                device = TOTPDevice.objects.create(user=user, name="Demo authenticator", confirmed=True)
            keys[username] = base64.b32encode(device.bin_key).decode().rstrip("=")
        return keys

    def _file_requests(self, users, staff, now):
        """File a realistic queue of data-rights requests, some due soon and one overdue.

        Each is filed on the clock of the day it was received (time-machine, a development
        requirement), so its history, the learner's account activity and its deadline agree.
        Access, portability and objection are filed today: the worker carries them out
        within seconds, as it would have then. Their emails count as sent: the first
        ``make run`` does not print a week of acknowledgements.
        """
        import time_machine  # development only, like this command

        by_name = {user.username: user for user in users}
        queue = [
            ("siobhan", "erasure", {"note": "I am moving to another platform."}, 3),
            ("jeanluc", "rectification", {"changes": {"full_name": "Jean-Luc Ébrard-Martin"}}, 40),  # overdue
            ("wangfang", "restriction", {"reason": "I contest the accuracy of my quiz results."}, 24),
            ("takeshi", "access", {}, 0),
            # Under California's CCPA/CPRA, which gives no objection but an opt-out of sale or sharing.
            ("minji", "opt_out_of_sale", {}, 0),
            ("aisha", "portability", {}, 0),
            # Under Brazil's LGPD: 15 days to answer, not a month (the queue's Regime column says so).
            ("joao", "rectification", {"changes": {"occupation": "Engenheiro"}}, 10),
        ]
        filed = []
        for username, request_type, details, days_ago in queue:
            learner = by_name[username]
            with time_machine.travel(now - datetime.timedelta(days=days_ago), tick=True):
                filed.append(
                    services.request_submit(actor=learner, subject=learner, request_type=request_type, details=details)
                )
        RequestEvent.objects.filter(request__in=filed).update(emailed_at=now)
        restriction = RightsRequest.objects.get(subject=by_name["wangfang"], type="restriction")
        services.request_assign(
            actor=staff[StaffGroup.SUPPORT_AGENT], request=restriction, assignee=staff[StaffGroup.SUPPORT_AGENT]
        )

    def _choices_of_the_demo_learner(self, learner, now):
        """Give the demo learner a history of consents over two months (her profile's audiences are left to her).

        So the Privacy tab's consent history and the account activity show what a learner who has used
        the portal for a while sees. Each choice is made on its own day's clock (time-machine).
        """
        import time_machine  # development only, like this command

        history = [
            (60, Purpose.PERSONALIZATION, True),
            (60, Purpose.MARKETING_EMAIL, True),
            (45, Purpose.RESEARCH, True),
            (9, Purpose.MARKETING_EMAIL, False),
        ]
        for days_ago, purpose, granted in history:
            with time_machine.travel(now - datetime.timedelta(days=days_ago, hours=-2), tick=True):
                consent_record(
                    actor=learner, user=learner, purpose=purpose, granted=granted, source=Consent.Source.SETTINGS
                )

    def _publish_policy(self, now):
        """Publish the privacy policy in force; every demo account has already confirmed it."""
        policy = PolicyVersion.objects.create(
            kind=PolicyVersion.Kind.PRIVACY,
            version="2026-11",
            effective_date=(now - datetime.timedelta(days=30)).date(),
            summary="First version of the Learner Portal privacy policy.",
            text="See the privacy notice for what we hold, why, for how long and who receives it.",
        )
        PolicyVersion.objects.filter(pk=policy.pk).update(status=PolicyVersion.Status.ACTIVE, activated_at=now)
        PolicyAcknowledgement.objects.bulk_create(
            [PolicyAcknowledgement(user=user, policy=policy) for user in User.objects.all()]
        )

    def _print_logins(self, staff_keys):
        self.stdout.write(
            "\nDemo logins (password for all: "
            f"{DEMO_PASSWORD}):\n"
            f"  learner          {DEMO_LEARNER}   (or amara@example.org)\n"
            f"  support agent    {DEMO_AGENT}   (works the request queue at /admin/)\n"
            f"  privacy officer  {DEMO_OFFICER}   (also decides erasure, extends deadlines)\n"
        )
        if staff_keys:
            # Development only: demo staff need a second factor for /admin/.
            self.stdout.write(
                "Staff sign in with a code: add these keys to an authenticator app (TOTP, 6 digits, 30 s):"
            )
            for username, key in staff_keys.items():
                self.stdout.write(f"  {username:<16} {key}")

    def _load(self):
        from faker import Faker

        rng = random.Random(20261130)
        Faker.seed(20261130)
        now = timezone.now()
        password_hash = make_password(DEMO_PASSWORD)

        partners = [Partner.objects.create(name=name, kind=kind, country=country) for name, kind, country in PARTNERS]
        courses = [
            Course.objects.create(
                slug=slug, title=title, partner=partners[partner], description=f"A demo course: {title}."
            )
            for slug, title, partner in COURSES
        ]

        people = list(LEARNERS)
        fakers = {locale: Faker(locale) for locale in EXTRA_LOCALES}
        taken = {username for username, *_ in people}
        while len(people) < TOTAL_LEARNERS:
            locale = EXTRA_LOCALES[len(people) % len(EXTRA_LOCALES)]
            fake = fakers[locale]
            full_name = fake.name()
            username = f"learner{len(people) + 1:02d}"
            if username in taken:
                continue
            taken.add(username)
            people.append((username, full_name, locale.split("_")[1], fake.sentence(nb_words=8)[:300]))

        users = User.objects.bulk_create(
            [
                User(
                    username=username,
                    email=f"{username}@example.org",
                    password=password_hash,
                    date_joined=now - datetime.timedelta(days=rng.randint(30, 900)),
                )
                for username, *_ in people
            ]
        )
        levels = list(EducationLevel.values)
        Profile.objects.bulk_create(
            [
                Profile(
                    user=user,
                    full_name=full_name,
                    bio=bio,
                    country=country,
                    us_state=US_STATE_OF.get(user.username, ""),
                    phone=f"+44 7700 900{index:03d}",
                    date_of_birth=datetime.date(rng.randint(1960, 2006), rng.randint(1, 12), rng.randint(1, 28)),
                    education_level=rng.choice(levels),
                    occupation=rng.choice(["Student", "Teacher", "Engineer", "Nurse", "Analyst", "Designer", ""]),
                    language=SETTINGS_OF.get(user.username, ("", ""))[0],
                    timezone=SETTINGS_OF.get(user.username, ("", "Europe/London"))[1],
                )
                for index, (user, (_, full_name, country, bio)) in enumerate(zip(users, people, strict=True))
            ]
        )
        # Some learners have shared parts of their profile; the rest stay private (the default).
        visibility = []
        for index, user in enumerate(users):
            if index % 3 == 2:
                continue
            wide = index % 3 == 0
            visibility.append(
                ProfileVisibility(
                    user=user,
                    full_name=Audience.PUBLIC,
                    bio=Audience.PUBLIC if wide else Audience.LEARNERS,
                    country=Audience.PUBLIC if wide else Audience.PRIVATE,
                    education=Audience.LEARNERS,
                    courses=Audience.LEARNERS if wide else Audience.PRIVATE,
                    accomplishments=Audience.PUBLIC if wide else Audience.LEARNERS,
                    reviewed_at=now - datetime.timedelta(days=rng.randint(1, 200)),
                )
            )
        # The demo learner starts private, so the first visit to the Privacy tab shows the default.
        ProfileVisibility.objects.bulk_create([v for v in visibility if v.user_id != users[0].pk])

        enrollments, payments = [], []
        for user in users:
            for course in rng.sample(courses, rng.randint(2, 5)):
                enrolled_at = user.date_joined + datetime.timedelta(days=rng.randint(0, 20))
                progress = rng.choice([0, 10, 25, 40, 60, 80, 100, 100])
                enrollments.append(
                    Enrollment(
                        user=user,
                        course=course,
                        enrolled_at=enrolled_at,
                        progress_percent=progress,
                        grade_percent=Decimal(rng.randint(55, 100)) if progress == 100 else None,
                        completed_at=enrolled_at + datetime.timedelta(days=rng.randint(20, 90))
                        if progress == 100
                        else None,
                    )
                )
                if rng.random() < 0.5:
                    payments.append(
                        Payment(
                            user=user,
                            course=course,
                            amount=Decimal(rng.choice([29, 49, 79, 99])),
                            currency=rng.choice(["EUR", "GBP", "USD"]),
                            paid_at=enrolled_at,
                            method_summary=f"{rng.choice(CARD_BRANDS)} ending {rng.randint(1000, 9999)}",
                        )
                    )
        enrollments = Enrollment.objects.bulk_create(enrollments)
        Payment.objects.bulk_create(payments)

        quizzes = []
        for enrollment in enrollments:
            for number in range(1, 1 + enrollment.progress_percent // 25):
                max_score = 20
                quizzes.append(
                    QuizResult(
                        enrollment=enrollment,
                        quiz_title=f"Quiz {number}",
                        score=rng.randint(8, max_score),
                        max_score=max_score,
                        submitted_at=enrollment.enrolled_at + datetime.timedelta(days=7 * number),
                    )
                )
        QuizResult.objects.bulk_create(quizzes)

        by_user = {}
        for enrollment in enrollments:
            by_user.setdefault(enrollment.user_id, []).append(enrollment)
        event_types = LearningEvent.EventType.values
        events = []
        for user in users:
            mine = by_user[user.pk]
            for _ in range(EVENTS_PER_LEARNER):
                enrollment = rng.choice(mine)
                seconds = rng.randint(0, max(1, int((now - enrollment.enrolled_at).total_seconds())))
                events.append(
                    LearningEvent(
                        user=user,
                        course_id=enrollment.course_id,
                        event_type=rng.choice(event_types),
                        occurred_at=enrollment.enrolled_at + datetime.timedelta(seconds=seconds),
                    )
                )
        LearningEvent.objects.bulk_create(events, batch_size=5000)

        staff = {}
        for username, full_name, group in [
            (DEMO_AGENT, "Sam Rivera", StaffGroup.SUPPORT_AGENT),
            (DEMO_OFFICER, "Priya Natarajan", StaffGroup.PRIVACY_OFFICER),
        ]:
            member = User.objects.create_user(username=username, email=f"{username}@example.org", is_staff=True)
            member.password = password_hash
            member.save(update_fields=["password"])
            member.groups.add(Group.objects.get(name=group))
            member.profile.full_name = full_name
            member.profile.save(update_fields=["full_name"])
            staff[group] = member
        self._file_requests(users, staff, now)
        self._publish_policy(now)
        self._choices_of_the_demo_learner(users[0], now)

        self.stdout.write(
            f"Loaded {len(users)} learners, {len(partners)} partners, {len(courses)} courses, "
            f"{len(enrollments)} enrollments, {len(quizzes)} quiz results, {len(payments)} payments, "
            f"{len(events)} learning events."
        )
