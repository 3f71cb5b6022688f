"""Fixtures for the tests of privacy: the learner whose public profile the page and the API show."""

import pytest

from learnerportal.tests.factories import learner_with_every_field


@pytest.fixture
def subject():
    """Return learner ada, every part of her profile filled in (``MARKERS``, ``NEVER_SHOWN``) and private."""
    return learner_with_every_field()
