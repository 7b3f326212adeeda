"""Sign + verify throughput on one core: ``python -m certification.bench.credentials``.

Each iteration builds a distinct Open Badges credential (own id, holder, status
indexes), signs it, and runs the full :func:`credential_verify` on it (contexts,
terms, proof, key, issuer, dates, revocation, suspension). Canonical documents are
never cached, so every sign and every verify canonicalises the credential afresh.

Long: ``run`` is the measured loop and its set-up, read as one scenario.
"""

from __future__ import annotations

import argparse
import os
import platform
import time
from datetime import UTC, datetime, timedelta

from certification.credentials.vc.multikey import private_key_generate
from certification.credentials.vc.openbadges import (
    AchievementSpec,
    ComponentResult,
    IssuerProfile,
    LocalizedText,
    identity_salt_new,
    open_badge_credential_build,
)
from certification.credentials.vc.proof import credential_sign
from certification.credentials.vc.status_list import (
    StatusEntry,
    StatusList,
    status_bits_new,
    status_index_random,
)
from certification.credentials.vc.verify import VerificationKey, credential_verify

ISSUER = IssuerProfile(
    id="https://cert.example.org/issuer",
    name="人工智能技能认证委员会 / AI Skills Certification Committee",
    url="https://cert.example.org/",
)
REVOCATION_URL = "https://cert.example.org/status/revocation/1"
SUSPENSION_URL = "https://cert.example.org/status/suspension/1"


def _text(zh: str, en: str) -> LocalizedText:
    return LocalizedText(zh_hans=zh, en=en)


ACHIEVEMENT = AchievementSpec(
    id="https://cert.example.org/achievements/nlp-intermediate",
    name=_text("人工智能技能认证(中级·自然语言处理)", "AI Skills Certification, Intermediate, NLP"),
    description=_text("通过笔试、实操与面试。", "Passed the written, practical and oral exams."),
    criteria=_text(
        "综合成绩不低于 70 分,各部分达到最低分。", "Composite >= 70, every minimum met."
    ),
    level="intermediate",
    domain=_text("自然语言处理", "Natural language processing"),
    human_code="AISC-NLP-2",
)


def run(count: int) -> float:
    """Sign and verify ``count`` credentials; return credentials per second."""
    return run_timed(count)[0]


def run_timed(count: int) -> tuple[float, float]:
    """Sign and verify ``count`` credentials; return credentials per second of wall
    time and per second of this process's CPU time."""
    private_key = private_key_generate()
    key = VerificationKey(
        id=f"{ISSUER.id}#key-1", controller=ISSUER.id, public_key=private_key.public_key()
    )
    lists = {
        REVOCATION_URL: StatusList(
            url=REVOCATION_URL, purpose="revocation", bits=bytes(status_bits_new())
        ),
        SUSPENSION_URL: StatusList(
            url=SUSPENSION_URL, purpose="suspension", bits=bytes(status_bits_new())
        ),
    }
    now = datetime.now(UTC)
    documents = [
        open_badge_credential_build(
            credential_id=f"urn:uuid:00000000-0000-4000-8000-{n:012d}",
            issuer=ISSUER,
            achievement=ACHIEVEMENT,
            holder_email=f"candidate{n}@example.com",
            holder_salt=identity_salt_new(),
            holder_name=f"考生 {n}",
            valid_from=now,
            valid_until=now + timedelta(days=730),
            results=[
                ComponentResult(
                    key="written",
                    name=_text("笔试", "Written exam"),
                    result_type="Percent",
                    value=str(60 + n % 40),
                    required_value="60",
                    value_min="0",
                    value_max="100",
                ),
                ComponentResult(
                    key="practical",
                    name=_text("实操", "Practical"),
                    result_type="Percent",
                    value=str(70 + n % 30),
                    required_value="60",
                    value_min="0",
                    value_max="100",
                ),
                ComponentResult(
                    key="interview",
                    name=_text("面试", "Interview"),
                    result_type="Status",
                    value="Passed",
                ),
            ],
            status_entries=[
                StatusEntry(
                    list_credential=REVOCATION_URL,
                    index=status_index_random(),
                    purpose="revocation",
                ),
                StatusEntry(
                    list_credential=SUSPENSION_URL,
                    index=status_index_random(),
                    purpose="suspension",
                ),
            ],
        )
        for n in range(count)
    ]
    start, cpu_start = time.perf_counter(), time.process_time()
    for document in documents:
        signed = credential_sign(
            document=document, private_key=private_key, verification_method=key.id
        )
        report = credential_verify(
            signed,
            trusted_issuers={ISSUER.id},
            key_resolver=lambda vm: key if vm == key.id else None,
            status_resolver=lists.get,
            now=now,
        )
        if not report.valid:
            raise SystemExit(f"verification failed: {report.to_json()}")
    elapsed, cpu = time.perf_counter() - start, time.process_time() - cpu_start
    return count / elapsed, count / cpu


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("-n", "--count", type=int, default=1000, help="credentials per run")
    parser.add_argument("-r", "--repeat", type=int, default=3, help="runs; the median counts")
    parser.add_argument("--cpu", type=int, default=None, help="pin the process to this core")
    args = parser.parse_args()
    if args.cpu is not None and hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {args.cpu})
    run(50)  # warm the pinned-context caches, as a long-running worker would be
    rates = sorted(run(args.count) for _ in range(args.repeat))
    median = rates[len(rates) // 2]
    print(
        f"sign + verify, {args.count} credentials x {args.repeat} runs, one core: "
        f"median {median:.1f} credentials/s (runs: {', '.join(f'{r:.1f}' for r in rates)}); "
        f"Python {platform.python_version()} on {platform.machine()}, "
        f"{os.cpu_count()} CPUs visible"
    )


if __name__ == "__main__":
    main()
