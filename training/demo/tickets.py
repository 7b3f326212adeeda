"""Synthetic IT-support tickets, Chinese, English or both in one ticket, written from
hand-made bilingual templates and vocabulary with a seeded NumPy generator. Shared by
the two ticket tasks (``ticket_triage/generate.py``, ``asset_tag_extraction/generate.py``).

Each queue has issue descriptions as (Chinese, English) pairs with slots
(``{place}``, ``{app}``, ...). Queues share vocabulary on purpose (a phishing *email*
is security, a *licence* renewal billing, a *VPN* account that expired access), and a
ticket often also mentions another queue's issue that is not the problem: fixed last
week, what the writer first suspected, a colleague's, or a queue named with "not".
Words show which queues a ticket talks about; only the context says which one it is
about.
"""

import numpy as np

QUEUES = ("network", "access", "hardware", "software", "security", "billing", "email", "printing")
QUEUE_NAMES = {
    "network": ("网络", "network"),
    "access": ("账号权限", "account"),
    "hardware": ("硬件", "hardware"),
    "software": ("软件", "software"),
    "security": ("安全", "security"),
    "billing": ("费用", "billing"),
    "email": ("邮件", "email"),
    "printing": ("打印机", "printer"),
}
Pair = tuple[str, str]
ISSUES: dict[str, tuple[Pair, ...]] = {
    "network": (
        ("{place}的 Wi-Fi 连不上", "the Wi-Fi in {place} won't connect"),
        ("VPN 每隔几分钟就断一次", "the VPN drops every few minutes"),
        ("网速特别慢，网页半天打不开", "the connection is very slow and pages time out"),
        ("网线插着但是拿不到 IP 地址", "the cable is plugged in but I get no IP address"),
        ("打开内网的{system}一直超时", "opening {system} on the intranet keeps timing out"),
        ("DNS 解析失败，内网域名都打不开", "DNS fails and no internal site resolves"),
        ("连上 VPN 以后上不了外网", "with the VPN on I can't reach the internet"),
    ),
    "access": (
        ("{system}的账号被锁了", "my {system} account is locked"),
        ("密码过期了，重置也不成功", "my password expired and the reset fails"),
        ("没有{team}共享盘的访问权限", "I have no permission on the {team} shared drive"),
        ("手机收不到多因素认证的验证码", "the MFA code never arrives on my phone"),
        ("新同事入职，需要开通{system}账号", "a new hire needs a {system} account"),
        ("VPN 账号过期了，登录提示无权限", "my VPN account expired and login says access denied"),
        (
            "调到{team}以后{system}里还是旧角色",
            "since moving to {team} I still have my old role in {system}",
        ),
    ),
    "hardware": (
        ("笔记本电脑按电源键没反应", "my laptop doesn't react to the power button"),
        ("显示器屏幕裂了一道", "the monitor screen has a crack"),
        ("电池鼓包了，后盖都顶起来了", "the battery is swollen and lifts the back cover"),
        ("键盘有几个键按了没反应", "several keys on the keyboard don't respond"),
        ("通过扩展坞接的外接显示器没信号", "the external monitor on the dock shows no signal"),
        ("风扇声音很大，机器烫手", "the fan is loud and the machine gets hot"),
        ("笔记本摔了一下，屏幕花屏", "I dropped the laptop and the screen is garbled"),
    ),
    "software": (
        ("{app}一打开就闪退", "{app} crashes as soon as it opens"),
        ("{app}更新失败，报错 0x80070005", "the {app} update fails with error 0x80070005"),
        ("需要在电脑上装{app}", "I need {app} installed on my computer"),
        ("{app}提示许可证无效，功能都灰了", "{app} says the licence is invalid and greys out"),
        ("系统更新以后{app}打不开了", "{app} won't start since the system update"),
        ("{app}导出文件时卡死", "{app} freezes when exporting a file"),
    ),
    "security": (
        (
            "收到一封可疑的钓鱼邮件，还点了里面的链接",
            "a phishing email came in and I clicked its link",
        ),
        ("杀毒软件弹窗说发现了病毒", "the antivirus pops up saying it found a virus"),
        (
            "收到异地登录提醒，不是我本人登录的",
            "I got a sign-in alert from another city that wasn't me",
        ),
        ("笔记本电脑在地铁上被偷了", "my laptop was stolen on the subway"),
        ("有人冒充财务发邮件让我转账", "someone posing as finance emailed me to wire money"),
        ("{system}的密码可能泄露了", "my {system} password may have leaked"),
        (
            "电脑里的文件突然都被加密改了后缀",
            "my files were suddenly encrypted with a new extension",
        ),
    ),
    "billing": (
        ("{vendor}的发票金额不对", "the {vendor} invoice has the wrong amount"),
        ("{app}的订阅被重复扣费了", "the {app} subscription was charged twice"),
        ("手机话费的报销一直没到账", "my phone bill reimbursement never arrived"),
        (
            "{app}的许可证到期了，需要付续费",
            "the {app} licence expired and the renewal needs paying",
        ),
        ("采购新笔记本电脑的款项还没付", "the payment for the new laptops is still open"),
        ("{team}的云服务账单比上月多了一倍", "the {team} cloud bill doubled since last month"),
    ),
    "email": (
        ("邮箱满了，新邮件都被退回", "my mailbox is full and new mail bounces"),
        ("Outlook 不同步，邮件一直卡在发件箱", "Outlook doesn't sync and mail sits in the outbox"),
        ("会议邀请发不出去", "meeting invitations won't send"),
        ("需要加入{team}的邮件组", "I need to join the {team} mailing list"),
        ("手机上收不到公司邮件", "company mail doesn't arrive on my phone"),
        ("发给外部客户的邮件都被退回了", "mail to external customers comes back undelivered"),
        ("邮件签名和自动回复设置不了", "I can't set my mail signature or auto-reply"),
    ),
    "printing": (
        ("打印机卡纸了，指示灯一直闪", "the printer is jammed and its light keeps blinking"),
        ("打印任务一直在排队，打不出来", "print jobs sit in the queue and nothing prints"),
        ("打印机没碳粉了", "the printer is out of toner"),
        ("打出来的文件全是条纹", "printouts come out streaky"),
        ("打印机的扫描到邮箱功能不能用了", "scan-to-email on the printer stopped working"),
        ("电脑里找不到{place}的打印机", "my computer can't find the printer in {place}"),
    ),
}
SLOTS: dict[str, tuple[Pair, ...]] = {
    "place": (("三楼会议室", "the 3rd-floor meeting room"), ("前台", "reception"),
              ("B 座", "building B"), ("研发区", "the R&D area"), ("食堂", "the canteen")),
    "system": (("ERP", "ERP"), ("OA", "OA"), ("CRM", "CRM"), ("报销系统", "the expense system"),
               ("Jira", "Jira"), ("Git", "Git")),
    "team": (("财务部", "finance"), ("市场部", "marketing"), ("研发部", "engineering"),
             ("人事部", "HR"), ("销售部", "sales")),
    "app": (("Excel", "Excel"), ("Teams", "Teams"), ("WPS", "WPS"), ("AutoCAD", "AutoCAD"),
            ("Photoshop", "Photoshop"), ("PyCharm", "PyCharm")),
    "vendor": (("阿里云", "Alibaba Cloud"), ("Zoom", "Zoom"), ("中国移动", "China Mobile"),
               ("Adobe", "Adobe")),
}  # fmt: skip
# Frames around the issue the ticket is about (one of them) and around issues it is not
# about ("other"); ``{d}`` is an issue, ``{q}`` a queue's name. Every frame serves every
# queue, so no frame word belongs to one queue; and an issue always comes with a lead-in
# and a tail from pools that both kinds of frame share, so that no short n-gram joins a
# frame word to an issue word (a bag of n-grams cannot tell which issue a "fixed" or
# "not" belongs to; a model that reads the sentence can).
ACTIVE: tuple[Pair, ...] = (
    ("{d}。", "{d}."),
    ("{d}，麻烦帮忙看一下。", "{d}, please take a look."),
    ("现在的问题是{d}。", "The actual problem: {d}."),
    ("从今天早上开始{d}。", "Since this morning {d}."),
    ("{d}，已经重启过了，还是不行。", "{d}; I already restarted, still the same."),
    ("{d}，应该是【{q}】问题。", "{d}, probably a [{q}] issue."),
    ("我这边{d}，很急。", "Urgent: {d}."),
)
OTHER: tuple[Pair, ...] = (
    ("上周{d}，那个已经修好了。", "Last week {d}, but that was fixed."),
    ("之前{d}，IT 已经处理好了。", "Earlier {d}; IT already sorted that out."),
    ("我一开始以为是{d}，后来发现不是。", "At first I thought {d}, but that is not it."),
    (
        "隔壁同事说{d}，不过那是另一张工单。",
        "My colleague says {d}, but that is a separate ticket.",
    ),
    ("应该不是【{q}】问题。", "It is not a [{q}] problem."),
    ("【{q}】方面我查过了，没问题。", "I checked the [{q}] side, it is fine."),
    ("另外，{d}，这个已经不用管了。", "Also, {d}, which no longer matters."),
)
LEAD_INS: tuple[Pair, ...] = (
    ("我这边", "on my side"), ("好像", "apparently"), ("突然", "suddenly"),
    ("我们组", "for our team"), ("在工位上", "at my desk"), ("据说", "reportedly"),
    ("说实话", "honestly"), ("我的电脑上", "on my computer"),
)  # fmt: skip
TAILS: tuple[Pair, ...] = (
    ("，好几次了", ", several times"), ("，整个组都这样", ", for the whole team"),
    ("（附截图）", " (screenshot attached)"), ("，影响工作", ", which blocks work"),
    ("，不知道怎么回事", ", no idea why"), ("，一直这样", ", all the time"),
    ("，时好时坏", ", on and off"),
)  # fmt: skip
GREETINGS: tuple[Pair, ...] = (("你好，", "Hi,"), ("您好！", "Hello team,"), ("", ""), ("", ""))
SIGN_OFFS: tuple[Pair, ...] = (("谢谢！", "Thanks!"), ("辛苦了。", "Cheers."), ("", ""), ("", ""))


def pick(rng: np.random.Generator, pairs: tuple[Pair, ...]) -> Pair:
    return pairs[int(rng.integers(len(pairs)))]


def fill(rng: np.random.Generator, pair: Pair) -> Pair:
    """The pair with each slot filled, the same value in both languages."""
    values = {slot: pick(rng, options) for slot, options in SLOTS.items()}
    zh = pair[0].format(**{slot: v[0] for slot, v in values.items()})
    en = pair[1].format(**{slot: v[1] for slot, v in values.items()})
    return zh, en


def typos(rng: np.random.Generator, text: str, rate: float = 0.04) -> str:
    """Swaps, drops or doubles a letter in about ``rate`` of the longer English words."""
    words = text.split(" ")
    for i, word in enumerate(words):
        if len(word) < 4 or not word.isalpha() or not word.isascii() or rng.random() >= rate:
            continue
        j = int(rng.integers(1, len(word) - 1))
        kind = int(rng.integers(3))
        if kind == 0:
            word = word[:j] + word[j + 1] + word[j] + word[j + 2 :]
        elif kind == 1:
            word = word[:j] + word[j + 1 :]
        else:
            word = word[:j] + word[j] + word[j:]
        words[i] = word
    return " ".join(words)


def languages(rng: np.random.Generator, clauses: int) -> list[int]:
    """0 (Chinese) or 1 (English) per clause: 45 % of tickets all Chinese, 35 % all
    English, the rest mixed clause by clause."""
    draw = rng.random()
    if draw < 0.45:
        return [0] * clauses
    if draw < 0.8:
        return [1] * clauses
    return [int(v) for v in rng.integers(0, 2, size=clauses)]


def join(rng: np.random.Generator, clauses: list[str], langs: list[int]) -> str:
    """Greeting, clauses, sign-off in the first and last clauses' languages; English
    clauses get a few typos. Chinese clauses join without spaces."""
    first, last = langs[0], langs[-1]
    parts = [pick(rng, GREETINGS)[first]]
    for text, lang in zip(clauses, langs, strict=True):
        parts.append(typos(rng, text) if lang else text)
    parts.append(pick(rng, SIGN_OFFS)[last])
    out = ""
    for part in filter(None, parts):
        ascii_edge = out[-1:].isascii() and part[:1].isascii()
        out += (" " if out and ascii_edge else "") + part
    return out


def capitalise(text: str) -> str:
    return text[:1].upper() + text[1:]
