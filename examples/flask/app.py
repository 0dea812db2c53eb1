"""A small orders API on SQLite, for the benchgate example suite.

- GET  /health             constant answer (the ready probe)
- GET  /orders?customer=N  a customer's 20 latest orders, their count and
                           total (two queries: the index on
                           orders(customer_id) makes them lookups; without
                           it each one scans the whole table)
- GET  /orders/<id>        one order by primary key
- POST /orders             {"customer": N, "item": N, "qty": N} -> 201

The database (200,000 seeded orders) is created fresh by the gunicorn master
at start-up (gunicorn.conf.py, with seed.py), so every run starts
from the same data. Knobs, read at start-up:

- ORDERS_INDEX=0   no index on orders(customer_id): a head commit that
                   dropped the index
- SLOWDOWN=1.1     GET /orders?customer takes 10% longer: busy work
                   stretches its service time (from the request reaching
                   Flask to its answer) by that factor
- CPU_FACTOR=1.1   every request costs its worker 10% more CPU time (busy
                   work after the handler, in proportion to all the CPU the
                   worker spent since the previous request's: gunicorn's
                   parsing and writing too): a CPU regression of the whole app
"""

import os
import sqlite3
import time

from flask import Flask, g, jsonify, request

LIMIT = 20
# Rounds of the pricing loop in GET /orders?customer (about 0.5 ms).
PRICING_ROUNDS = 2_000
SLOWDOWN = float(os.environ.get("SLOWDOWN", "1"))
CPU_FACTOR = float(os.environ.get("CPU_FACTOR", "1"))
DB_ENV = "ORDERS_DB"

app = Flask(__name__)


# This worker's CPU time when its previous request's busy work ended (a
# gunicorn sync worker serves one request at a time).
_cpu_mark = None


@app.before_request
def started():
    g.started = time.perf_counter()


@app.after_request
def stretched(response):
    """The knobs' busy work, after the handler (a no-op at 1)."""
    global _cpu_mark
    extra_wall = 0.0
    if request.endpoint == "by_customer":
        extra_wall = (SLOWDOWN - 1) * (time.perf_counter() - g.started)
    now = time.process_time()
    extra_cpu = 0.0 if _cpu_mark is None else (CPU_FACTOR - 1) * (now - _cpu_mark)
    spin(extra_wall, extra_cpu)
    _cpu_mark = time.process_time()
    return response


def spin(wall, cpu):
    """Busy work for at least `wall` s of wall-clock time and `cpu` s of
    this process's CPU time."""
    wall_end = time.perf_counter() + wall
    cpu_end = time.process_time() + cpu
    while time.perf_counter() < wall_end or time.process_time() < cpu_end:
        pass


def connection():
    if "db" not in g:
        path = os.environ.get(DB_ENV)
        if not path:
            raise RuntimeError(
                f"{DB_ENV} is not set: start the app with gunicorn -c gunicorn.conf.py"
            )
        g.db = sqlite3.connect(path, timeout=5)
        g.db.row_factory = sqlite3.Row
    return g.db


@app.teardown_appcontext
def close(_exc):
    db = g.pop("db", None)
    if db is not None:
        db.close()


def order(row):
    return {k: row[k] for k in ("id", "customer_id", "item", "qty", "total_cents", "created_at")}


def price(rows):
    """Deterministic CPU work standing in for pricing and formatting."""
    acc = 0
    for i in range(PRICING_ROUNDS):
        acc = (acc * 31 + i + len(rows)) % 1_000_003
    return acc


@app.get("/health")
def health():
    return jsonify(status="ok")


@app.get("/orders")
def by_customer():
    try:
        customer = int(request.args["customer"])
    except (KeyError, ValueError):
        return jsonify(error="customer must be an integer, e.g. /orders?customer=42"), 400
    db = connection()
    rows = db.execute(
        "SELECT * FROM orders WHERE customer_id = ? ORDER BY created_at DESC LIMIT ?",
        (customer, LIMIT),
    ).fetchall()
    count, spent = db.execute(
        "SELECT COUNT(*), COALESCE(SUM(total_cents), 0) FROM orders WHERE customer_id = ?",
        (customer,),
    ).fetchone()
    return jsonify(
        orders=[order(r) for r in rows], count=count, spent_cents=spent, checksum=price(rows)
    )


@app.get("/orders/<int:order_id>")
def one(order_id):
    row = connection().execute("SELECT * FROM orders WHERE id = ?", (order_id,)).fetchone()
    if row is None:
        return jsonify(error=f"no order {order_id}"), 404
    return jsonify(order(row))


@app.post("/orders")
def create():
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        return jsonify(error="expected a JSON object"), 400
    try:
        customer, item, qty = int(body["customer"]), int(body["item"]), int(body.get("qty", 1))
    except (KeyError, TypeError, ValueError):
        return jsonify(error="customer, item and qty must be integers"), 400
    if qty < 1:
        return jsonify(error="qty must be at least 1"), 400
    total = qty * (100 + item * 37 % 900)
    db = connection()
    with db:
        cur = db.execute(
            "INSERT INTO orders (customer_id, item, qty, total_cents, created_at)"
            " VALUES (?, ?, ?, ?, ?)",
            (customer, item, qty, total, int(time.time())),
        )
    return jsonify(id=cur.lastrowid, customer_id=customer, item=item, qty=qty, total_cents=total), 201
