"""Counters of events that happen in the web processes, for /metrics.

Only what the database does not already record is counted here: autosaves (the
answer log would cost a count over millions of rows per scrape) and credential
verifications (not stored at all). Every web server process has its own
counters; with ``PROMETHEUS_MULTIPROC_DIR`` set, prometheus-client writes them to
shared files and /metrics sums them (ops/metrics.py). Facts that the database or
Redis hold (exam starts, sandbox runs, queue depths, certificates issued) are read
there at scrape time instead, so that they are right whichever process answers."""

from prometheus_client import Counter

AUTOSAVES = Counter(
    "certengine_autosaves",
    "Answer saves received from exam pages, by outcome.",
    ["outcome"],  # applied / stale (an older revision arrived late) / refused
)
CREDENTIAL_VERIFICATIONS = Counter(
    "certengine_credential_verifications",
    "Public verifications of certificates and credential documents, by kind.",
    ["kind"],  # page / json / document
)
