"""``make bench``: measure the portal against its floors, write ``bench/results.json``, print a table.

    python -m bench            # what ``make bench`` runs (after the venv and database set-up)

Environment: ``DATABASE_URL`` names the server (as for ``make test``); the benchmark
keeps its data in a database of its own beside it, ``<name>_bench`` (or
``BENCH_DATABASE_URL``). ``BENCH_PORT`` is gunicorn's port (default: a free one); ``BENCH_LOCUST`` the
load generator's command (``make bench`` sets it).
``BENCH_ACCESS_REPORT=1`` also measures the access report (about a minute more);
``BENCH_QUICK=1`` runs fewer repetitions (a smoke run: figures are noisier);
``BENCH_ONLY=pages,admin`` runs only those sections and prints them (results.json is
not written).
"""

import json
import os
import platform
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from contextlib import contextmanager, suppress
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

BENCH_DIR = Path(__file__).resolve().parent
BASE_DIR = BENCH_DIR.parent
RESULTS = BENCH_DIR / "results.json"
QUICK = os.environ.get("BENCH_QUICK") == "1"
#: Interleaved rounds of each page and its floor, after the warm-up.
ROUNDS = 10 if QUICK else 20
WARMUP = 3
#: Erasures in the benchmark database and in the tenfold one (each learner is erased for good).
ERASURE_RUNS = 1 if QUICK else 3
#: Runs of the portable export for the big learner (the doubled one and the access report run once).
EXPORT_RUNS = 1
ADMIN_ROUNDS = 4 if QUICK else 8
#: Seconds of load per HTTP measurement, and rounds of (floor, page) pairs.
HTTP_SECONDS = 5 if QUICK else 10
HTTP_ROUNDS = 1
HTTP_USERS = 8
#: The load generator: ``make bench`` installs it in a virtualenv of its own.
LOCUST = os.environ.get("BENCH_LOCUST") or shutil.which("locust") or "locust"

GOALS = {
    "page_ratio": 1.5,
    "page_queries": 6,
    "export_ratio": 2.0,
    "export_peak_mib": 150,
    "erasure_seconds": 2.0,
    "erasure_ratio": 1.2,
    "admin_ms": 300,
    "admin_queries": 12,
    "http_ratio": 0.8,
}


def say(message=""):
    print(message, flush=True)


def bench_database_url():
    """Return the benchmark database's URL: ``BENCH_DATABASE_URL``, else ``DATABASE_URL``'s name + ``_bench``."""
    if os.environ.get("BENCH_DATABASE_URL"):
        return os.environ["BENCH_DATABASE_URL"]
    url = os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/learnerportal")
    parts = urlsplit(url)
    return urlunsplit(parts._replace(path=parts.path.rstrip("/") + "_bench"))


def percentile(values, fraction):
    """Return the nearest-rank percentile of ``values`` (``fraction`` in 0–1)."""
    ordered = sorted(values)
    return ordered[max(0, min(len(ordered) - 1, round(fraction * len(ordered) + 0.5) - 1))]


def ms(seconds):
    return round(seconds * 1000, 2)


# Sessions and in-process requests


def session_cookie(user, *, verified=False):
    """Return a session key signing ``user`` in (with the second factor passed when ``verified``)."""
    from importlib import import_module

    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django_otp import DEVICE_ID_SESSION_KEY

    from accounts.models import TOTPDevice

    store = import_module(settings.SESSION_ENGINE).SessionStore()
    store[SESSION_KEY] = str(user.pk)
    store[BACKEND_SESSION_KEY] = "accounts.backends.UsernameOrEmailBackend"
    store[HASH_SESSION_KEY] = user.get_session_auth_hash()
    if verified:
        store[DEVICE_ID_SESSION_KEY] = TOTPDevice.objects.get(user=user, confirmed=True).persistent_id
    store.save()
    return store.session_key


def client_for(user=None, *, verified=False):
    """Return a Django test client (no CSRF checks), signed in as ``user`` when given."""
    from django.conf import settings
    from django.test import Client

    client = Client()
    if user is not None:
        client.cookies[settings.SESSION_COOKIE_NAME] = session_cookie(user, verified=verified)
    return client


def call(client, method, path, data):
    started = time.perf_counter()
    response = client.post(path, data()) if method == "POST" else client.get(path)
    elapsed = time.perf_counter() - started
    return elapsed, response.status_code


def count_queries(client, method, path, data):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as captured:
        _, status = call(client, method, path, data)
    return len(captured.captured_queries), status


def no_data():
    return {}


def measure_pages(targets, *, rounds=ROUNDS, warmup=WARMUP):
    """Time each target and its floor, alternating, and count their queries.

    Args:
        targets: dicts with ``name``, ``client``, ``method``, ``path``, ``data``
            (callable returning the POST data), ``expect`` (status), ``floor_client``.

    Returns:
        list of result dicts, in ``targets`` order.
    """
    samples = {t["name"]: ([], []) for t in targets}
    for round_number in range(warmup + rounds):
        for target in targets:
            floor_time, floor_status = call(target["floor_client"], "GET", "/bench/floor/", no_data)
            page_time, status = call(target["client"], target["method"], target["path"], target["data"])
            if status != target["expect"] or floor_status != 200:
                raise RuntimeError(f"{target['name']}: {target['path']} answered {status} (floor {floor_status})")
            if round_number >= warmup:
                samples[target["name"]][0].append(page_time)
                samples[target["name"]][1].append(floor_time)
    results = []
    for target in targets:
        page, floor = samples[target["name"]]
        queries, _ = count_queries(target["client"], target["method"], target["path"], target["data"])
        floor_queries, _ = count_queries(target["floor_client"], "GET", "/bench/floor/", no_data)
        results.append(
            {
                "name": target["name"],
                "path": target["path"],
                "method": target["method"],
                "subject": target["subject"],
                "median_ms": ms(statistics.median(page)),
                "p95_ms": ms(percentile(page, 0.95)),
                "floor_median_ms": ms(statistics.median(floor)),
                "floor_p95_ms": ms(percentile(floor, 0.95)),
                "ratio": round(statistics.median(page) / statistics.median(floor), 2),
                "p95_ratio": round(percentile(page, 0.95) / percentile(floor, 0.95), 2),
                "queries": queries,
                "floor_queries": floor_queries,
                "samples": len(page),
            }
        )
    return results


def api_profile_path(username):
    """Return the public-profile API path for ``username``, or None when the project has no such URL yet."""
    from django.urls import Resolver404, resolve

    path = f"/api/v1/learners/{username}/"
    try:
        resolve(path)
    except Resolver404:
        return None
    return path


def bench_pages(accounts):
    """Item 1: the learner-facing pages, for a learner with little data and one with much."""
    from privacy.models import ProfileVisibility

    anonymous = client_for()
    viewer = client_for(accounts["bench-viewer"])
    settings_a = dict.fromkeys(ProfileVisibility.FIELDS, "public")
    settings_b = settings_a | {"bio": "learners", "country": "learners"}
    flip = {"n": 0}

    def visibility_post():
        flip["n"] += 1
        return settings_a if flip["n"] % 2 else settings_b

    targets = []
    for size, username in (("small", "bench-small"), ("large", "bench-big")):
        own = client_for(accounts[username])
        api = api_profile_path(username)
        page_targets = [
            ("Privacy tab GET", own, own, "GET", "/settings/privacy/", 200),
            ("Privacy tab POST", own, own, "POST", "/settings/privacy/", 302),
            ("Data-rights page", own, own, "GET", "/settings/data/", 200),
            ("Public profile HTML, visitor", anonymous, anonymous, "GET", f"/learners/{username}/", 200),
            ("Public profile HTML, learner", viewer, viewer, "GET", f"/learners/{username}/", 200),
        ]
        if api:
            page_targets.append(("Public profile API, visitor", anonymous, anonymous, "GET", api, 200))
        for name, client, floor_client, method, path, expect in page_targets:
            targets.append(
                {
                    "name": f"{name} ({size})",
                    "subject": username,
                    "client": client,
                    "floor_client": floor_client,
                    "method": method,
                    "path": path,
                    "data": visibility_post if method == "POST" else no_data,
                    "expect": expect,
                }
            )
    # The profiles apart, after the settings pages: the Privacy tab's POST changes the learner's visibility each
    # round, which drops their cached profile, so measured between them every view would be a first view.
    profiles = [target for target in targets if target["name"].startswith("Public profile")]
    results = measure_pages([target for target in targets if target not in profiles]) + measure_pages(profiles)
    by_name = {r["name"]: r for r in results}
    for result in results:
        if result["name"].endswith("(large)"):
            small = by_name[result["name"].replace("(large)", "(small)")]
            result["queries_small"] = small["queries"]
            result["queries_independent_of_volume"] = small["queries"] == result["queries"]
    return {
        "pages": results,
        "api_profile": "measured"
        if api_profile_path("bench-small")
        else "not available: /api/v1/learners/<username>/ does not exist in this version of the project",
    }


# Exports


class _Sink:
    """A file-like object that counts and discards what is written (COPY's destination)."""

    def __init__(self):
        self.bytes = 0

    def write(self, data):
        self.bytes += len(data)


#: How ``str()`` of a related row reads in SQL, for the COPY floor (the export writes ``str(row.fk)``).
RELATED_TEXT = {"accounts.course": "title", "accounts.enrollment": "course__title", "accounts.partner": "name"}


def copy_floor(subject):
    """COPY the rows and fields the portable export reads for ``subject``; return ``(seconds, bytes)``.

    Per kind of record, like the export (``portable_files()``): its columns, foreign
    keys as their related row's text, a person as their id.
    """
    from django.contrib.auth import get_user_model
    from django.db import connection, models

    from rights_requests.portability import portable_files

    statements = []
    for portable_file in portable_files():
        columns = []
        for column in portable_file.columns:
            field = column.field
            if isinstance(field, models.ForeignKey) and field.related_model is not get_user_model():
                text = RELATED_TEXT.get(field.related_model._meta.label_lower)
                columns.append(f"{field.name}__{text}" if text else field.attname)
            else:
                columns.append(field.attname)
        queryset = portable_file.dataset.declaration.queryset_for(subject).order_by("pk").values_list(*columns)
        sql, params = queryset.query.sql_with_params()
        statements.append((sql, params))
    sink = _Sink()
    started = time.perf_counter()
    with connection.cursor() as cursor:
        for sql, params in statements:
            query = cursor.mogrify(sql, params).decode()
            cursor.copy_expert(f"COPY ({query}) TO STDOUT WITH (FORMAT csv)", sink)
    return time.perf_counter() - started, sink.bytes


def run_worker(kind, username):
    """Run one export in a child process; return its JSON line (seconds, bytes, baseline and peak KiB)."""
    completed = subprocess.run(  # noqa: S603 - our own interpreter and module, fixed arguments
        [sys.executable, "-m", "bench.worker", kind, username],
        cwd=BASE_DIR,
        env=dict(os.environ),
        stdout=subprocess.PIPE,
        text=True,
        check=False,
    )
    if completed.returncode != 0:
        raise RuntimeError(f"bench.worker {kind} {username} exited with {completed.returncode}")
    return json.loads(completed.stdout.strip().splitlines()[-1])


def bench_exports(accounts):
    """Item 2: portable export (and access report) time against the COPY floor, and peak memory."""
    figures = {}
    for label, username, runs in (("1x", "bench-big", EXPORT_RUNS), ("2x", "bench-double", max(1, EXPORT_RUNS - 1))):
        subject = accounts[username]
        export_runs, floor_runs = [], []
        for _ in range(runs):
            floor_runs.append(copy_floor(subject))
            export_runs.append(run_worker("portable", username))
        floor_runs.append(copy_floor(subject))
        seconds = statistics.median(r["seconds"] for r in export_runs)
        floor_seconds = statistics.median(s for s, _ in floor_runs)
        figures[label] = {
            "subject": username,
            "runs": runs,
            "seconds": round(seconds, 3),
            "copy_floor_seconds": round(floor_seconds, 4),
            "copy_floor_bytes": floor_runs[0][1],
            "ratio": round(seconds / floor_seconds, 1),
            "zip_bytes": export_runs[0]["bytes"],
            "peak_mib": round(max(r["peak_kib"] for r in export_runs) / 1024, 1),
            "baseline_mib": round(min(r["baseline_kib"] for r in export_runs) / 1024, 1),
        }
        figures[label]["growth_mib"] = round(figures[label]["peak_mib"] - figures[label]["baseline_mib"], 1)
        say(
            f"  portable export {label}: {seconds:.2f} s (COPY floor {floor_seconds * 1000:.0f} ms), "
            f"peak {figures[label]['peak_mib']} MiB"
        )
    figures["peak_growth_2x_over_1x_mib"] = round(figures["2x"]["peak_mib"] - figures["1x"]["peak_mib"], 1)
    # The access report, once, for the big learner, when asked: it takes longer than all the rest.
    if os.environ.get("BENCH_ACCESS_REPORT") != "1":
        figures["access_report"] = {"status": "not measured (BENCH_ACCESS_REPORT=1 measures it)"}
        return figures
    try:
        floor_seconds, _ = copy_floor(accounts["bench-big"])
        report = run_worker("access", "bench-big")
    except RuntimeError as error:
        figures["access_report"] = {"status": f"not measured: {error}"}
    else:
        figures["access_report"] = {
            "subject": "bench-big",
            "seconds": round(report["seconds"], 3),
            "copy_floor_seconds": round(floor_seconds, 4),
            "ratio": round(report["seconds"] / floor_seconds, 1),
            "html_bytes": report["bytes"],
            "peak_mib": round(report["peak_kib"] / 1024, 1),
            "baseline_mib": round(report["baseline_kib"] / 1024, 1),
        }
        say(f"  access report 1x: {report['seconds']:.2f} s, peak {figures['access_report']['peak_mib']} MiB")
    return figures


# Erasure


@contextmanager
def timed(name, timings):
    """Time each call of ``compliance.erasure.<name>`` made inside the block into ``timings``."""
    from compliance import erasure

    original = getattr(erasure, name)

    def timed_call(*args, **kwargs):
        started = time.perf_counter()
        try:
            return original(*args, **kwargs)
        finally:
            timings.append(time.perf_counter() - started)

    setattr(erasure, name, timed_call)
    try:
        yield
    finally:
        setattr(erasure, name, original)


def tenfold_database(url):
    """Return the name of the tenfold database beside the benchmark's, made (once) from a copy of it.

    ``CREATE DATABASE … TEMPLATE`` copies the benchmark database's files (no other session may be
    connected to it meanwhile); ``data.tenfold_load`` then grows the copy in SQL.
    """
    import psycopg2
    from django.db import connection
    from psycopg2 import sql

    from learnerportal.dev_database import server_url

    from . import data

    source = urlsplit(url).path.lstrip("/")
    name = f"{source}_tenfold"
    server = psycopg2.connect(server_url(url), connect_timeout=5)
    server.autocommit = True
    tenfold_url = urlunsplit(urlsplit(url)._replace(path=f"/{name}"))
    try:
        with server.cursor() as cursor:
            cursor.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name])
            exists = cursor.fetchone() is not None
            if exists and _dataset_version_of(tenfold_url) not in (data.DATASET_VERSION, data.TENFOLD_VERSION):
                say(f"{name} holds an older data set: dropping it …")
                cursor.execute(sql.SQL("DROP DATABASE {}").format(sql.Identifier(name)))
                exists = False
            if not exists:
                connection.close()
                say(f"Copying {source} to {name} …")
                cursor.execute(
                    sql.SQL("CREATE DATABASE {} TEMPLATE {}").format(sql.Identifier(name), sql.Identifier(source))
                )
    finally:
        server.close()
    tenfold = psycopg2.connect(tenfold_url, connect_timeout=5)
    try:
        started = time.monotonic()
        with tenfold, tenfold.cursor() as cursor:
            grown = data.tenfold_load(cursor, say=say)
        if grown:
            tenfold.autocommit = True
            with tenfold.cursor() as cursor:
                cursor.execute("VACUUM ANALYZE")
            say(f"Grown in {time.monotonic() - started:.0f} s.")
    finally:
        tenfold.close()
    return name


def _dataset_version_of(url):
    """Return the version of the data set in the database at ``url``, or None."""
    import psycopg2

    with psycopg2.connect(url, connect_timeout=5) as database, database.cursor() as cursor:
        cursor.execute("SELECT to_regclass('bench_dataset') IS NOT NULL")
        if not cursor.fetchone()[0]:
            return None
        cursor.execute("SELECT version FROM bench_dataset")
        row = cursor.fetchone()
    database.close()
    return row[0] if row else None


@contextmanager
def database_named(name):
    """Point Django's connection at another database on the same server inside the block."""
    from django.core.management import call_command
    from django.db import connection

    original = connection.settings_dict["NAME"]
    connection.close()
    connection.settings_dict["NAME"] = name
    try:
        call_command("migrate", verbosity=0, interactive=False)
        yield
    finally:
        connection.close()
        connection.settings_dict["NAME"] = original


def erasure_measure(run_id):
    """Erase a fresh learner with ``bench-big``'s data through the request handler; return the figures."""
    from django.db import connection, transaction
    from django.utils import timezone

    from rights_requests.deadlines import due_at_for
    from rights_requests.handlers import handler_for
    from rights_requests.models import RightsRequest, Status

    from .data import erasure_subject_create

    subject = erasure_subject_create(run=run_id)
    now = timezone.now()
    request = RightsRequest.objects.create(
        reference=f"DSR-E{run_id}",
        subject=subject,
        type="erasure",
        status=Status.PROCESSING,
        received_at=now,
        due_at=due_at_for(now),
    )
    scans, decrypts = [], []
    with timed("erasure_scan", scans), timed("_encrypted_scan", decrypts):
        started = time.perf_counter()
        with transaction.atomic():  # as the processing task calls a handler
            handler_for("erasure").fulfil(request)
        seconds = time.perf_counter() - started
    receipt = RightsRequest.objects.get(pk=request.pk).result["erasure_receipt"]
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_database_size(current_database())")
        database_bytes = cursor.fetchone()[0]
        cursor.execute("SELECT (SELECT count(*) FROM accounts_user), (SELECT count(*) FROM accounts_learningevent)")
        accounts, events = cursor.fetchone()
    return {
        "seconds": round(seconds, 3),
        "scan_seconds": round(sum(scans), 3),
        "scan_decrypt_seconds": round(sum(decrypts), 3),
        "without_scan_seconds": round(seconds - sum(scans), 3),
        "scan_findings": len(receipt["scan"]),
        "encrypted_rows_decrypted": receipt["scanned"].get("encrypted_rows"),
        "database_mib": round(database_bytes / 2**20),
        "database_accounts": accounts,
        "database_learning_events": events,
    }


def bench_erasure():
    """Item 3: erase a learner with 1,000 enrollments and 100,000 events, in the benchmark database and a tenfold one.

    The same learner (same data, same seed) in both: the receipt's cost should follow the
    learner, not the database (ratio ≤ 1.2). ``ERASURE_RUNS`` erasures in each, alternated
    (bench, tenfold, tenfold, bench), and the fastest of each kept: a busy machine adds time,
    never takes it away.
    """
    run_id = int(time.time())
    tenfold = tenfold_database(os.environ["DATABASE_URL"])  # main() points it at the benchmark database
    runs = {"bench": [], "tenfold": []}
    order = ["bench", "tenfold", "tenfold", "bench"] * ERASURE_RUNS
    for number, where in enumerate(order[: 2 * ERASURE_RUNS]):
        if where == "bench":
            runs[where].append(erasure_measure(run_id + number))
        else:
            with database_named(tenfold):
                runs[where].append(erasure_measure(run_id + number))
        latest = runs[where][-1]
        say(f"  erasure ({where}): {latest['seconds']:.2f} s, of which the receipt scan {latest['scan_seconds']:.2f} s")
    best = {where: min(figures, key=lambda f: f["seconds"]) for where, figures in runs.items()}
    figures = {"enrollments": 1_000, "events": 100_000, "runs": ERASURE_RUNS} | best["bench"]
    figures["tenfold"] = best["tenfold"]
    figures["tenfold_ratio"] = round(best["tenfold"]["seconds"] / best["bench"]["seconds"], 2)
    say(f"  fastest of {ERASURE_RUNS}: tenfold / bench = {figures['tenfold_ratio']}×")
    return figures


# The admin queue


def bench_admin(accounts):
    """Item 4: the staff queue with 100,000 requests, as a verified support agent."""
    from rights_requests.models import RightsRequest

    staff = client_for(accounts["bench-staff"], verified=True)
    base = "/admin/rights_requests/rightsrequest/"
    pages = [
        ("Queue changelist", base),
        ("Queue filtered (open erasure requests)", base + "?deadline=open&type=erasure"),
        ("Queue filtered (overdue, assigned to me)", base + "?deadline=overdue&assigned=me"),
        ("Queue search (username; not a goal of issue 9)", base + "?q=bench-learner-1234"),
    ]
    targets = [
        {
            "name": name,
            "subject": "bench-staff",
            "client": staff,
            "floor_client": staff,
            "method": "GET",
            "path": path,
            "data": no_data,
            "expect": 200,
        }
        for name, path in pages
    ]
    results = measure_pages(targets, rounds=ADMIN_ROUNDS, warmup=2)
    return {"requests": RightsRequest.objects.count(), "pages": results}


# HTTP under gunicorn


def load_generator_cores():
    """Return ``(server cores, load generator cores)``: the load generator on a core of its own, or None, None.

    Only where that leaves the server at least two cores (its two workers): on a 2-core machine
    the load generator and gunicorn share both, as the README says.
    """
    cores = sorted(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else []
    if len(cores) < 3:
        return None, None
    return set(cores[:-1]), {cores[-1]}


SERVER_CORES, LOAD_GENERATOR_CORES = load_generator_cores()


def on_cores(cores):
    """Return a ``preexec_fn`` that keeps a child process on ``cores`` (None: wherever the system runs it)."""
    return None if cores is None else (lambda: os.sched_setaffinity(0, cores))


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@contextmanager
def gunicorn(port):
    """Run gunicorn (2 workers) with the benchmark settings on 127.0.0.1:``port`` for the block."""
    env = dict(os.environ, DJANGO_SETTINGS_MODULE="bench.settings")
    log = tempfile.NamedTemporaryFile("w+", prefix="bench-gunicorn-", suffix=".log", delete=False)  # noqa: SIM115
    process = subprocess.Popen(  # noqa: S603 - our own virtualenv's gunicorn, fixed arguments
        [
            str(Path(sys.executable).with_name("gunicorn")),
            "learnerportal.wsgi",
            "--workers",
            "2",
            "--bind",
            f"127.0.0.1:{port}",
            "--log-level",
            "warning",
        ],
        cwd=BASE_DIR,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        preexec_fn=on_cores(SERVER_CORES),
    )
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=1):
                    break
            except OSError:
                if process.poll() is not None or time.monotonic() > deadline:
                    log.seek(0)
                    raise RuntimeError(f"gunicorn did not start:\n{log.read()[-2000:]}") from None
                time.sleep(0.2)
        yield f"http://127.0.0.1:{port}"
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        log.close()
        os.unlink(log.name)


def locust(host, path, cookie, seconds):
    """Load ``path`` for ``seconds`` with ``HTTP_USERS`` clients; return ``{rps, p99_ms, requests, errors}``."""
    with tempfile.TemporaryDirectory(prefix="bench-locust-") as directory:
        prefix = os.path.join(directory, "run")
        env = dict(os.environ, BENCH_PATH=path, BENCH_COOKIE=cookie or "")
        subprocess.run(  # noqa: S603 - our own virtualenv's locust, fixed arguments
            [
                LOCUST,
                "-f",
                str(BENCH_DIR / "locustfile.py"),
                "--headless",
                "--users",
                str(HTTP_USERS),
                "--spawn-rate",
                str(HTTP_USERS),
                "--run-time",
                f"{seconds}s",
                "--host",
                host,
                "--csv",
                prefix,
                "--only-summary",
                "--loglevel",
                "ERROR",
                "--exit-code-on-error",
                "0",
            ],
            cwd=BASE_DIR,
            env=env,
            check=True,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            preexec_fn=on_cores(LOAD_GENERATOR_CORES),
        )
        import csv

        with open(f"{prefix}_stats.csv", encoding="utf-8") as stats:
            row = next(r for r in csv.DictReader(stats) if r["Name"] == "Aggregated")
    if not int(row["Request Count"]) or row["99%"] == "N/A":
        raise RuntimeError(f"The load generator completed no request to {path} in {seconds} s.")
    return {
        "rps": float(row["Requests/s"]),
        "p99_ms": float(row["99%"]),
        "requests": int(row["Request Count"]),
        "errors": int(row["Failure Count"]),
    }


def bench_http(accounts):
    """Item 5: throughput and p99 under gunicorn with 2 workers, each page against the floor."""
    from django.conf import settings

    cookie_name = settings.SESSION_COOKIE_NAME
    signed_in = f"{cookie_name}={session_cookie(accounts['bench-small'])}"
    targets = [
        ("Privacy tab GET (small)", "/settings/privacy/", signed_in),
        ("Public profile HTML, visitor (small)", "/learners/bench-small/", None),
    ]
    api = api_profile_path("bench-small")
    if api:
        targets.append(("Public profile API, visitor (small)", api, None))
    port = int(os.environ.get("BENCH_PORT") or free_port())
    runs = {name: ([], []) for name, _, _ in targets}
    with gunicorn(port) as host:
        for _name, path, cookie in [("floor", "/bench/floor/", None), *targets]:  # warm both workers up
            # A worker still loading may answer nothing in time: that is what warming up is for.
            with suppress(RuntimeError):
                locust(host, path, cookie, 3)
        for _ in range(HTTP_ROUNDS):
            for name, path, cookie in targets:
                runs[name][0].append(locust(host, "/bench/floor/", cookie, HTTP_SECONDS))
                runs[name][1].append(locust(host, path, cookie, HTTP_SECONDS))
    results = []
    for name, path, cookie in targets:
        floors, pages = runs[name]
        rps = statistics.median(r["rps"] for r in pages)
        floor_rps = statistics.median(r["rps"] for r in floors)
        results.append(
            {
                "name": name,
                "path": path,
                "signed_in": cookie is not None,
                "rps": round(rps, 1),
                "p99_ms": max(r["p99_ms"] for r in pages),
                "floor_rps": round(floor_rps, 1),
                "floor_p99_ms": max(r["p99_ms"] for r in floors),
                "ratio": round(rps / floor_rps, 2),
                "requests": sum(r["requests"] for r in pages),
                "errors": sum(r["errors"] for r in pages),
                "floor_errors": sum(r["errors"] for r in floors),
            }
        )
        say(f"  {name}: {rps:.0f} req/s against the floor's {floor_rps:.0f}")
    return {
        "workers": 2,
        "users": HTTP_USERS,
        "seconds_per_run": HTTP_SECONDS,
        "rounds": HTTP_ROUNDS,
        "load_generator_cores": sorted(LOAD_GENERATOR_CORES) if LOAD_GENERATOR_CORES else "shared with the server",
        "pages": results,
    }


# Goals and the table


def goals(results):
    """Return ``[{"item", "goal", "measured", "met"}]`` for every goal of the issue."""
    checks = []

    def check(item, goal, measured, met):
        checks.append({"item": item, "goal": goal, "measured": measured, "met": bool(met)})

    for page in results["pages"]["pages"]:
        check(page["name"], f"≤ {GOALS['page_ratio']}× floor (median)", f"{page['ratio']}×", page["ratio"] <= 1.5)
        check(page["name"], f"≤ {GOALS['page_queries']} queries", str(page["queries"]), page["queries"] <= 6)
        if "queries_independent_of_volume" in page:
            check(
                page["name"],
                "queries independent of data volume",
                f"{page['queries_small']} small, {page['queries']} large",
                page["queries_independent_of_volume"],
            )
    exports = results["exports"]
    one, two = exports["1x"], exports["2x"]
    check("Portable export (1x)", f"≤ {GOALS['export_ratio']}× COPY floor", f"{one['ratio']}×", one["ratio"] <= 2)
    check(
        "Portable export (1x)",
        f"peak ≤ {GOALS['export_peak_mib']} MiB",
        f"{one['peak_mib']} MiB",
        one["peak_mib"] <= 150,
    )
    check(
        "Portable export (2x)",
        "peak flat when data doubles (within 10 %)",
        f"{one['peak_mib']} → {two['peak_mib']} MiB",
        two["peak_mib"] <= one["peak_mib"] * 1.1 and two["peak_mib"] <= 150,
    )
    erasure = results["erasure"]
    check("Erasure (1,000 enrollments, 100,000 events)", "≤ 2 s", f"{erasure['seconds']} s", erasure["seconds"] <= 2)
    tenfold = erasure["tenfold"]
    check(
        "Erasure, same learner, database with 10× learners and events",
        f"≤ {GOALS['erasure_seconds']} s",
        f"{tenfold['seconds']} s",
        tenfold["seconds"] <= GOALS["erasure_seconds"],
    )
    check(
        "Erasure, tenfold database against the benchmark's",
        f"≤ {GOALS['erasure_ratio']}×",
        f"{erasure['tenfold_ratio']}×",
        erasure["tenfold_ratio"] <= GOALS["erasure_ratio"],
    )
    admin_pages = results["admin"]["pages"]
    for page in admin_pages:
        if "not a goal" in page["name"]:
            continue
        check(page["name"], f"≤ {GOALS['admin_ms']} ms (median)", f"{page['median_ms']} ms", page["median_ms"] <= 300)
        check(page["name"], f"≤ {GOALS['admin_queries']} queries", str(page["queries"]), page["queries"] <= 12)
    counts = {page["queries"] for page in admin_pages}
    check(
        "Admin queue",
        "query count constant in rows",
        ", ".join(str(p["queries"]) for p in admin_pages),
        len(counts) == 1,
    )
    for page in results["http"]["pages"]:
        check(
            f"HTTP {page['name']}",
            f"≥ {GOALS['http_ratio']}× floor throughput, 0 errors",
            f"{page['ratio']}×, {page['errors']} errors",
            page["ratio"] >= 0.8 and page["errors"] == 0,
        )
    return checks


def table(rows, headings):
    widths = [max(len(str(h)), *(len(str(r[i])) for r in rows)) for i, h in enumerate(headings)]
    lines = ["  ".join(str(h).ljust(w) for h, w in zip(headings, widths, strict=True))]
    lines.append("  ".join("-" * w for w in widths))
    lines += ["  ".join(str(c).ljust(w) for c, w in zip(r, widths, strict=True)) for r in rows]
    return "\n".join(lines)


def report(results):
    """Print every figure as tables."""
    pages = results["pages"]["pages"]
    say("\n== Pages, in process (median / p95 ms; ratio against the floor view measured alternately)")
    say(
        table(
            [
                (
                    p["name"],
                    p["median_ms"],
                    p["p95_ms"],
                    p["floor_median_ms"],
                    f"{p['ratio']}×",
                    f"{p['p95_ratio']}×",
                    p["queries"],
                    p["floor_queries"],
                )
                for p in pages
            ],
            ["page", "median", "p95", "floor", "ratio", "p95 ratio", "queries", "floor q"],
        )
    )
    if results["pages"]["api_profile"] != "measured":
        say(f"Public profile API: {results['pages']['api_profile']}.")
    exports = results["exports"]
    say("\n== Exports (child process; COPY floor of the same rows)")
    rows = [
        (
            f"Portable export {k}",
            exports[k]["subject"],
            f"{exports[k]['seconds']} s",
            f"{exports[k]['copy_floor_seconds']} s",
            f"{exports[k]['ratio']}×",
            f"{exports[k]['peak_mib']} MiB",
            f"{exports[k]['baseline_mib']} MiB",
        )
        for k in ("1x", "2x")
    ]
    access = exports["access_report"]
    if "seconds" in access:
        rows.append(
            (
                "Access report 1x",
                access["subject"],
                f"{access['seconds']} s",
                f"{access['copy_floor_seconds']} s",
                f"{access['ratio']}×",
                f"{access['peak_mib']} MiB",
                f"{access['baseline_mib']} MiB",
            )
        )
    say(table(rows, ["export", "learner", "time", "COPY floor", "ratio", "peak RSS", "RSS before"]))
    if "status" in access:
        say(f"Access report: {access['status']}.")
    erasure = results["erasure"]
    say("\n== Erasure (fresh learner: 1,000 enrollments, 100,000 events)")
    say(
        f"wall {erasure['seconds']} s = receipt scan {erasure['scan_seconds']} s + the rest "
        f"{erasure['without_scan_seconds']} s; database {erasure['database_mib']} MiB; "
        f"scan findings: {erasure['scan_findings']}"
    )
    for label, figures in (("bench", erasure), ("tenfold", erasure["tenfold"])):
        say(
            f"{label}: {figures['database_accounts']:,} accounts, {figures['database_learning_events']:,} learning "
            f"events, {figures['database_mib']} MiB; scan {figures['scan_seconds']} s, of which decrypting "
            f"{figures['encrypted_rows_decrypted']:,} encrypted rows {figures['scan_decrypt_seconds']} s"
        )
    say(f"tenfold / bench: {erasure['tenfold_ratio']}×")
    say(f"\n== Admin queue ({results['admin']['requests']:,} requests; verified support agent)")
    say(
        table(
            [
                (p["name"], p["median_ms"], p["p95_ms"], p["floor_median_ms"], p["queries"])
                for p in results["admin"]["pages"]
            ],
            ["page", "median ms", "p95 ms", "floor ms", "queries"],
        )
    )
    http = results["http"]
    say(f"\n== HTTP, gunicorn {http['workers']} workers, {http['users']} clients, {http['seconds_per_run']} s runs")
    say(
        table(
            [
                (p["name"], p["rps"], p["floor_rps"], f"{p['ratio']}×", p["p99_ms"], p["floor_p99_ms"], p["errors"])
                for p in http["pages"]
            ],
            ["page", "req/s", "floor req/s", "ratio", "p99 ms", "floor p99 ms", "errors"],
        )
    )
    say("\n== Goals")
    say(
        table(
            [(g["item"], g["goal"], g["measured"], "met" if g["met"] else "MISSED") for g in results["goals"]],
            ["what", "goal", "measured", ""],
        )
    )


def main():
    started = time.monotonic()
    url = bench_database_url()
    os.environ["DATABASE_URL"] = url
    os.environ["DJANGO_SETTINGS_MODULE"] = "bench.settings"
    os.environ.setdefault("DJANGO_MEDIA_ROOT", tempfile.mkdtemp(prefix="learnerportal-bench-media-"))
    from learnerportal.dev_database import ensure_database

    ensure_database(url)
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    from . import data

    call_command("migrate", verbosity=0, interactive=False)
    loaded_at = time.monotonic()
    fresh = data.dataset_load(say=say)
    load_seconds = time.monotonic() - loaded_at
    if fresh:
        say(f"Loaded in {load_seconds:.0f} s.")
    accounts = data.users("bench-big", "bench-double", "bench-small", "bench-viewer", "bench-staff")
    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version")
        server_version = cursor.fetchone()[0]
    results = {
        "generated_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version(), "postgresql": server_version},
        "quick": QUICK,
        "dataset": {"version": data.DATASET_VERSION, "loaded_this_run": fresh, "load_seconds": round(load_seconds, 1)},
    }
    sections = [
        ("pages", "1. Pages", lambda: bench_pages(accounts)),
        ("exports", "2. Exports", lambda: bench_exports(accounts)),
        ("erasure", "3. Erasure", bench_erasure),
        ("admin", "4. Admin queue", lambda: bench_admin(accounts)),
        ("http", "5. HTTP under gunicorn", lambda: bench_http(accounts)),
    ]
    only = [name for name in os.environ.get("BENCH_ONLY", "").split(",") if name]
    for key, title, measure in sections:
        if only and key not in only:
            continue
        say(f"== {title}")
        connection.close()  # each section starts from a fresh connection, as a new process would
        section_started = time.monotonic()
        results[key] = measure()
        results[key]["section_seconds"] = round(time.monotonic() - section_started, 1)
    if only:  # a partial run (development): print it, keep results.json as it is
        say(json.dumps(results, indent=2, ensure_ascii=False))
        return
    results["goals"] = goals(results)
    results["total_seconds"] = round(time.monotonic() - started, 1)
    RESULTS.write_text(json.dumps(results, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    report(results)
    missed = sum(not g["met"] for g in results["goals"])
    say(
        f"\n{len(results['goals']) - missed} goals met, {missed} missed; {RESULTS.relative_to(BASE_DIR)} written "
        f"in {results['total_seconds']} s."
    )


if __name__ == "__main__":
    main()
