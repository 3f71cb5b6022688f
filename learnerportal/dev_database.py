"""Find or start a PostgreSQL server for development and tests, and create the database.

Run by ``make run`` and ``make test`` before anything touches the database:

    python -m learnerportal.dev_database   # prints the DATABASE_URL to use

In order it tries: ``DATABASE_URL`` if set; a server on 127.0.0.1:5432 (user
``postgres``, trust auth); a project-local cluster under ``var/postgres`` when
``initdb`` and ``pg_ctl`` are installed. Otherwise it exits with status 1 and says
what to install. Messages go to stderr; only the URL goes to stdout.
"""

import glob
import os
import pwd
import shutil
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import psycopg2
from psycopg2 import sql

BASE_DIR = Path(__file__).resolve().parent.parent
DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/learnerportal"
LOCAL_PORT = 54329
LOCAL_DIR = BASE_DIR / "var" / "postgres"


def say(message):
    print(message, file=sys.stderr)


def server_url(url, database="postgres"):
    """Return ``url`` pointing at another database on the same server."""
    parts = urlsplit(url)
    return urlunsplit(parts._replace(path=f"/{database}"))


def reachable(url):
    try:
        psycopg2.connect(server_url(url), connect_timeout=3).close()
    except psycopg2.OperationalError:
        return False
    return True


def ensure_database(url):
    """Create the database named in ``url`` when it does not exist yet."""
    name = urlsplit(url).path.lstrip("/")
    connection = psycopg2.connect(server_url(url), connect_timeout=5)
    connection.autocommit = True
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name])
            if cursor.fetchone() is None:
                cursor.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
                say(f"Created database {name}.")
    finally:
        connection.close()


def find_server_binaries():
    """Return the directory holding ``initdb`` and ``pg_ctl``, or None."""
    initdb = shutil.which("initdb")
    if initdb and shutil.which("pg_ctl"):
        return Path(initdb).parent
    candidates = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"), reverse=True)
    return Path(candidates[0]).parent if candidates else None


def as_postgres_user(command):
    """Return ``command`` run as the ``postgres`` OS user when we are root (initdb refuses root)."""
    if os.geteuid() != 0:
        return command
    try:
        pwd.getpwnam("postgres")
    except KeyError:
        return None
    return ["runuser", "-u", "postgres", "--", *command]


def start_local_cluster(bindir):
    """Start (creating if needed) a cluster under var/postgres; return its URL or None."""
    data = LOCAL_DIR / "data"
    LOCAL_DIR.mkdir(parents=True, exist_ok=True)
    if os.geteuid() == 0:
        shutil.chown(LOCAL_DIR, "postgres", "postgres")
    if not (data / "PG_VERSION").exists():
        command = as_postgres_user(
            [str(bindir / "initdb"), "-D", str(data), "-U", "postgres", "--auth=trust", "-E", "UTF8"]
        )
        if command is None:
            return None
        say(f"Creating a local PostgreSQL cluster in {data} …")
        subprocess.run(command, check=True, stdout=subprocess.DEVNULL)
    command = as_postgres_user(
        [
            str(bindir / "pg_ctl"),
            "-D",
            str(data),
            "-l",
            str(LOCAL_DIR / "server.log"),
            "-o",
            f"-p {LOCAL_PORT} -k {LOCAL_DIR} -c listen_addresses=127.0.0.1",
            "-w",
            "start",
        ]
    )
    subprocess.run(command, check=False, stdout=subprocess.DEVNULL)
    url = f"postgres://postgres@127.0.0.1:{LOCAL_PORT}/learnerportal"
    for _ in range(20):
        if reachable(url):
            return url
        time.sleep(0.5)
    return None


def main():
    url = os.environ.get("DATABASE_URL")
    if url:
        if not reachable(url):
            say(f"DATABASE_URL is set but its server does not answer ({urlsplit(url).hostname}:{urlsplit(url).port}).")
            return 1
    elif reachable(DEFAULT_URL):
        url = DEFAULT_URL
    else:
        bindir = find_server_binaries()
        url = start_local_cluster(bindir) if bindir else None
        if url is None:
            say(
                "No PostgreSQL server found. Do one of:\n"
                "  - set DATABASE_URL=postgres://USER:PASSWORD@HOST:PORT/learnerportal\n"
                "  - start a server on 127.0.0.1:5432 that trusts user postgres\n"
                "  - install the server binaries (Debian/Ubuntu: apt-get install postgresql;\n"
                "    macOS: brew install postgresql) and run this again: a local cluster is\n"
                "    then created under var/postgres."
            )
            return 1
    ensure_database(url)
    print(url)
    return 0


if __name__ == "__main__":
    sys.exit(main())
