"""Read ahead in a thread: the next items of an iterator are made (work files read and decoded, mostly
outside the GIL) while the caller uses this one. The release writer's jobs and the barrier use it."""

from __future__ import annotations

import queue
import threading
from typing import Iterator


def read_ahead(items: Iterator, depth: int = 2) -> Iterator:
    """``items``, made by a thread of their own at most ``depth`` ahead. An error in the thread is raised
    here; a consumer that stops early (or is closed) stops the thread."""
    slots: queue.Queue = queue.Queue(depth)
    stop = threading.Event()

    def put(kind: str, value) -> bool:
        while not stop.is_set():
            try:
                slots.put((kind, value), timeout=0.1)
                return True
            except queue.Full:
                continue
        return False

    def fill() -> None:
        try:
            for x in items:
                if not put("item", x):
                    return
            put("end", None)
        except BaseException as e:  # noqa: BLE001 - handed to the consumer
            put("error", e)

    threading.Thread(target=fill, name="read-ahead", daemon=True).start()
    try:
        while True:
            kind, value = slots.get()
            if kind == "end":
                return
            if kind == "error":
                raise value
            yield value
    finally:
        stop.set()
