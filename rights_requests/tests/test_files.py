"""Request files at rest: encrypted in segments, tamper-evident, readable after a key rotation."""

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


def encrypted(content):
    target = io.BytesIO()
    files.encrypt_stream(io.BytesIO(content), target)
    return target.getvalue()


def decrypted(stored):
    return b"".join(files.decrypt_stream(io.BytesIO(stored)))


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


def test_a_file_stored_before_segments_existed_still_opens(settings):
    settings.ENCRYPTION_KEYS = [NEW_KEY]
    single_token = Fernet(NEW_KEY).encrypt(TEXT)

    assert decrypted(single_token) == TEXT
