"""Seeds the orders database: 200,000 deterministic orders in one transaction.

gunicorn.conf.py calls `seed` in the gunicorn master before the workers
start; `python seed.py PATH` does the same by hand.
"""

import os
import random
import sqlite3
import sys

ORDERS = 200_000
CUSTOMERS = 10_000


def seed(path, with_index):
    """Write a fresh database of ORDERS orders to `path` (deterministic)."""
    rng = random.Random(42)
    start = 1_700_000_000
    rows = [
        (
            rng.randrange(1, CUSTOMERS + 1),
            rng.randrange(1, 1000),
            rng.randrange(1, 5),
            rng.randrange(100, 100_000),
            start + i * 13,
        )
        for i in range(ORDERS)
    ]
    db = sqlite3.connect(path)
    with db:
        db.execute("PRAGMA journal_mode=WAL")
        db.execute(
            "CREATE TABLE orders (id INTEGER PRIMARY KEY, customer_id INTEGER NOT NULL,"
            " item INTEGER NOT NULL, qty INTEGER NOT NULL,"
            " total_cents INTEGER NOT NULL, created_at INTEGER NOT NULL)"
        )
        db.executemany(
            "INSERT INTO orders (customer_id, item, qty, total_cents, created_at)"
            " VALUES (?, ?, ?, ?, ?)",
            rows,
        )
        if with_index:
            db.execute("CREATE INDEX orders_customer ON orders(customer_id)")
    db.close()


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit("usage: python seed.py PATH (a new file; set ORDERS_INDEX=0 for no index)")
    seed(sys.argv[1], os.environ.get("ORDERS_INDEX", "1") != "0")
