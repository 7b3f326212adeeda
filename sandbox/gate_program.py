"""The gate of a pre-started pooled container: the program it runs until its run.

This file is never imported by the worker: its text is the ``python3 -c`` argument of a
pre-started container's command (``sandbox.prestart``), followed by the preload list
and the run's own command. Inside the container, under the container's init:

1. import the preload modules (trusted, e.g. the grading harness's ``numpy``), with
   stderr silenced, so that a failing import only fails later, in the run itself;
2. block ``SIGUSR1``, then write the ready marker on stdout (the pool reads it from the
   attach stream before the container counts as ready);
3. wait for ``SIGUSR1`` (the go signal, sent through the engine once the run's inputs
   are in place), at most ``idle`` seconds, then exit 0 quietly;
4. restore the signal mask and run the command: ``python3 SCRIPT ARGS...`` in this
   interpreter, as ``python3`` would (``sys.argv``, ``sys.path[0]``, ``__main__``, the
   traceback and exit status of an uncaught exception), anything else by ``execvp``.

Only the standard library; nothing runs before the go signal but the imports above.
"""

import os
import runpy
import signal
import sys
import traceback

READY = b"\x00cert-sandbox-gate-ready\n"


def _preload(names: str) -> None:
    saved = os.dup(2)
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, 2)
    try:
        for name in filter(None, names.split(",")):
            try:
                __import__(name)
            except Exception:  # noqa: S112 - the run imports it again and sees the error
                continue
    finally:
        os.dup2(saved, 2)
        os.close(saved)
        os.close(devnull)


def _wait_for_go(idle: float) -> bool:
    go = {signal.SIGUSR1}
    signal.pthread_sigmask(signal.SIG_BLOCK, go)
    os.write(1, READY)
    received = signal.sigtimedwait(go, idle)
    signal.pthread_sigmask(signal.SIG_UNBLOCK, go)
    return received is not None


def _run_script(script: str, args: list[str]) -> None:
    """``python3 script args`` in this interpreter."""
    sys.argv = [script, *args]
    sys.path[0] = os.path.dirname(os.path.realpath(script))
    try:
        runpy.run_path(script, run_name="__main__")
    except SystemExit:
        raise
    except BaseException as exc:
        tb = exc.__traceback__
        # Hide the gate's and runpy's frames, as python3 would not have them.
        while tb is not None and tb.tb_frame.f_code.co_filename != script:
            tb = tb.tb_next
        traceback.print_exception(type(exc), exc, tb)
        sys.stderr.flush()
        raise SystemExit(1) from None


def main(argv: list[str]) -> None:
    idle, preload, command = float(argv[0]), argv[1], argv[2:]
    _preload(preload)
    if not _wait_for_go(idle):
        os._exit(0)
    program = os.path.basename(command[0])
    if (
        program in ("python", "python3")
        and len(command) > 1
        and not command[1].startswith("-")
        and os.path.isfile(command[1])
    ):
        _run_script(command[1], command[2:])
    else:
        os.execvp(command[0], command)  # noqa: S606 - the spec's command, never a shell


if __name__ == "__main__":
    main(sys.argv[1:])
