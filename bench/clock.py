"""Deadline computations per second with the office calendar (lunch break, weekends, RU holidays).

Usage: .venv/bin/python bench/clock.py
"""
import random
import sys
import time
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from app.sla.clock import add_business_minutes, business_minutes_between, make_calendar  # noqa: E402

WEEK = {d: [["09:00", "13:00"], ["14:00", "18:00"]] for d in ("mon", "tue", "wed", "thu", "fri")}


def main():
    calendar = make_calendar(timezone="Europe/Moscow", intervals=WEEK, country="RU")
    rng = random.Random(7)
    base = datetime(2026, 1, 1, tzinfo=ZoneInfo("Europe/Moscow"))
    starts = [base + timedelta(minutes=rng.randrange(0, 365 * 24 * 60)) for _ in range(20_000)]
    targets = [rng.choice([60, 240, 480, 960, 2400]) for _ in starts]
    began = time.perf_counter()
    dues = [add_business_minutes(calendar, s, m) for s, m in zip(starts, targets, strict=True)]
    elapsed = time.perf_counter() - began
    print(f"add_business_minutes: {len(starts) / elapsed:,.0f} deadlines/s (targets 1–40 business hours)")
    began = time.perf_counter()
    for s, d in zip(starts, dues, strict=True):
        business_minutes_between(calendar, s, d)
    print(f"business_minutes_between: {len(starts) / (time.perf_counter() - began):,.0f} measurements/s")


if __name__ == "__main__":
    main()
