"""The demo programme (from shared/CURRICULUM.md): levels × domains, a Beginner CV
curriculum, a question bank, a written exam, the digits practical task, the
Beginner CV certification and one account per role. ``demo_load`` is idempotent."""

from decimal import Decimal
from typing import Any

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from certification.credentials.services import certificate_record_issue
from certification.models import (
    Application,
    Blueprint,
    BlueprintComponent,
    Certificate,
    Certification,
    EligibilityRule,
    Exam,
    InterviewSlot,
)
from core.roles import Role, role_grant
from grading.demo.practical import practical_demo_install
from training.models import (
    Category,
    Curriculum,
    Domain,
    Lesson,
    Level,
    Question,
    QuestionBank,
    QuestionVersion,
    Rubric,
    Tag,
)

Kind = QuestionVersion.Kind

LEVELS = [
    ("beginner", "初级", "Beginner", 1),
    ("intermediate", "中级", "Intermediate", 2),
    ("advanced", "高级", "Advanced", 3),
]
DOMAINS = [
    ("nlp", "自然语言处理", "NLP"),
    ("cv", "计算机视觉", "Computer vision"),
    ("speech", "语音识别", "Speech"),
]

DEMO_ACCOUNTS = [
    # username, password, role, is_staff
    ("committee", "committee-demo-2026", Role.COMMITTEE, True),
    ("instructor", "instructor-demo-2026", Role.INSTRUCTOR, False),
    ("examiner", "examiner-demo-2026", Role.EXAMINER, False),
    ("candidate", "candidate-demo-2026", Role.CANDIDATE, False),
]

LESSONS = [
    (
        "AI 大模型概述 Overview",
        "从感知机、多层感知机到 2012 年的 AlexNet；输入层、隐藏层、输出层；"
        "神经网络、深度学习框架、大数据处理、分布式计算与优化算法。",
    ),
    (
        "数学基础 Maths",
        "线性代数：向量、矩阵、行列式、矩阵乘法与矩阵求导。\n\n概率与统计：条件概率、"
        "贝叶斯定理、常见分布与期望。\n\n优化：损失函数、梯度、SGD 与 Adam、收敛。",
    ),
    (
        "计算基础 Computing",
        "神经元与激活函数（sigmoid、ReLU、tanh），多层感知机，前向传播与反向传播。"
        "\n\n```python\nimport torch\nfrom torch import nn\nmodel = nn.Sequential(nn.Linear(64, 128), nn.ReLU(), nn.Linear(128, 10))\n```",
    ),
    (
        "图像识别入门 Image recognition",
        "卷积神经网络、数据归一化与增强、训练/验证/测试集划分、"
        "早停与学习率调度。实操：用 PyTorch 识别 8×8 手写数字。",
    ),
]


def _choices(*texts: str) -> list[dict[str, str]]:
    return [{"id": chr(ord("a") + i), "text": text} for i, text in enumerate(texts)]


CASE_RUBRIC = {
    "title": "案例分析评分量表 Case analysis rubric",
    "criteria": [
        {
            "id": "diagnosis",
            "name": "问题诊断 Diagnosis",
            "levels": [
                {"id": "0", "label": "未识别", "descriptor": "没有指出过拟合", "points": 0},
                {"id": "1", "label": "部分", "descriptor": "指出过拟合但无依据", "points": 1},
                {
                    "id": "2",
                    "label": "完整",
                    "descriptor": "用训练/验证曲线说明过拟合",
                    "points": 2,
                },
            ],
        },
        {
            "id": "remedy",
            "name": "改进措施 Remedies",
            "levels": [
                {"id": "0", "label": "无", "descriptor": "没有可行措施", "points": 0},
                {"id": "1", "label": "一项", "descriptor": "一项合理措施", "points": 1},
                {
                    "id": "2",
                    "label": "多项",
                    "descriptor": "数据增强、正则化、早停等多项并说明取舍",
                    "points": 2,
                },
            ],
        },
    ],
}

# (category, tags, kind, stem, data, key, feedback, points)
QUESTIONS: list[
    tuple[str, list[str], str, str, dict[str, Any], dict[str, Any], dict[str, Any], str]
] = [
    (
        "说明 Notes",
        [],
        Kind.DESCRIPTION,
        "**考试说明**：共 10 题（含本说明），限时 30 分钟。答案随作答自动保存；断网时保存在本机并在恢复后自动重发。"
        "公式如 $E = mc^2$，代码如 `torch.nn`。",
        {},
        {},
        {},
        "0",
    ),
    (
        "基础 Foundations",
        ["difficulty:easy", "topic:history"],
        Kind.SINGLE_CHOICE,
        "哪一年 AlexNet 在 ImageNet 竞赛中取得突破？",
        {"choices": _choices("2006", "2012", "2016", "2020")},
        {"fractions": {"b": 1}},
        {"general": "AlexNet 于 2012 年赢得 ILSVRC。"},
        "1",
    ),
    (
        "基础 Foundations",
        ["difficulty:easy", "topic:activation"],
        Kind.SINGLE_CHOICE,
        "ReLU 激活函数的定义是？",
        {"choices": _choices("$1/(1+e^{-x})$", "$\\max(0, x)$", "$\\tanh(x)$", "$x^2$")},
        {"fractions": {"b": 1}},
        {"general": "ReLU(x) = max(0, x)。"},
        "1",
    ),
    (
        "训练 Training",
        ["difficulty:medium", "topic:regularisation"],
        Kind.MULTIPLE_CHOICE,
        "以下哪些方法可以缓解过拟合？（多选）",
        {
            "choices": _choices(
                "数据增强 Augmentation",
                "早停 Early stopping",
                "增大学习率到发散",
                "L2 正则化 Weight decay",
            )
        },
        {"fractions": {"a": 0.34, "b": 0.33, "c": -1, "d": 0.33}},
        {"general": "增大学习率不会缓解过拟合，还可能使训练发散。"},
        "2",
    ),
    (
        "训练 Training",
        ["difficulty:easy", "topic:data"],
        Kind.TRUE_FALSE,
        "测试集可以用来调整超参数。",
        {},
        {"correct": False},
        {"general": "超参数应在验证集上调整；测试集只用于最终评估。"},
        "1",
    ),
    (
        "基础 Foundations",
        ["difficulty:easy", "topic:activation"],
        Kind.SINGLE_CHOICE,
        "sigmoid 函数的取值范围是？",
        {"choices": _choices("$(-1, 1)$", "$(0, 1)$", "$[0, +\\infty)$", "全体实数")},
        {"fractions": {"b": 1}},
        {"general": "$\\sigma(x) = 1 / (1 + e^{-x}) \\in (0, 1)$。"},
        "1",
    ),
    (
        "计算 Computing",
        ["difficulty:medium", "topic:cnn"],
        Kind.FILL_IN,
        "卷积神经网络的英文缩写是 [[1]]；一张 8×8 的灰度图展平后是 [[2]] 维向量。",
        {"blanks": ["1", "2"]},
        {
            "blanks": {
                "1": [{"match": "ci", "value": "CNN", "fraction": 1}],
                "2": [{"match": "numeric", "value": "64", "tolerance": 0, "fraction": 1}],
            }
        },
        {"general": "CNN = Convolutional Neural Network；8 × 8 = 64。"},
        "2",
    ),
    (
        "计算 Computing",
        ["difficulty:medium", "topic:frameworks"],
        Kind.MATCHING,
        "把 PyTorch 的函数与用途配对。",
        {
            "prompts": [
                {"id": "p1", "text": "`nn.functional.cross_entropy`"},
                {"id": "p2", "text": "`torch.argmax`"},
                {"id": "p3", "text": "`torch.optim.Adam`"},
            ],
            "options": [
                {"id": "o1", "text": "分类损失"},
                {"id": "o2", "text": "取预测类别"},
                {"id": "o3", "text": "自适应优化器"},
            ],
        },
        {"pairs": {"p1": "o1", "p2": "o2", "p3": "o3"}},
        {},
        "3",
    ),
    (
        "训练 Training",
        ["difficulty:hard", "topic:workflow"],
        Kind.ORDERING,
        "按正确顺序排列一次训练迭代的步骤。",
        {
            "items": [
                {"id": "i1", "text": "前向传播计算损失"},
                {"id": "i2", "text": "`optimizer.zero_grad()`"},
                {"id": "i3", "text": "`loss.backward()`"},
                {"id": "i4", "text": "`optimizer.step()`"},
            ]
        },
        {"order": ["i2", "i1", "i3", "i4"]},
        {},
        "2",
    ),
    (
        "案例 Cases",
        ["difficulty:hard", "topic:overfitting"],
        Kind.CASE_ANALYSIS,
        "某团队训练手写数字分类器：训练集准确率 99.9%，验证集只有 82%。请分析原因并提出改进方案。",
        {},
        {"model_answer": "过拟合；数据增强、正则化、早停、减小模型。", "rubric": "case"},
        {},
        "4",
    ),
    (
        "编程 Programming",
        ["difficulty:medium", "topic:python"],
        Kind.PROGRAMMING,
        "实现 `accuracy(predictions, labels)`：返回预测正确的比例（0 到 1 的浮点数）。",
        {
            "language": "python",
            "starter": "def accuracy(predictions, labels):\n    ...\n",
            "sample_tests": [
                {
                    "name": "sample",
                    "call": "accuracy([1, 2, 3], [1, 2, 0])",
                    "expected": repr(2 / 3),
                }
            ],
        },
        {
            "tests": [
                {
                    "name": "all right",
                    "call": "accuracy([0, 1], [0, 1])",
                    "expected": "1.0",
                    "weight": 1,
                },
                {
                    "name": "all wrong",
                    "call": "accuracy([1, 0], [0, 1])",
                    "expected": "0.0",
                    "weight": 1,
                },
                {
                    "name": "half",
                    "call": "accuracy([1, 1, 0, 0], [1, 0, 0, 1])",
                    "expected": "0.5",
                    "weight": 2,
                },
            ],
            "time_limit": 10,
        },
        {},
        "3",
    ),
]


def _demo_questions(bank: QuestionBank, instructor: Any) -> list[Question]:
    rubric, _ = Rubric.objects.update_or_create(
        title=CASE_RUBRIC["title"],
        defaults={"criteria": CASE_RUBRIC["criteria"], "created_by": instructor},
    )
    questions = []
    for category_name, tags, kind, stem, data, key, feedback, points in QUESTIONS:
        category, _ = Category.objects.get_or_create(bank=bank, parent=None, name=category_name)
        if key.get("rubric") == "case":
            key = {**key, "rubric": rubric.pk}
        question, _ = Question.objects.get_or_create(
            bank=bank, name=stem[:200], defaults={"category": category, "created_by": instructor}
        )
        latest = question.latest_version()
        content = {
            "kind": kind,
            "stem": stem,
            "data": data,
            "key": key,
            "feedback": feedback,
            "points": Decimal(points),
        }
        if latest is None or any(getattr(latest, f) != v for f, v in content.items()):
            QuestionVersion.objects.create(
                question=question,
                number=(latest.number + 1) if latest else 1,
                created_by=instructor,
                **content,
            )
        question.tags.set([Tag.objects.get_or_create(name=name)[0] for name in tags])
        questions.append(question)
    return questions


def _demo_practice_quiz(curriculum: Curriculum) -> Exam:
    """A practice quiz on the curriculum page: three foundation items drawn at
    random, immediate feedback, as many tries as the candidate likes."""
    quiz, _ = Exam.objects.get_or_create(
        title="基础自测 Foundations practice quiz",
        defaults={
            "mode": Exam.Mode.PRACTICE,
            "curriculum": curriculum,
            "time_limit_minutes": 20,
            "attempts_allowed": 100,
            "review_score": Exam.Review.AFTER_SUBMIT,
            "review_answers": Exam.Review.AFTER_SUBMIT,
        },
    )
    if not quiz.sections.exists():
        foundations = Category.objects.get(
            bank__slug="beginner-cv-bank", parent=None, name="基础 Foundations"
        )
        quiz.sections.create(position=1, draw_count=3, draw_category=foundations)
    return quiz


def _demo_exam(questions: list[Question]) -> Exam:
    """Every item kind: the notes, a fixed section, and a section that draws two of
    the three easy foundation items, different per candidate."""
    exam, _ = Exam.objects.get_or_create(
        title="初级计算机视觉笔试 Beginner CV written exam",
        defaults={"time_limit_minutes": 30, "pass_mark": Decimal(60), "attempts_allowed": 2},
    )
    if exam.sections.exists():
        return exam
    foundations = next(
        q.category for q in questions if q.category and q.category.name.startswith("基础")
    )
    notes = exam.sections.create(position=1, title="说明 Notes")
    fixed = exam.sections.create(position=2, title="综合题 Mixed")
    exam.sections.create(
        position=3,
        title="基础抽题 Drawn foundations",
        draw_count=2,
        draw_category=foundations,
        difficulty_mix={"easy": 2},
    )
    others = [q for q in questions if q.category_id != foundations.pk]
    for position, question in enumerate(others, start=1):
        section = notes if question.latest_version().kind == Kind.DESCRIPTION else fixed
        section.fixed_items.create(question=question, position=position)
    return exam


@transaction.atomic
def demo_load() -> dict[str, object]:
    """Creates or updates the demo data. Safe to run any number of times."""
    levels = {
        slug: Level.objects.update_or_create(
            slug=slug, defaults={"name": name, "name_en": en, "rank": rank}
        )[0]
        for slug, name, en, rank in LEVELS
    }
    domains = {
        slug: Domain.objects.update_or_create(slug=slug, defaults={"name": name, "name_en": en})[0]
        for slug, name, en in DOMAINS
    }
    users = {}
    User = get_user_model()
    for username, password, role, is_staff in DEMO_ACCOUNTS:
        user, created = User.objects.get_or_create(
            username=username,
            defaults={
                "email": f"{username}@example.org",
                "is_staff": is_staff,
                "is_superuser": is_staff,
            },
        )
        if created:
            user.set_password(password)
            user.save(update_fields=["password"])
        role_grant(user=user, role=role)
        users[username] = user

    curriculum, _ = Curriculum.objects.update_or_create(
        slug="beginner-cv",
        defaults={
            "level": levels["beginner"],
            "domain": domains["cv"],
            "title": "初级 · 计算机视觉 Beginner Computer Vision",
            "summary": "入门阶段：概念、数学、神经网络与 PyTorch 框架的使用。",
            "author": users["instructor"],
        },
    )
    for position, (title, body) in enumerate(LESSONS, start=1):
        Lesson.objects.update_or_create(
            curriculum=curriculum, position=position, defaults={"title": title, "body": body}
        )

    bank, _ = QuestionBank.objects.update_or_create(
        slug="beginner-cv-bank", defaults={"title": "初级 CV 题库", "owner": users["instructor"]}
    )
    exam = _demo_exam(_demo_questions(bank, users["instructor"]))
    _demo_practice_quiz(curriculum)

    task = practical_demo_install(uploaded_by=users["instructor"])["digits-pytorch"]
    for level in levels.values():
        for domain in domains.values():
            is_demo = level.slug == "beginner" and domain.slug == "cv"
            Certification.objects.update_or_create(
                level=level,
                domain=domain,
                defaults={
                    "slug": f"{level.slug}-{domain.slug}",
                    "name": f"{level.name}{domain.name}工程师认证",
                    "name_en": f"{level.name_en} {domain.name_en} Engineer",
                    "written_exam": exam if is_demo else None,
                    "practical_task": task if is_demo else None,
                    "is_open": is_demo,
                },
            )
    demo_blueprints_and_interviews(committee=users["committee"], exam=exam, task=task)
    _demo_eligibility(levels, domains)
    certificate = _demo_certificate(certification_slug="beginner-cv", committee=users["committee"])
    return {
        "accounts": [(u, p, r.value) for u, p, r, _ in DEMO_ACCOUNTS],
        "certificate": certificate.code,
    }


def _demo_eligibility(levels: dict[str, Level], domains: dict[str, Domain]) -> None:
    """Each level requires a valid certificate of the level below, in the same domain
    (a committee waiver with a reason can lift it)."""
    ladder = [("intermediate", "beginner"), ("advanced", "intermediate")]
    for domain in domains.values():
        for upper, lower in ladder:
            EligibilityRule.objects.get_or_create(
                certification=Certification.objects.get(level=levels[upper], domain=domain),
                required=Certification.objects.get(level=levels[lower], domain=domain),
            )


# A holder with an issued certificate, so that the verification page, the signed
# credential, the PDF and the committee's certificate actions have something to show.
DEMO_HOLDER = ("holder", "holder-demo-2026", "李华")


def _demo_certificate(*, certification_slug: str, committee: Any) -> Certificate:
    username, password, full_name = DEMO_HOLDER
    User = get_user_model()
    holder, created = User.objects.get_or_create(
        username=username, defaults={"email": f"{username}@example.org"}
    )
    if created:
        holder.set_password(password)
        holder.save(update_fields=["password"])
    role_grant(user=holder, role=Role.CANDIDATE)
    certification = Certification.objects.get(slug=certification_slug)
    application, _ = Application.objects.get_or_create(
        candidate=holder,
        certification=certification,
        state=Application.State.APPROVED,
        defaults={
            "full_name": full_name,
            "learning_history": "初级计算机视觉课程（在线）",
            "project_experience": "手写数字识别、商品图片分类",
            "reviewed_by": committee,
            "reviewed_at": timezone.now(),
            "submitted_at": timezone.now(),
        },
    )
    existing = Certificate.objects.filter(application=application).first()
    if existing is not None:
        return existing
    return certificate_record_issue(
        application=application,
        issued_by=committee,
        written_percent=Decimal("85.00"),
        practical_percent=Decimal("93.50"),
        composite=Decimal("90.10"),
    )


# --- Blueprints and the advanced certification with an interview (issue 6) ---

DEMO_EXAMINERS = [("examiner2", "examiner2-demo-2026"), ("examiner3", "examiner3-demo-2026")]

INTERVIEW_RUBRIC = [
    (
        "design",
        "方案设计 Solution design",
        ["未能给出方案", "方案基本可行", "方案合理，考虑了数据与评估", "方案完整，权衡清楚"],
    ),
    (
        "depth",
        "技术深度 Technical depth",
        ["概念混淆", "理解基本概念", "能解释关键技术的原理", "能分析失败原因并改进"],
    ),
    (
        "communication",
        "表达与沟通 Communication",
        ["难以理解", "基本清楚", "清楚有条理", "清楚、准确、能回应追问"],
    ),
]


def demo_blueprints_and_interviews(*, committee: Any, exam: Exam, task: Any) -> None:
    """Gives every certification a published blueprint (Beginner CV: written 0.4,
    practical 0.6, cut 70), opens Advanced CV with an interview component (written 0.3,
    practical 0.3, interview 0.4, cut 75) scored with an interview rubric, adds two
    more examiners and a week of interview slots. Idempotent: existing blueprints,
    the rubric and slots are left as they are."""
    from datetime import timedelta

    User = get_user_model()
    examiners = [User.objects.get(username="examiner")]
    for username, password in DEMO_EXAMINERS:
        user, created = User.objects.get_or_create(
            username=username, defaults={"email": f"{username}@example.org"}
        )
        if created:
            user.set_password(password)
            user.save(update_fields=["password"])
        role_grant(user=user, role=Role.EXAMINER)
        examiners.append(user)
    rubric, _ = Rubric.objects.get_or_create(
        title="高级面试评分量表 Advanced interview rubric",
        defaults={
            "criteria": [
                {
                    "id": cid,
                    "name": name,
                    "levels": [
                        {"id": f"{cid}{points}", "label": str(points), "descriptor": text,
                         "points": points}
                        for points, text in enumerate(descriptors)
                    ],
                }
                for cid, name, descriptors in INTERVIEW_RUBRIC
            ],
            "created_by": committee,
        },
    )  # fmt: skip
    advanced = Certification.objects.get(slug="advanced-cv")
    advanced.written_exam, advanced.practical_task, advanced.is_open = exam, task, True
    advanced.save(update_fields=["written_exam", "practical_task", "is_open"])
    K = BlueprintComponent.Kind
    plans = {
        advanced.pk: (Decimal(75), [(K.WRITTEN, "0.3"), (K.PRACTICAL, "0.3"), (K.INTERVIEW, "0.4")])
    }
    now = timezone.now()
    for certification in Certification.objects.order_by("pk"):
        if Blueprint.objects.filter(certification=certification).exists():
            continue
        cut, parts = plans.get(
            certification.pk, (Decimal(70), [(K.WRITTEN, "0.4"), (K.PRACTICAL, "0.6")])
        )
        blueprint = Blueprint.objects.create(
            certification=certification,
            version=1,
            cut_score=cut,
            borderline_margin=Decimal(3),
            note="Demo blueprint.",
            created_by=committee,
            published_at=now - timedelta(days=30),
        )
        for kind, weight in parts:
            BlueprintComponent.objects.create(
                blueprint=blueprint,
                kind=kind,
                weight=Decimal(weight),
                rubric=rubric if kind == K.INTERVIEW else None,
            )
    if not InterviewSlot.objects.filter(certification=advanced).exists():
        start = (now + timedelta(days=7)).replace(hour=9, minute=0, second=0, microsecond=0)
        for day in range(3):
            for hour in (0, 1, 2):
                InterviewSlot.objects.create(
                    certification=advanced,
                    starts_at=start + timedelta(days=day, hours=hour),
                    duration_minutes=45,
                    location="线上会议室 Online room A",
                    first_examiner=examiners[0],
                    second_examiner=examiners[1 + (day + hour) % 2],
                    created_by=committee,
                )
