"""Request files at rest: encrypted in segments, tamper-evident, bound to their request, readable after rotation."""

import io

import pytest
from cryptography.fernet import Fernet, InvalidToken

from rights_requests import files

OLD_KEY = Fernet.generate_key().decode()
NEW_KEY = Fernet.generate_key().decode()


@pytest.fixture
def small_segments(monkeypatch, settings):
    """Segments of 10 bytes, so a short text spans several of them."""
    settings.ENCRYPTION_KEYS = [NEW_KEY]
    monkeypatch.setattr(files, "SEGMENT_SIZE", 10)


#: What a learner's portable copy is bound to, and another learner's.
MINE = files.associated_data_of(request_id=7, kind="portable_export")
THEIRS = files.associated_data_of(request_id=8, kind="portable_export")


def encrypted(content, associated_data=MINE):
    target = io.BytesIO()
    files.encrypt_stream(io.BytesIO(content), target, associated_data=associated_data)
    return target.getvalue()


def decrypted(stored, associated_data=MINE):
    return b"".join(files.decrypt_stream(io.BytesIO(stored), associated_data=associated_data))


TEXT = "Amara Okafor-Mensah — 中文, emoji 🎓, and a long enough tail to span segments.".encode()


def test_content_spanning_many_segments_comes_back_byte_for_byte(small_segments):
    stored = encrypted(TEXT)

    assert stored.count(b"\n") > 5, "several segments"
    assert b"Amara" not in stored
    assert decrypted(stored) == TEXT


@pytest.mark.parametrize("content", [b"", b"x" * 10, b"x" * 11])
def test_empty_and_segment_boundary_content_round_trips(small_segments, content):
    assert decrypted(encrypted(content)) == content


@pytest.mark.parametrize(
    "tamper",
    [
        pytest.param(lambda lines: [lines[0], lines[2], lines[1], *lines[3:]], id="segments swapped"),
        pytest.param(lambda lines: [lines[0], *lines[2:]], id="a segment dropped"),
        pytest.param(lambda lines: lines[:-1], id="cut off before the last segment"),
        pytest.param(lambda lines: [*lines, lines[-1]], id="a segment appended after the last"),
        pytest.param(lambda lines: lines[1:2], id="the first segment alone, without the header"),
        pytest.param(lambda lines: lines[1:], id="the header removed"),
        pytest.param(lambda lines: [lines[0]], id="the header alone"),
        pytest.param(lambda lines: [b"learner-portal-segmented-fernet-1\n", *lines[1:]], id="another format's header"),
    ],
)
def test_a_file_whose_segments_were_moved_dropped_or_cut_off_is_refused(small_segments, tamper):
    lines = encrypted(TEXT).splitlines(keepends=True)

    with pytest.raises(InvalidToken):
        decrypted(b"".join(tamper(lines)))


def test_a_file_encrypted_with_the_previous_key_still_opens_after_rotation(settings, monkeypatch):
    monkeypatch.setattr(files, "SEGMENT_SIZE", 10)
    settings.ENCRYPTION_KEYS = [OLD_KEY]
    stored = encrypted(TEXT)

    settings.ENCRYPTION_KEYS = [NEW_KEY, OLD_KEY]
    assert decrypted(stored) == TEXT
    settings.ENCRYPTION_KEYS = [NEW_KEY]
    with pytest.raises(InvalidToken):
        decrypted(stored)


def test_a_segment_taken_from_another_file_at_the_same_place_is_refused(small_segments):
    mine = encrypted(TEXT).splitlines(keepends=True)
    other = encrypted(TEXT.replace(b"Amara", b"Kwame")).splitlines(keepends=True)
    assert decrypted(b"".join(other)).startswith(b"Kwame"), "both files open as they are"

    with pytest.raises(InvalidToken):
        decrypted(b"".join([*mine[:2], other[2], *mine[3:]]))


@pytest.mark.parametrize(
    "made_for",
    [THEIRS, files.associated_data_of(request_id=7, kind="access_report")],
    ids=["another learner's request", "the same request's other kind of file"],
)
def test_a_whole_file_made_for_something_else_is_refused_in_place_of_this_one(small_segments, made_for):
    with pytest.raises(InvalidToken):
        decrypted(encrypted(b"Someone else's data", associated_data=made_for))


def test_a_single_token_without_the_header_is_refused(settings):
    settings.ENCRYPTION_KEYS = [NEW_KEY]

    with pytest.raises(InvalidToken):
        decrypted(Fernet(NEW_KEY).encrypt(TEXT))
