"""How far a long piece of work has got: counted in rows, reported now and then, not per row."""

import time
from collections.abc import Callable

#: Seconds between two reports, so that progress costs a handful of updates, not one per row.
REPORT_EVERY = 1.0


class Progress:
    """Count work done out of a total and pass it to ``report(done, total)`` at most every ``interval`` seconds.

    With no ``report`` it only counts (e.g. for a copy made outside a request).
    The first report happens at ``start``; the last one at ``finish``.
    """

    def __init__(self, report: Callable[[int, int], None] | None = None, *, interval=None, clock=time.monotonic):
        self.done = 0
        self.total = 0
        self._report = report
        self._interval = REPORT_EVERY if interval is None else interval
        self._clock = clock
        self._reported_at = None

    def start(self, total):
        """Set the total amount of work (e.g. rows to write) and report 0 done."""
        self.total = total
        self.done = 0
        self._emit()

    def advance(self, amount):
        """Count ``amount`` more done; report if the last report is older than the interval."""
        self.done = min(self.done + amount, self.total) if self.total else self.done + amount
        if self._reported_at is None or self._clock() - self._reported_at >= self._interval:
            self._emit()

    def finish(self):
        """Report all work done."""
        self.done = self.total
        self._emit()

    def _emit(self):
        self._reported_at = self._clock()
        if self._report is not None:
            self._report(self.done, self.total)
