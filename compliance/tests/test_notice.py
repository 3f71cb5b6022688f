"""/privacy/notice/ is generated from the registry: every declared record, purpose and basis appears."""

import re

import pytest
from django.test import override_settings

from compliance.registry import Category, LawfulBasis, Purpose, registry
from rights_requests import conf as rights_requests_conf

pytestmark = pytest.mark.django_db


def test_the_notice_lists_every_declared_record_with_its_purposes_bases_and_retention(client):
    response = client.get("/privacy/notice/")

    assert response.status_code == 200
    page = response.content.decode()
    for declaration in registry:
        assert declaration.description in page
        assert declaration.retention.split(",")[0].split(";")[0] in page
        for processing in declaration.processing:
            assert str(Purpose(processing.purpose).label) in page
            assert str(LawfulBasis(processing.lawful_basis).label) in page
        for category in declaration.categories:
            assert str(Category(category).label) in page


def test_the_notice_is_linked_from_every_page_and_tells_what_erasure_keeps(client):
    assert 'href="/privacy/notice/"' in client.get("/").content.decode()
    page = client.get("/privacy/notice/").content.decode()
    assert "Kept: Accounting records must be kept for the statutory period" in page


@override_settings(
    PRIVACY_CONTROLLER="Example Learning GmbH, Hauptstraße 1, Berlin",
    PRIVACY_DPO_CONTACT="datenschutz@example-learning.test",
)
def test_the_notice_says_who_is_responsible_and_what_art_13_requires_beyond_the_records(client):
    """Controller and DPO contacts, withdrawing consent, complaints, transfers, automated decisions (GDPR Art. 13)."""

    page = client.get("/privacy/notice/").content.decode()

    assert "Example Learning GmbH, Hauptstraße 1, Berlin" in page
    assert "datenschutz@example-learning.test" in page
    assert "you can withdraw it at any time" in page
    assert rights_requests_conf.SUPERVISORY_AUTHORITY in page and rights_requests_conf.TRANSFERS_STATEMENT in page
    assert "based solely on automated processing" in page


def test_every_sentence_the_officer_reads_in_the_erasure_plan_starts_with_a_capital():
    from compliance.notice import erasure_plan

    for row in erasure_plan():
        sentences = [text for text in re.split(r"\.\s+", row["detail"]) if text]
        assert all(text[0].isupper() or not text[0].isalpha() for text in sentences), (row["description"], sentences)
