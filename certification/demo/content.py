"""What the demo programme says: levels, domains, the demo accounts, the Beginner CV
lessons, questions and rubrics (certification.demo.programme loads it)."""

from typing import Any

from core.roles import Role
from training.models import QuestionVersion

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


# A holder with an issued certificate, so that the verification page, the signed
# credential, the PDF and the committee's certificate actions have something to show.
DEMO_HOLDER = ("holder", "holder-demo-2026", "李华")


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
