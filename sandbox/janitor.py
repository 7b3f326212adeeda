"""Removing what a crashed worker left behind.

Long: ``janitor_sweep`` is one pass over the engine's containers, each rule beside
the next (age, dead owner, run labels), so that what it may remove reads as a list.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Mapping

import docker
import requests

from sandbox import cgroups, pool, writable
from sandbox.docker_config import LABEL, LABEL_CREATED, LABEL_RUN_ID
from sandbox.docker_engine import api_client
from sandbox.owner import LABEL_OWNER, owner_dead

logger = logging.getLogger(__name__)


def janitor_sweep(max_age_seconds: float, *, labels: Mapping[str, str] | None = None) -> int:
    """Force-remove sandbox containers (label ``cert-engine.sandbox=1``, plus ``labels``
    when given) created more than ``max_age_seconds`` ago, or whatever their age when
    their owner process on this host is gone (``sandbox.owner``), and their cgroup
    parents.

    A pooled container matches ``labels`` by the run labels its run recorded in its
    slot (``RunSpec.run_labels``).
    Pooled containers (started, waiting for a run) are removed the same way, with their
    slot directories. Without ``labels`` it also removes stale per-run cgroups,
    writable tmpfs areas and pool slot directories.
    Returns how many containers were removed. A run never lasts longer than its wall
    limit plus a few seconds, so a ``max_age_seconds`` above the largest wall limit only
    ever removes orphans. Safe to call twice and concurrently (a container already gone
    is skipped).
    """
    client = api_client()
    filters = [f"{LABEL}=1", *(f"{key}={value}" for key, value in (labels or {}).items())]
    now = time.time()
    removed = 0
    found = list(client.containers(all=True, filters={"label": filters}))
    if labels:
        # A pooled container's run labels are in its slot, not on the container.
        seen = {c["Id"] for c in found}
        for container in client.containers(
            all=True, filters={"label": [f"{LABEL}=1", f"{pool.LABEL_POOLED}=1"]}
        ):
            own = container.get("Labels") or {}
            run_id = own.get(LABEL_RUN_ID, "")
            merged = {**own, **(pool.run_labels_read(run_id) if run_id else {})}
            if container["Id"] not in seen and all(merged.get(k) == v for k, v in labels.items()):
                found.append(container)
    for container in found:
        container_labels = container.get("Labels") or {}
        created = float(container_labels.get(LABEL_CREATED) or container.get("Created") or 0)
        if now - created < max_age_seconds and not owner_dead(
            container_labels.get(LABEL_OWNER, "")
        ):
            continue
        try:
            client.remove_container(container["Id"], force=True)
        except docker.errors.NotFound:
            continue
        except docker.errors.APIError as exc:
            if exc.status_code == 409:  # already being removed (a pool's own reaping)
                continue
            logger.exception("janitor could not remove container %s", container["Id"])
            continue
        except requests.RequestException:
            logger.exception("janitor could not remove container %s", container["Id"])
            continue
        removed += 1
        run_id = container_labels.get(LABEL_RUN_ID)
        if run_id:
            cgroups.remove_parent(run_id)
            pool.remove_slot_dir(run_id)  # a pooled container's bind targets
        logger.info("janitor removed orphan sandbox container %s", container["Id"][:12])
    if not labels:
        for run_id in cgroups.stale_parents(max_age_seconds):
            cgroups.remove_parent(run_id)
        for path in writable.stale_mounts(max_age_seconds):
            writable.unmount(path)
        for run_id in pool.stale_slot_dirs(max_age_seconds):
            pool.remove_slot_dir(run_id)
    return removed
