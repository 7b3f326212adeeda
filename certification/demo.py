"""The demo programme (from shared/CURRICULUM.md): levels × domains, a Beginner CV
curriculum, a question bank, a written exam, the digits practical task, the
Beginner CV certification and one account per role. ``demo_load`` is idempotent."""

from decimal import Decimal
from pathlib import Path

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import transaction

from certification.models import Certification, Exam, ExamItem
from certification.roles import Role, role_grant
from training.demo.bundles import digits_bundle_write
from training.models import (
    Curriculum,
    Domain,
    Lesson,
    Level,
    PracticalTask,
    Question,
    QuestionBank,
)

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

QUESTIONS = [
    (
        Question.Kind.SINGLE_CHOICE,
        "哪一年 AlexNet 在 ImageNet 竞赛中取得突破？",
        ["2006", "2012", "2016", "2020"],
        {"correct": 1},
    ),
    (
        Question.Kind.SINGLE_CHOICE,
        "ReLU 激活函数的定义是？",
        ["1/(1+e^-x)", "max(0, x)", "tanh(x)", "x^2"],
        {"correct": 1},
    ),
    (
        Question.Kind.SINGLE_CHOICE,
        "用于防止过拟合、在验证集损失不再下降时停止训练的方法是？",
        [
            "批归一化 Batch normalisation",
            "早停 Early stopping",
            "数据增强 Augmentation",
            "学习率预热 Warm-up",
        ],
        {"correct": 1},
    ),
    (
        Question.Kind.SINGLE_CHOICE,
        "在 PyTorch 中，计算分类交叉熵损失的函数是？",
        ["nn.functional.mse_loss", "nn.functional.cross_entropy", "torch.argmax", "torch.softmax"],
        {"correct": 1},
    ),
    (
        Question.Kind.FILL_IN,
        "卷积神经网络的英文缩写是 ____。",
        [],
        {"accepted": ["CNN"], "case_sensitive": False},
    ),
    (
        Question.Kind.FILL_IN,
        "常用的自适应学习率优化器，名字取自 Adaptive Moment Estimation：____。",
        [],
        {"accepted": ["Adam"], "case_sensitive": False},
    ),
]


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
    exam, _ = Exam.objects.get_or_create(
        title="初级计算机视觉笔试 Beginner CV written exam",
        defaults={"time_limit_minutes": 30, "pass_mark": Decimal(60)},
    )
    for position, (kind, stem, choices, key) in enumerate(QUESTIONS, start=1):
        question, _ = Question.objects.update_or_create(
            bank=bank, stem=stem, defaults={"kind": kind, "choices": choices, "key": key}
        )
        ExamItem.objects.get_or_create(
            exam=exam, position=position, defaults={"question": question}
        )

    bundle_dir = "bundles/digits-v1"
    root = Path(settings.PRIVATE_STORAGE_DIR) / bundle_dir
    if not (root / "hidden/labels/y.npy").exists():
        digits_bundle_write(root)
    task, _ = PracticalTask.objects.update_or_create(
        slug="digits-pytorch",
        defaults={
            "title": "手写数字识别 Digits (PyTorch)",
            "statement": (root / "public/statement.md").read_text(encoding="utf-8"),
            "framework": "pytorch",
            "pass_threshold": 0.9,
            "bundle_dir": bundle_dir,
            "train_seconds": 180,
            "predict_seconds": 60,
            "memory_mb": 1536,
        },
    )
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
                    "written_weight": Decimal("0.4"),
                    "practical_weight": Decimal("0.6"),
                    "cut_score": Decimal(70),
                    "is_open": is_demo,
                },
            )
    return {"accounts": [(u, p, r.value) for u, p, r, _ in DEMO_ACCOUNTS]}
