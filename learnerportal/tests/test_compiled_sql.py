"""Reads compiled once per process: each call answers for its own values, exactly as the queryset would."""

import datetime

import pytest
from django.core.exceptions import ImproperlyConfigured

from accounts.models import Profile
from learnerportal.compiled_sql import CompiledQuery
from learnerportal.tests.factories import ConsentFactory, UserFactory
from privacy.models import Consent

pytestmark = pytest.mark.django_db


def purposes_of(user_id):
    return Consent.objects.filter(user_id=user_id, granted=True).order_by("purpose").values_list("purpose", "granted")


def test_each_call_answers_for_its_own_values_as_the_queryset_does():
    ana, ben = UserFactory(), UserFactory()
    ConsentFactory(user=ana, purpose="research", granted=True)
    ConsentFactory(user=ben, purpose="marketing_email", granted=True)
    ConsentFactory(user=ben, purpose="personalization", granted=True)
    read = CompiledQuery(purposes_of)

    assert read.rows(user_id=ana.pk) == [("research", True)]
    assert (
        read.rows(user_id=ben.pk)
        == list(purposes_of(ben.pk))
        == [
            ("marketing_email", True),
            ("personalization", True),
        ]
    )
    assert read.rows(user_id=UserFactory().pk) == []


def test_encrypted_columns_come_decrypted_as_the_queryset_gives_them():
    user = UserFactory()
    Profile.objects.filter(user=user).update(phone="+44 7700 900123", date_of_birth=datetime.date(2001, 2, 3))
    read = CompiledQuery(lambda user_id: Profile.objects.filter(user_id=user_id).values_list("phone", "date_of_birth"))

    assert read.rows(user_id=user.pk) == [("+44 7700 900123", datetime.date(2001, 2, 3))]


def test_a_value_the_query_does_not_use_is_refused_rather_than_ignored():
    read = CompiledQuery(lambda user_id: Consent.objects.values_list("purpose"))

    with pytest.raises(ImproperlyConfigured, match="user_id"):
        read.rows(user_id=1)


def test_a_value_written_into_the_sql_is_refused_rather_than_frozen():
    read = CompiledQuery(lambda limit: Consent.objects.order_by("pk").values_list("purpose")[:limit])

    with pytest.raises(ImproperlyConfigured, match="change the SQL"):
        read.rows(limit=5)


def test_a_missing_value_is_refused_rather_than_matching_nothing():
    with pytest.raises(TypeError):
        CompiledQuery(purposes_of).rows(user_id=None)
