"""Schemathesis against ``/api/schema/``: generated requests, valid and invalid, to every operation.

A bounded run (a few dozen examples per operation, deterministic, about a minute on
two cores): no answer is a server error, and every answer — status, content type,
headers, body — is the one the schema documents.
"""

import pytest
import schemathesis
from django.core import signals
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from hypothesis import HealthCheck, settings
from schemathesis.specs.openapi.checks import positive_data_acceptance

from learnerportal.tests.factories import ProfileVisibilityFactory, UserFactory, photo_file
from learnerportal.tests.support import make_token

pytestmark = pytest.mark.django_db

#: Valid and invalid data, a bounded number of examples, the same ones every run.
GENERATION = {"mode": "all", "max-examples": 25, "deterministic": True, "database": "none"}


@pytest.fixture
def keep_test_transaction():
    """Let the WSGI app run inside the test's transaction (as Django's test client does)."""
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    yield
    signals.request_started.connect(close_old_connections)
    signals.request_finished.connect(close_old_connections)


@pytest.fixture
def token(keep_test_transaction):
    """A read-write token of a learner with a public name and photo."""
    learner = UserFactory(username="schema-learner", profile__photo=photo_file())
    ProfileVisibilityFactory(user=learner, full_name="public", photo="public")
    return make_token(learner, scope="read_write")


# Loaded once, when the tests are collected (the schema view needs no database).
schema = schemathesis.openapi.from_wsgi(
    "/api/schema/", get_wsgi_application(), config=schemathesis.Config.from_dict({"generation": GENERATION})
)


#: Operations whose acceptance depends on rules the schema states in words, not in JSON Schema: the
#: profile's (a phone number's form, a date of birth in the past, a known time zone) and each request
#: type's (an objection names a purpose, a restriction gives a reason). A schema-valid body may be
#: refused there with a 400 naming the field; every other check still applies to them.
RULES_IN_WORDS = {"PATCH /api/v1/me/profile/", "POST /api/v1/me/requests/"}


@schema.parametrize()
@settings(deadline=None, suppress_health_check=list(HealthCheck), max_examples=25)
def test_every_operation_answers_as_documented_and_never_with_a_server_error(case, token):
    excluded = [positive_data_acceptance] if case.operation.label in RULES_IN_WORDS else []
    case.call_and_validate(headers={"Authorization": f"Bearer {token}"}, excluded_checks=excluded)
