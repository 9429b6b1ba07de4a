"""A short version of bench/load.py against the production set-up (issue 13): gunicorn with two
processes on PostgreSQL and Redis, engineers and contacts acting at once, speakers listening.
No request fails, every close debits once, every balance equals its entries, and every
announcement reaches each speaker exactly once."""
import importlib.util
import os
import sys
from pathlib import Path

import pytest

from tests.conftest import require, scratch_postgres_database
from tests.test_redis import redis_url  # noqa: F401  (a throwaway redis-server)

pytestmark = pytest.mark.postgres
ROOT = Path(__file__).resolve().parent.parent


def _bench():
    spec = importlib.util.spec_from_file_location("bench_load", ROOT / "bench" / "load.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_a_short_load_on_two_gunicorn_processes_stays_exact(redis_url, tmp_path):  # noqa: F811
    require(os.path.exists(os.path.join(sys.prefix, "bin", "gunicorn")), "gunicorn is not installed")
    load = _bench()
    with scratch_postgres_database("load") as url:
        seeded = load.seed(url, engineers=6, contacts=4)
        proc, base = load.start_server("gunicorn", url, 2, redis_url, tmp_path)
        try:
            results, heard, wall = load.run_load(base, seeded, users=12, think=0.3, duration=8)
        finally:
            proc.terminate()
            try:
                proc.wait(timeout=40)
            except Exception:
                proc.kill()
        total = sum(len(v) for v in results.times.values())
        assert total > 100, f"only {total} requests in {wall:.1f} s"
        assert dict(results.errors) == {}, (dict(results.errors), (tmp_path / "server.log").read_text()[-2000:])
        problems, _debited, announced = load.check_ledger(url, results.closes)
        assert problems == []
        assert announced > 0 and load.check_announces(heard, announced) == []
