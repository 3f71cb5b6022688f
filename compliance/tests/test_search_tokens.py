"""The blind index of encrypted free text: erasure decrypts the few requests that may name the learner, and misses none.

A request's details are ciphertext. Their search tokens (keyed hashes of their words and
digit runs) tell the erasure scan which rows may hold an identifier; a trigger empties them
whenever the ciphertext changes without them, so a write that bypasses them costs a
decryption, never a finding.
"""

import io
import json
import re
from re._casefix import _EXTRA_CASES

import pytest
from cryptography.fernet import Fernet
from django.core.management import call_command
from django.db import connection, models, transaction
from django.test.utils import CaptureQueriesContext, isolate_apps

from compliance.checks import search_tokens_errors
from compliance.erasure import erasure_execute, erasure_scan, subject_identifiers
from compliance.search import (
    CASE_BLIND_WORD_EDGES,
    SearchTokensField,
    SearchTokensModel,
    fold_case,
    identifier_terms,
    search_tokens,
    search_tokens_indexes,
    search_tokens_refresh,
    search_tokens_trigger,
    text_terms,
)
from learnerportal.encryption import EncryptedJSONField, encrypt_text
from learnerportal.tests.factories import UserFactory
from rights_requests import services
from rights_requests.models import RightsRequest

pytestmark = pytest.mark.django_db

OLD_KEY = "Drmx57uB719anU_7ivvfimUQ8pHqx71FUqAxpbj4FB0="
DETAILS = ("rights_requests_rightsrequest", "details")


def found(findings):
    return {f["identifier"]: f["rows"] for f in findings if (f["table"], f["column"]) == DETAILS}


def objection(learner, note):
    """File an objection for ``learner`` whose details hold ``note``, as the pages do."""
    return services.request_submit(
        actor=learner, subject=learner, request_type="objection", details={"purposes": ["research"], "note": note}
    )


@pytest.fixture
def noor():
    return UserFactory(
        username="noor-h",
        email="noor.h@example.org",
        profile__full_name="Noor Al-Hassan",
        profile__phone="+44 7700 900456",
    )


@pytest.fixture
def crowd():
    """Twelve other learners' requests that do not name Noor."""
    return [objection(UserFactory(), f"Please stop; my neighbour {number} agrees.") for number in range(12)]


@pytest.mark.parametrize(
    ("note", "kind"),
    [
        ("My old account was noor.h@example.org, please merge.", "email"),
        ("Shared laptop with NOOR AL-HASSAN last year.", "full name"),
        ("Call me back on 07700 900456.", "phone"),
        ("Or +44 (0)7700-900-456, evenings.", "phone"),
        ("Reach me at 0044 7700 900 456.", "phone"),
    ],
)
def test_a_name_or_number_in_another_learners_request_is_found_however_it_is_written(noor, crowd, note, kind):
    objection(UserFactory(), note)

    receipt = erasure_execute(subject=noor)

    assert found(receipt["scan"]) == {kind: 1}
    assert receipt["scanned"]["encrypted_rows"] < len(crowd), "the others' requests stay encrypted"


def test_a_name_on_a_notes_second_line_is_found(noor, crowd):
    """A note typed on several lines is stored as JSON, "\\n" and all: the line's first word is still a word."""
    objection(UserFactory(), "My sister's old account:\nnoor.h@example.org\tNoor Al-Hassan")

    assert found(erasure_execute(subject=noor)["scan"]) == {"email": 1, "full name": 1}


def test_a_greek_name_written_with_a_combining_iota_is_found():
    """The patterns equate "ι" and U+0345 (re.IGNORECASE), one a word character and one not: so must the tokens."""
    dimitrios = UserFactory(profile__full_name="Δημήτριος Παπάς")
    objection(UserFactory(), "Ο Δημήτρ\u0345ος Παπάς μου το είπε.")
    objection(UserFactory(), "\u0345\u0345Δημήτριος Παπάς")

    assert found(erasure_execute(subject=dimitrios)["scan"]) == {"full name": 2}


def test_characters_the_patterns_equate_are_word_characters_alike_or_end_words():
    """An identifier's words are words of every text its pattern finds, whatever the case of each letter."""
    edges = set(CASE_BLIND_WORD_EDGES)
    for code in range(0x10000):
        if 0xD800 <= code < 0xE000:
            continue
        char = chr(code)
        for other in {char.lower(), char.upper(), char.casefold(), char.title(), *map(chr, _EXTRA_CASES.get(code, ()))}:
            if len(other) == 1 and re.fullmatch(re.escape(char), other, re.IGNORECASE):
                same_kind = bool(re.match(r"\w", char)) == bool(re.match(r"\w", other))
                assert same_kind or {char, other} <= edges, (hex(code), hex(ord(other)))


def test_only_the_requests_whose_tokens_point_to_the_learner_are_decrypted(noor, crowd):
    objection(UserFactory(), "noor-h asked me to file this.")
    objection(UserFactory(), "Noor, of another family, and example.org are unrelated words here.")
    identifiers = subject_identifiers(noor)

    receipt = erasure_execute(subject=noor)

    assert found(receipt["scan"]) == {"username": 1}
    # The request naming her, and the one sharing some of her words, whose tokens cannot tell.
    assert receipt["scanned"]["encrypted_rows"] <= 2
    with CaptureQueriesContext(connection) as scan:
        erasure_scan(identifiers, noor)
    queries = [q["sql"] for q in scan.captured_queries if '"details"' in q["sql"] and "details_search" in q["sql"]]
    # A rights request's details, and those of a request made without signing in: each through its own index.
    for table, index in [("rightsrequest", "rr_request_details_se_tok"), ("publicrequest", "rr_public_details_se_tok")]:
        [query] = [sql for sql in queries if f'FROM "rights_requests_{table}"' in sql]
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("SET LOCAL enable_seqscan = off")  # the plan of a large table, on this small one
            cursor.execute(f"EXPLAIN {query}")
            plan = "\n".join(line for (line,) in cursor.fetchall())
        assert index in plan and "Seq Scan" not in plan, plan


@pytest.mark.parametrize(
    "bypass",
    [
        pytest.param(
            lambda request, details: RightsRequest.objects.filter(pk=request.pk).update(details=details), id="update"
        ),
        pytest.param(
            lambda request, details: RightsRequest.objects.bulk_update([_with(request, details)], ["details"]),
            id="bulk_update",
        ),
        pytest.param(
            lambda request, details: connection.cursor().execute(
                "UPDATE rights_requests_rightsrequest SET details = %s WHERE id = %s",
                [encrypt_text(json.dumps(details)), request.pk],
            ),
            id="raw SQL",
        ),
    ],
)
def test_details_rewritten_without_their_tokens_are_decrypted_and_searched(noor, crowd, bypass):
    """A write that changes the ciphertext alone empties the tokens (a trigger): that row is read, not skipped."""
    request = crowd[0]
    bypass(request, {"note": "Forward everything to noor.h@example.org."})
    assert RightsRequest.objects.filter(pk=request.pk, details_search__isnull=True).exists()

    assert found(erasure_execute(subject=noor)["scan"]) == {"email": 1}


def _with(request, details):
    request.details = details
    return request


def test_the_tokens_hold_no_word_and_differ_under_another_key(noor, settings):
    request = objection(UserFactory(), "Noor Al-Hassan")
    tokens = RightsRequest.objects.values_list("details_search", flat=True).get(pk=request.pk)
    assert all(isinstance(token, int) and -(2**31) <= token < 2**31 for token in tokens)

    settings.ENCRYPTION_KEYS = [Fernet.generate_key().decode()]
    request.save()
    other = RightsRequest.objects.values_list("details_search", flat=True).get(pk=request.pk)
    assert not set(tokens) & set(other), "a dictionary of hashed words made with one key matches nothing of another"


def test_after_key_rotation_every_request_is_found_and_indexed_under_the_new_key(noor, crowd, settings):
    objection(UserFactory(), "noor.h@example.org is my sister.")
    new_key = Fernet.generate_key().decode()
    settings.ENCRYPTION_KEYS = [new_key, OLD_KEY]
    assert found(erasure_scan(subject_identifiers(noor), noor)) == {"email": 1}, "tokens under the old key count"

    out = io.StringIO()
    call_command("rotate_encryption_keys", stdout=out)
    written = f"rights_requests.RightsRequest: search tokens of {RightsRequest.objects.count()} row(s) written."
    assert written in out.getvalue()

    settings.ENCRYPTION_KEYS = [new_key]
    assert not RightsRequest.objects.filter(details_search__isnull=True).exists()
    receipt = erasure_execute(subject=noor)
    assert found(receipt["scan"]) == {"email": 1}
    assert receipt["scanned"]["encrypted_rows"] <= 2, "found through the new key's tokens, not by decrypting all"


def test_erasure_leaves_no_token_of_the_learners_words_in_their_own_requests(noor):
    services.request_submit(
        actor=noor,
        subject=noor,
        request_type="rectification",
        details={"changes": {"full_name": "Noor Al-Hassan Idris"}, "note": "noor.h@example.org"},
    )
    her_words = set(search_tokens("Noor Al-Hassan Idris, noor.h@example.org")[2:])  # past the marker and stamp

    def own_tokens():
        return set().union(*RightsRequest.objects.filter(subject=noor).values_list("details_search", flat=True))

    assert her_words <= own_tokens(), "her request's words were indexed"

    erasure_execute(subject=noor)

    assert not her_words & own_tokens(), "the request kept for accountability keeps no hash of her words"


def test_refresh_writes_tokens_where_none_are_and_a_second_run_has_nothing_to_do(noor, crowd):
    RightsRequest.objects.update(details_search=None)

    assert search_tokens_refresh(RightsRequest, batch_size=5) == len(crowd)
    assert search_tokens_refresh(RightsRequest) == 0
    assert search_tokens_refresh(RightsRequest, every_row=True) == len(crowd), "after a change of the terms"
    assert not RightsRequest.objects.filter(details_search__isnull=True).exists()


def test_case_folding_equates_exactly_what_the_scans_patterns_equate():
    """A word's token must not depend on case the scan ignores ("ZOË", "ſ", the Kelvin sign), nor merge others."""
    for code in range(0x10000):
        if 0xD800 <= code < 0xE000:
            continue
        char = chr(code)
        for other in {char.lower(), char.upper(), char.casefold(), char.title()}:
            if len(other) == 1:
                same = re.fullmatch(re.escape(char), other, re.IGNORECASE) is not None
                assert same == (fold_case(char) == fold_case(other)), (hex(code), hex(ord(other)))


def test_every_text_the_phone_pattern_finds_holds_the_phones_term():
    from compliance.erasure import phone_pattern

    phone = "+44 7700 900456"
    [term] = identifier_terms("phone", phone)
    for text in ["07700900456", "tel:+447700900456;", "(0044) 7700.900.456", "12 44 7700-900-456", "7700 900 456"]:
        assert re.search(phone_pattern(phone), text), text
        assert term in text_terms(text), text
    assert identifier_terms("full name", "Zoë Ødegård") <= text_terms('{"note": "ZOË ØDEGÅRD"}')


@isolate_apps("compliance")
def test_check_refuses_encrypted_free_text_without_its_tokens_indexes_or_trigger():
    class Letter(models.Model):
        body = EncryptedJSONField(default=dict)

    class Card(SearchTokensModel):
        body = EncryptedJSONField(default=dict)
        body_search = SearchTokensField("body")

    class Parcel(SearchTokensModel):
        body = EncryptedJSONField(default=dict)
        body_search = SearchTokensField("body")

        class Meta:
            indexes = search_tokens_indexes("cmp_parcel", "body_search")
            triggers = [search_tokens_trigger("body_search", "body", prefix="cmp_parcel")]

    [letter] = search_tokens_errors(Letter, {"body"})
    assert letter.id == "compliance.E018" and "compliance.Letter.body is encrypted free text" in letter.msg
    [card] = search_tokens_errors(Card, {"body"})
    assert "compliance.Card.body_search lacks search_tokens_indexes() or search_tokens_trigger()" in card.msg
    assert search_tokens_errors(Parcel, {"body"}) == []
