"""Load for ``bench.run``'s HTTP figures: GET one path as fast as the server answers.

Configured by the environment (set by ``bench.run``): ``BENCH_PATH`` the path to
request, ``BENCH_COOKIE`` an optional ``Cookie`` header (a session made by the
benchmark). Any answer but 200 counts as an error.
"""

import os

from locust import constant, task
from locust.contrib.fasthttp import FastHttpUser

PATH = os.environ.get("BENCH_PATH", "/bench/floor/")
HEADERS = {"Cookie": os.environ["BENCH_COOKIE"]} if os.environ.get("BENCH_COOKIE") else {}


class PageUser(FastHttpUser):
    """One client asking for ``BENCH_PATH`` again and again, without pause."""

    wait_time = constant(0)

    @task
    def page(self):
        with self.client.get(PATH, headers=HEADERS, name=PATH, catch_response=True, allow_redirects=False) as response:
            if response.status_code != 200:
                response.failure(f"status {response.status_code}")
