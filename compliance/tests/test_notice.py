"""/privacy/notice/ is generated from the registry: every declared record, purpose and basis appears."""

import re

import pytest
from django.test import override_settings

from compliance.notice import erasure_scan_in_words
from compliance.registry import Category, LawfulBasis, Purpose, registry
from rights_requests import conf as rights_requests_conf

pytestmark = pytest.mark.django_db


def test_the_notice_lists_every_declared_record_with_its_purposes_bases_and_retention(client):
    response = client.get("/privacy/notice/")

    assert response.status_code == 200
    page = response.content.decode()
    for declaration in registry:
        assert str(declaration.description) in page
        assert str(declaration.retention).split(",")[0].split(";")[0] in page

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
    assert str(rights_requests_conf.SUPERVISORY_AUTHORITY) in page
    assert "We do not transfer your personal data to countries outside the European Economic Area." in page
    assert "based solely on automated processing" in page


def test_every_sentence_the_officer_reads_in_the_erasure_plan_starts_with_a_capital():
    from compliance.notice import erasure_plan

    for row in erasure_plan():
        sentences = [text for text in re.split(r"\.\s+", row["detail"]) if text]
        assert all(text[0].isupper() or not text[0].isalpha() for text in sentences), (row["description"], sentences)


def test_an_erasure_receipt_says_how_its_scan_searched_and_an_older_one_reads_as_before():
    """A receipt tells the privacy officer the truth about its own scan (GDPR Art. 5(2))."""
    older = {"tables": 30, "columns": 70, "identifiers": ["email", "username"], "encrypted_columns": 4}
    older |= {"encrypted_rows": 3, "unreadable_columns": 9}
    newer = older | {"own_rows": 41, "free_text_columns": 12, "other_tables": 6}

    assert erasure_scan_in_words(older, 0) == (
        "30 tables and 70 columns searched for the former email and username, 3 encrypted rows in 4 encrypted "
        "columns decrypted and checked: no former identifier remains. 9 columns of hashes and random keys, where "
        "no name can be read, were not searched."
    )
    assert erasure_scan_in_words(newer, 1) == (
        "30 tables and 70 columns searched for the former email and username (every text column of the 41 rows "
        "still about the learner; 12 free-text columns in everyone's rows, through their search indexes), "
        "3 encrypted rows in 4 encrypted columns decrypted and checked: 1 column still holds a former identifier. "
        "9 columns of hashes and random keys, where no name can be read, were not searched. Nor were columns of "
        "fixed values (choices, codes, numbers, dates), other people's own names and settings, or the 6 tables of "
        "Django and its libraries that hold no one's personal data (permissions, content types)."
    )
