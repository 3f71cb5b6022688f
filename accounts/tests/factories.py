"""factory_boy factories for the accounts app's models."""

import datetime

import factory
from django.utils import timezone

from accounts.models import Course, Enrollment, Partner, User

PASSWORD = "correct-horse-battery-staple"


class UserFactory(factory.django.DjangoModelFactory):
    """A learner with an empty profile (created by the manager) and ``PASSWORD``."""

    class Meta:
        model = User
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"learner{n}")
    email = factory.LazyAttribute(lambda user: f"{user.username}@example.org")

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        return model_class.objects.create_user(*args, password=PASSWORD, **kwargs)


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
