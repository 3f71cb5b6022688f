"""Benchmarks of Learner Portal against physical floors (``make bench``; see README → Benchmarks).

Every figure is a ratio against a floor measured in the same run, interleaved with
it, because the machines it runs on are shared and noisy:

- pages: the floor view (``bench.views.floor``), which renders the base template for
  the session user, through the same middleware;
- exports: PostgreSQL ``COPY (SELECT …) TO STDOUT`` of the same rows;
- HTTP: the floor view under the same gunicorn and load generator;
- request files (``python -m bench.file_encryption``, run on its own, not by ``make bench``):
  a plain copy of the same bytes, beside the portal's format and Tink's streaming AEAD.

Nothing here is imported by the project; the project's test suite does not run it.
"""
