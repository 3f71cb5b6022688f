"""/privacy/notice/ is generated from the registry: every declared record, purpose and basis appears."""

import pytest

from privacy.registry import Category, LawfulBasis, Purpose, registry

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
