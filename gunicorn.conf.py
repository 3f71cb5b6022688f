"""Gunicorn's settings for Learner Portal; gunicorn reads this file when started in the project's folder.

Command-line options (``--workers 4``) and ``GUNICORN_CMD_ARGS`` override what is set here.

Threaded workers, so that a slow download is not cut off: a sync worker is killed
when one request takes longer than ``timeout`` (a 60 MB report at 1.2 MB/s needs
50 s), streaming or not. A ``gthread`` worker's main thread reports to the arbiter
every second whatever its threads are doing, so ``timeout`` only catches a worker
that hangs as a whole; a request may take as long as the client needs. Each thread
serves one request at a time, so ``workers × threads`` downloads can run at once
(and as many database connections may be open).
"""

import os

wsgi_app = "learnerportal.wsgi"
worker_class = "gthread"
threads = 8
# Seconds without a heartbeat before the arbiter restarts a worker (not a limit on a request).
timeout = 30

# Gunicorn's own lines in the portal's format (time, level, logger; JSON with DJANGO_LOG_FORMAT=json). No access
# log: it would write every path, and paths can hold personal data (usernames).
logconfig_dict = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "portal": {
            "()": "learnerportal.log.JSONFormatter"
            if os.environ.get("DJANGO_LOG_FORMAT", "text").lower() == "json"
            else "learnerportal.log.TextFormatter"
        }
    },
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "portal", "stream": "ext://sys.stderr"}},
    "root": {"level": "INFO", "handlers": ["console"]},
    "loggers": {
        "gunicorn.error": {"level": "INFO", "handlers": ["console"], "propagate": False},
        "gunicorn.access": {"level": "INFO", "handlers": [], "propagate": False},
    },
}
