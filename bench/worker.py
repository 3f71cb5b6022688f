"""One export in a process of its own, so that its peak memory is the export's.

Run by ``bench.run`` as ``python -m bench.worker <portable|access> <username>``;
prints one line of JSON: ``seconds`` (wall time of the one call), ``bytes`` (size
of what it produced), ``baseline_kib`` (resident memory once Django and the
learner are loaded, before the call), ``peak_kib`` (the process's peak resident
memory, ``VmHWM``, which an ``exec`` resets: the parent's memory does not count).
"""

import json
import sys
import time


def memory_kib(name):
    """Return this process's ``VmRSS`` (resident now) or ``VmHWM`` (peak resident) in KiB, from Linux ``/proc``."""
    with open("/proc/self/status", encoding="ascii") as status:
        for line in status:
            if line.startswith(f"{name}:"):
                return int(line.split()[1])
    return 0


def main(kind, username):
    import django

    django.setup()
    from django.contrib.auth import get_user_model

    subject = get_user_model().objects.select_related("profile").get(username=username)
    if kind == "portable":
        from rights_requests.portability import portable_export_file as export
    else:
        from rights_requests.reports import access_report_file as export
    baseline = memory_kib("VmRSS")
    started = time.perf_counter()
    produced = export(subject)  # the one call measured
    if isinstance(produced, str | bytes):
        size = len(produced.encode() if isinstance(produced, str) else produced)
    else:  # a temporary file holding the result
        size = produced.seek(0, 2)
        produced.close()
    seconds = time.perf_counter() - started
    print(json.dumps({"seconds": seconds, "bytes": size, "baseline_kib": baseline, "peak_kib": memory_kib("VmHWM")}))


if __name__ == "__main__":
    main(*sys.argv[1:3])
