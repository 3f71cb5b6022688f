"""Measure the request-file format against Tink's streaming AEAD: 200 MiB encrypted, then decrypted.

    python -m bench.file_encryption
    BENCH_TINK_PYTHON=/path/to/python python -m bench.file_encryption

The first measures the portal's format (``rights_requests.files``: Fernet segments of
1 MiB) and its floor, a plain copy of the same bytes through the same 1 MiB reads and
writes. The second measures Tink too (``AES256_GCM_HKDF_1MB``, a fresh keyset), run
by an interpreter that has the ``tink`` package (the portal does not depend on it):
``python -m venv /tmp/tink && /tmp/tink/bin/pip install tink``.

Each run is a fresh child process: it encrypts a file of random bytes into another
file, then decrypts that file and checks the CRC-32 of what comes out against the
source's. Its peak memory is how far its resident set (``VmHWM``, reset after the
imports and again between the two steps) grew above where it started. Both files
are on ``/dev/shm`` (or ``BENCH_FILE_DIR``), so the disk is not measured. Runs of
the variants alternate, ``BENCH_FILE_RUNS`` (default 3) of each; ``BENCH_FILE_MIB``
sets the size (default 200). Prints a table and writes ``bench/file_encryption.json``.
Nothing here is imported by the project.
"""

import importlib.metadata
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import zlib
from pathlib import Path

BENCH_DIR = Path(__file__).resolve().parent
BASE_DIR = BENCH_DIR.parent
RESULTS = BENCH_DIR / "file_encryption.json"
MIB = 1024 * 1024
#: What each file is bound to, as the portal binds a portable copy to its request.
ASSOCIATED_DATA = b"rights-request:00000000-0000-0000-0000-000000000000:portable_export"


def say(message=""):
    print(message, flush=True)


# The child: one variant, one run.


def _status_kib(field):
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    raise RuntimeError(f"{field} is not in /proc/self/status")


def _reset_peak():
    """Reset the resident-set high-water mark (Linux: ``echo 5 > /proc/self/clear_refs``); return the resident set."""
    with open("/proc/self/clear_refs", "w") as clear_refs:
        clear_refs.write("5")
    return _status_kib("VmRSS")


def _copy(source, target, *, chunk=MIB):
    while data := source.read(chunk):
        target.write(data)


def _crc_of_chunks(chunks):
    crc, size = 0, 0
    for chunk in chunks:
        crc, size = zlib.crc32(chunk, crc), size + len(chunk)
    return crc, size


def _read_chunks(file, chunk=MIB):
    while data := file.read(chunk):
        yield data


def _variant(name):
    """Return ``(encrypt(source, target), decrypt(stored) -> chunks)`` for ``name``, imports done."""
    if name == "copy":
        return _copy, _read_chunks
    if name == "fernet":
        os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.settings")
        import django

        django.setup()
        from rights_requests import files

        def encrypt(source, target):
            files.encrypt_stream(source, target, associated_data=ASSOCIATED_DATA)

        def decrypt(stored):
            return files.decrypt_stream(stored, associated_data=ASSOCIATED_DATA)

        return encrypt, decrypt
    if name == "tink":
        import tink
        from tink import streaming_aead

        streaming_aead.register()
        keyset = tink.new_keyset_handle(streaming_aead.streaming_aead_key_templates.AES256_GCM_HKDF_1MB)
        primitive = keyset.primitive(streaming_aead.StreamingAead)

        def encrypt(source, target):
            with primitive.new_encrypting_stream(target, ASSOCIATED_DATA) as encrypting:
                _copy(source, encrypting)

        def decrypt(stored):
            with primitive.new_decrypting_stream(stored, ASSOCIATED_DATA) as decrypting:
                yield from _read_chunks(decrypting)

        return encrypt, decrypt
    raise ValueError(f"unknown variant {name!r}")


def child(name, source_path, work_dir):
    """Encrypt and decrypt ``source_path`` with variant ``name``; print one JSON line of figures."""
    encrypt, decrypt = _variant(name)
    stored_path = os.path.join(work_dir, f"{name}.stored")
    with open(source_path, "rb") as source:
        expected = _crc_of_chunks(_read_chunks(source))
    figures = {"variant": name}
    if name == "tink":
        figures["library_version"] = importlib.metadata.version("tink")
    try:
        baseline = _reset_peak()
        started = time.perf_counter()
        with open(source_path, "rb") as source, open(stored_path, "wb") as target:
            encrypt(source, target)
        figures["encrypt_seconds"] = time.perf_counter() - started
        figures["encrypt_growth_mib"] = (_status_kib("VmHWM") - baseline) / 1024
        figures["stored_bytes"] = os.path.getsize(stored_path)

        baseline = _reset_peak()
        started = time.perf_counter()
        with open(stored_path, "rb") as stored:
            crc = _crc_of_chunks(decrypt(stored))
        figures["decrypt_seconds"] = time.perf_counter() - started
        figures["decrypt_growth_mib"] = (_status_kib("VmHWM") - baseline) / 1024
    finally:
        if os.path.exists(stored_path):
            os.remove(stored_path)
    if crc != expected:
        raise RuntimeError(f"{name}: what was decrypted is not what was encrypted")
    print(json.dumps(figures))


# The parent: the source file, alternating runs, the table.


def run_child(python, name, source_path, work_dir):
    completed = subprocess.run(  # noqa: S603 - a chosen interpreter, this module, fixed arguments
        [python, "-m", "bench.file_encryption", "--child", name, source_path, work_dir],
        cwd=BASE_DIR,
        capture_output=True,
        text=True,
        check=False,
    )
    if completed.returncode != 0:
        raise RuntimeError(f"{name} run exited with {completed.returncode}:\n{completed.stderr[-2000:]}")
    return json.loads(completed.stdout.strip().splitlines()[-1])


def summary(runs, size):
    """Return the median figures of ``runs`` of one variant, throughput in MiB/s of plain content."""
    encrypt = statistics.median(r["encrypt_seconds"] for r in runs)
    decrypt = statistics.median(r["decrypt_seconds"] for r in runs)
    both = statistics.median(r["encrypt_seconds"] + r["decrypt_seconds"] for r in runs)
    mib = size / MIB
    return {
        "runs": len(runs),
        "encrypt_seconds": round(encrypt, 3),
        "decrypt_seconds": round(decrypt, 3),
        "encrypt_mib_s": round(mib / encrypt),
        "decrypt_mib_s": round(mib / decrypt),
        "both_mib_s": round(mib / both),
        "both_seconds_min_max": [
            round(min(r["encrypt_seconds"] + r["decrypt_seconds"] for r in runs), 3),
            round(max(r["encrypt_seconds"] + r["decrypt_seconds"] for r in runs), 3),
        ],
        "peak_growth_mib": round(max(max(r["encrypt_growth_mib"], r["decrypt_growth_mib"]) for r in runs), 1),
        "stored_overhead_percent": round((runs[0]["stored_bytes"] / size - 1) * 100, 2),
    }


def main():
    size = int(os.environ.get("BENCH_FILE_MIB", "200")) * MIB
    rounds = int(os.environ.get("BENCH_FILE_RUNS", "3"))
    tink_python = os.environ.get("BENCH_TINK_PYTHON")
    pythons = {"copy": sys.executable, "fernet": sys.executable}
    if tink_python:
        pythons["tink"] = tink_python
    memory_backed = "/dev/shm"  # noqa: S108 - mkdtemp makes a private directory in it
    base = os.environ.get("BENCH_FILE_DIR") or (memory_backed if os.path.isdir(memory_backed) else None)
    work_dir = tempfile.mkdtemp(prefix="learnerportal-bench-files-", dir=base)
    load_before = os.getloadavg()[0]
    try:
        source_path = os.path.join(work_dir, "source")
        with open(source_path, "wb") as source:
            for _ in range(size // MIB):
                source.write(os.urandom(MIB))
        runs = {name: [] for name in pythons}
        for round_number in range(rounds):
            for name, python in pythons.items():
                runs[name].append(run_child(python, name, source_path, work_dir))
            say(f"  round {round_number + 1} of {rounds} done")
    finally:
        shutil.rmtree(work_dir, ignore_errors=True)
    results = {
        "generated_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "machine": {
            "cpus": os.cpu_count(),
            "arch": platform.machine(),
            "python": platform.python_version(),
            "load_average_1min_before_after": [round(load_before, 1), round(os.getloadavg()[0], 1)],
        },
        "plain_mib": size // MIB,
        "variants": {name: summary(figures, size) for name, figures in runs.items()},
    }
    if "tink" in runs:
        results["tink_version"] = runs["tink"][0]["library_version"]
    RESULTS.write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
    load = results["machine"]["load_average_1min_before_after"]
    say(f"\n{size // MIB} MiB, median of {rounds} runs each (child processes, alternating; load {load[0]}–{load[1]}):")
    headings = ("variant", "encrypt MiB/s", "decrypt MiB/s", "both MiB/s", "both s (min–max)", "peak +MiB", "size +%")
    rows = [
        (
            name,
            v["encrypt_mib_s"],
            v["decrypt_mib_s"],
            v["both_mib_s"],
            "{}–{}".format(*v["both_seconds_min_max"]),
            v["peak_growth_mib"],
            v["stored_overhead_percent"],
        )
        for name, v in results["variants"].items()
    ]
    widths = [max(len(str(h)), *(len(str(r[i])) for r in rows)) for i, h in enumerate(headings)]
    say("  ".join(str(h).ljust(w) for h, w in zip(headings, widths, strict=True)))
    for row in rows:
        say("  ".join(str(c).ljust(w) for c, w in zip(row, widths, strict=True)))
    say(f"{RESULTS.relative_to(BASE_DIR)} written.")


if __name__ == "__main__":
    if sys.argv[1:2] == ["--child"]:
        child(*sys.argv[2:5])
    else:
        main()
