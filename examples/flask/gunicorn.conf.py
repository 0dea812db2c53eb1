"""gunicorn settings for the example: the master seeds a fresh database.

`on_starting` runs once in the master before the workers fork: it writes
200,000 orders to .data/orders-<master pid>.db (about a second), with or
without the index on orders(customer_id) (ORDERS_INDEX=0: without), and
passes the path to the workers in ORDERS_DB. `on_exit` deletes it; files
left by a master that was killed are deleted by the next start.
"""

import glob
import os
import time

from seed import seed

HERE = os.path.dirname(os.path.abspath(__file__))
DATA = os.path.join(HERE, ".data")

workers = 2
# gunicorn 23+ opens a control socket at one fixed path per user: two
# instances at once (A/B mode starts two) would fight over it.
control_socket_disable = True


def _alive(pid):
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _remove(path):
    for suffix in ("", "-wal", "-shm"):
        try:
            os.remove(path + suffix)
        except FileNotFoundError:
            pass


def on_starting(server):
    os.makedirs(DATA, exist_ok=True)
    for stale in glob.glob(os.path.join(DATA, "orders-*.db")):
        pid = os.path.basename(stale)[len("orders-") : -len(".db")]
        if pid.isdigit() and not _alive(int(pid)):
            _remove(stale)
    path = os.path.join(DATA, f"orders-{os.getpid()}.db")
    _remove(path)
    with_index = os.environ.get("ORDERS_INDEX", "1") != "0"
    started = time.monotonic()
    seed(path, with_index)
    os.environ["ORDERS_DB"] = path
    server.log.info(
        "seeded %s (index on orders(customer_id): %s) in %.1f s",
        path,
        "yes" if with_index else "NO",
        time.monotonic() - started,
    )


def on_exit(server):
    path = os.environ.get("ORDERS_DB")
    if path:
        _remove(path)
