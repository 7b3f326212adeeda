"""Group commit in the application: concurrent callers of ``GroupCommit.submit`` in one
process share one flush (one transaction, one COMMIT), and each returns only after
the flush that carried its row has finished. There is no timer: while one flush runs,
the rows that arrive queue up, and the first of them to get the lock flushes them all
next (the leader), on its own thread and database connection. With one thread per
process every batch holds one row and nothing changes; the web server runs
``WEB_THREADS`` per process (config/serve.py)."""

import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Generic, TypeVar

Row = TypeVar("Row")
Out = TypeVar("Out")


@dataclass(eq=False)
class _Waiter(Generic[Row, Out]):
    row: Row
    done: bool = False
    result: Out | BaseException | None = None


class GroupCommit(Generic[Row, Out]):
    """``flush`` takes the rows of one batch and returns, in the same order, each
    row's result or the exception for that row alone; if it raises, every row of the
    batch gets that exception. ``submit`` returns its row's result or raises its
    exception. Safe to call from many threads at once."""

    def __init__(self, flush: Callable[[list[Row]], Sequence[Out | BaseException]]) -> None:
        self._flush = flush
        self._cond = threading.Condition()
        self._queue: list[_Waiter[Row, Out]] = []
        self._flushing = False

    def submit(self, row: Row) -> Out:
        waiter: _Waiter[Row, Out] = _Waiter(row)
        with self._cond:
            self._queue.append(waiter)
            while self._flushing and not waiter.done:
                self._cond.wait()
            if not waiter.done:  # this thread leads the next flush
                self._flushing = True
                batch, self._queue = self._queue, []
        if not waiter.done:
            self._lead(batch)
        if isinstance(waiter.result, BaseException):
            raise waiter.result
        return waiter.result  # type: ignore[return-value]  # set by the flush

    def _lead(self, batch: list[_Waiter[Row, Out]]) -> None:
        outcomes: Sequence[Out | BaseException]
        try:
            outcomes = self._flush([w.row for w in batch])
            if len(outcomes) != len(batch):
                raise RuntimeError(f"flush returned {len(outcomes)} results for {len(batch)}")
        except BaseException as exc:  # a worker's timeout too: wake everyone, then re-raise
            outcomes = [exc] * len(batch)
            raise
        finally:
            with self._cond:
                for w, outcome in zip(batch, outcomes, strict=True):
                    w.result, w.done = outcome, True
                self._flushing = False
                self._cond.notify_all()
