"""A small Flask app for the benchgate example suite.

Three endpoints of different, deterministic costs and no database:

- GET  /health        constant answer (the ready probe)
- GET  /items?limit=N builds and serialises a list of N items
- POST /orders        parses a JSON order, prices it with a bit of CPU work
                      (a few hundred rounds of SHA-256) and answers 201

Set SLOWDOWN_MS to add that many milliseconds of busy CPU work to /orders:
a stand-in for a regression, to watch the gate catch it.
"""

import hashlib
import os
import time

from flask import Flask, jsonify, request

app = Flask(__name__)

SLOWDOWN_S = float(os.environ.get("SLOWDOWN_MS", "0")) / 1000.0
MAX_LIMIT = 100


def _busy(seconds):
    """Burn CPU for `seconds` (a regression spends CPU, it does not sleep)."""
    end = time.perf_counter() + seconds
    while time.perf_counter() < end:
        pass


@app.get("/health")
def health():
    return jsonify(status="ok")


@app.get("/items")
def items():
    try:
        limit = int(request.args.get("limit", "20"))
    except ValueError:
        return jsonify(error="limit must be an integer"), 400
    limit = max(0, min(limit, MAX_LIMIT))
    rows = [
        {
            "id": i,
            "name": f"item-{i:04d}",
            "price_cents": 100 + (i * 37) % 900,
            "tags": ["sale", "new"] if i % 3 == 0 else ["regular"],
        }
        for i in range(1, limit + 1)
    ]
    return jsonify(items=rows, count=len(rows))


@app.post("/orders")
def orders():
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        return jsonify(error="expected a JSON object"), 400
    try:
        item = int(body["item"])
        qty = int(body.get("qty", 1))
    except (KeyError, TypeError, ValueError):
        return jsonify(error="item and qty must be integers"), 400
    if qty < 1:
        return jsonify(error="qty must be at least 1"), 400

    # Deterministic "pricing": chained hashing stands in for real work.
    digest = f"{item}:{qty}".encode()
    for _ in range(500):
        digest = hashlib.sha256(digest).digest()
    unit_cents = 100 + int.from_bytes(digest[:2], "big") % 900

    if SLOWDOWN_S > 0:
        _busy(SLOWDOWN_S)

    order_id = digest[:6].hex()
    return (
        jsonify(id=order_id, item=item, qty=qty, total_cents=unit_cents * qty),
        201,
    )
