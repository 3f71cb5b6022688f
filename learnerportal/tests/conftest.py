"""Fixtures for the API tests: the rights-request fixtures, shared."""

from rights_requests.tests.conftest import learner, make_request  # noqa: F401 - fixtures
