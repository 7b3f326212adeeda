"""Queueing a Celery task by its name, after the transaction commits. By name, so that
a service need not import the module that defines the task (that module imports the
service: an import cycle), and so that a lower layer can ask for work that a higher
one defines."""

from collections.abc import Callable

from celery import current_app
from django.db import transaction


def task_send_on_commit(name: str, *args: int | str) -> None:
    """Sends task ``name`` with ``args`` once the current transaction commits (at once
    outside a transaction); nothing is sent when it rolls back. Routes apply by name.
    In eager mode (the zero-config demo: no broker) the task runs in this process, as
    ``.delay`` would."""
    transaction.on_commit(_sender(name, args))


def _sender(name: str, args: tuple[int | str, ...]) -> Callable[[], None]:
    def send() -> None:
        if current_app.conf.task_always_eager:
            current_app.loader.import_default_modules()
            current_app.tasks[name].apply(args=args, throw=True)
        else:
            current_app.send_task(name, args=list(args))

    return send
