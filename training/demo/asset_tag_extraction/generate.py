"""Generates the asset-tag extraction data set: short synthetic IT-support tickets
(Chinese, English or mixed; vocabulary shared with ``training/demo/tickets.py``) that
mention identifiers, each labelled with the asset tag of the device the ticket is
about, or "none". Asset tags look like ``LT-48213`` (a device code, a hyphen, five
digits); tickets also mention devices that are fine (a loaner, a colleague's, an old
one returned), purchase orders with the same shape (``PO-20517``), ticket numbers,
employee IDs, extensions, rooms, IP addresses and serial numbers, in random order.
Deterministic for a given seed.

    python -m training.demo.asset_tag_extraction.generate OUT.npz

writes ``X`` (Unicode strings) and ``y`` (the tag, or "none"). The demo bundle builder
(``training.demo.bundles``) calls ``generate()``.
"""

import sys

import numpy as np
from numpy.typing import NDArray

from training.demo.tickets import ISSUES, Pair, capitalise, fill, join, languages, pick

NONE = "none"
DEVICES: dict[str, Pair] = {
    "LT": ("笔记本", "laptop"),
    "DT": ("台式机", "desktop"),
    "MN": ("显示器", "monitor"),
    "PR": ("打印机", "printer"),
    "PH": ("手机", "phone"),
    "DK": ("扩展坞", "docking station"),
    "TB": ("平板", "tablet"),
}
# A symptom and the device codes it can happen to.
SYMPTOMS: tuple[tuple[str, str, str], ...] = (
    ("开不了机", "won't power on", "LT DT MN PR PH TB"),
    ("屏幕一直闪", "has a flickering screen", "LT MN PH TB"),
    ("蓝屏重启", "keeps showing a blue screen", "LT DT"),
    ("卡纸", "keeps jamming", "PR"),
    ("连不上 Wi-Fi", "can't join the Wi-Fi", "LT PH TB PR"),
    ("没有信号输出", "gives no video signal", "DK MN DT"),
    ("电池一小时就没电", "loses its charge in an hour", "LT PH TB"),
    ("风扇噪音很大", "has a very loud fan", "LT DT"),
    ("USB 口都没反应", "doesn't react on any USB port", "DK DT LT"),
    ("丢了", "was lost", "LT PH TB"),
    ("运行特别慢", "is extremely slow", "LT DT TB"),
)
AFFECTED: tuple[Pair, ...] = (
    ("我的{d} {t} {s}。", "My {d} {t} {s}."),
    ("{d}（资产编号 {t}）{s}。", "The {d} (asset tag {t}) {s}."),
    ("资产 {t} 这台{d}{s}。", "Asset {t}, a {d}, {s}."),
    ("工位上的{d}{s}，标签上写着 {t}。", "The {d} at my desk {s}; its label says {t}."),
    ("{t} {s}，麻烦处理。", "{t} {s}, please fix it."),
    ("{s}的是{d} {t}。", "The {d} that {s} is {t}."),
)
FINE: tuple[Pair, ...] = (
    ("借用的备用{d} {t} 是好的。", "The loaner {d} {t} works fine."),
    ("旧{d} {t} 已经退回了。", "The old {d} {t} was already returned."),
    ("同事的{d} {t} 没有这个问题。", "My colleague's {d} {t} does not have this problem."),
    ("上个月报修的 {t} 已经修好了。", "{t}, reported last month, is fixed now."),
    ("换到 {t} 上就正常。", "On {t} everything is normal."),
    ("和 {t} 是同一批采购的。", "It came in the same batch as {t}."),
    ("新{d} {t} 还没到货。", "The new {d} {t} has not arrived yet."),
    ("我的{d} {t} 本身没问题。", "My {d} {t} itself is fine."),
)
OTHER_IDS: tuple[Pair, ...] = (
    ("工单号 INC{n7}。", "Ticket INC{n7}."),
    ("采购单 PO-{n5}。", "Purchase order PO-{n5}."),
    ("关联采购单 PO-{n5}。", "See PO-{n5}."),
    ("工号 E{n5}。", "Employee ID E{n5}."),
    ("有事打分机 {n4}。", "Call me at ext. {n4}."),
    ("我在 {room} 会议室。", "I am in room {room}."),
    ("我的 IP 是 10.{ip}。", "My IP is 10.{ip}."),
    ("序列号 {serial}。", "Serial number {serial}."),
)
NO_DEVICE_QUEUES = ("access", "billing", "email")
EXTRAS_P = (0.45, 0.35, 0.15, 0.05)  # 0–3 other identifiers per ticket
NONE_SHARE = 0.12
TICKETS = 20_000
MAX_CHARS = 160  # a longer ticket is drawn again (keeps the arrays small)


def tag(rng: np.random.Generator, code: str, taken: set[str]) -> str:
    """A new tag for a device of kind ``code`` (added to ``taken``)."""
    new = f"{code}-{int(rng.integers(10_000, 100_000))}"
    while new in taken:
        new = f"{code}-{int(rng.integers(10_000, 100_000))}"
    taken.add(new)
    return new


def identifiers(rng: np.random.Generator) -> dict[str, str]:
    letters = "ABCDEFGHJKLMNPQRSTUVWXYZ"
    serial = "".join(rng.choice(list(letters + "0123456789"), size=6))
    return {
        "n7": f"{int(rng.integers(10**6, 10**7)):07d}",
        "n5": str(int(rng.integers(10_000, 100_000))),
        "n4": str(int(rng.integers(1000, 10_000))),
        "room": f"{letters[int(rng.integers(8))]}{int(rng.integers(1, 9))}-{int(rng.integers(101, 920))}",
        "ip": ".".join(str(int(v)) for v in rng.integers(0, 256, size=3)),
        "serial": f"{int(rng.integers(1, 10))}CG{serial}",
    }


def affected(rng: np.random.Generator, taken: set[str]) -> tuple[Pair, str]:
    """The clause about the broken device, and its tag."""
    zh_symptom, en_symptom, codes = SYMPTOMS[int(rng.integers(len(SYMPTOMS)))]
    code = str(rng.choice(codes.split()))
    label = tag(rng, code, taken)
    frame, device = pick(rng, AFFECTED), DEVICES[code]
    zh = frame[0].format(d=device[0], t=label, s=zh_symptom)
    return (zh, frame[1].format(d=device[1], t=label, s=en_symptom)), label


def extra(rng: np.random.Generator, taken: set[str]) -> Pair:
    """A device that is fine (half the time) or another kind of identifier."""
    if rng.random() < 0.5:
        code = str(rng.choice(list(DEVICES)))
        other = tag(rng, code, taken)
        frame, device = pick(rng, FINE), DEVICES[code]
        return frame[0].format(d=device[0], t=other), frame[1].format(d=device[1], t=other)
    frame, values = pick(rng, OTHER_IDS), identifiers(rng)
    return frame[0].format(**values), frame[1].format(**values)


def ticket(rng: np.random.Generator, taken: set[str]) -> tuple[str, str]:
    """A ticket and its label: about a broken device (its tag), or about an account,
    a bill or the mail (``none``), with 0–3 other identifiers, in random order. Its
    tags are new (added to ``taken``)."""
    if rng.random() < NONE_SHARE:
        queue = NO_DEVICE_QUEUES[int(rng.integers(len(NO_DEVICE_QUEUES)))]
        issue = fill(rng, pick(rng, ISSUES[queue]))
        main, label = (issue[0] + "。", capitalise(issue[1]) + "."), NONE
    else:
        main, label = affected(rng, taken)
    clauses = [main] + [extra(rng, taken) for _ in range(rng.choice(4, p=EXTRAS_P))]
    order = rng.permutation(len(clauses))
    langs = languages(rng, len(clauses))
    text = join(
        rng, [capitalise(clauses[i][lang]) for i, lang in zip(order, langs, strict=True)], langs
    )
    return text, label


def generate(seed: int = 2026, tickets: int = TICKETS) -> tuple[NDArray[np.str_], NDArray[np.str_]]:
    """``tickets`` distinct tickets and their labels (a tag or ``none``). No asset tag
    occurs in two tickets, so no split can reveal another's answer."""
    rng = np.random.default_rng(seed)
    pairs: dict[str, str] = {}
    taken: set[str] = set()
    while len(pairs) < tickets:
        text, label = ticket(rng, taken)
        if len(text) <= MAX_CHARS:
            pairs.setdefault(text, label)
    return np.array(list(pairs)), np.array(list(pairs.values()))


if __name__ == "__main__":
    X, y = generate()
    np.savez_compressed(sys.argv[1], X=X, y=y)
    print(f"{len(X)} tickets, {np.mean(y == NONE):.0%} none -> {sys.argv[1]}")
