"""The demo programme (from shared/CURRICULUM.md): levels × domains, a Beginner CV
curriculum, a question bank, a written exam, the digits practical task, the
Beginner CV certification and one account per role. ``demo_load`` is idempotent."""

from datetime import timedelta
from decimal import Decimal
from typing import Any

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from certification.credentials.services import certificate_record_issue
from certification.demo.authenticators import demo_authenticators
from certification.demo.content import (
    CASE_RUBRIC,
    DEMO_ACCOUNTS,
    DEMO_EXAMINERS,
    DEMO_HOLDER,
    DOMAINS,
    INTERVIEW_RUBRIC,
    LESSONS,
    LEVELS,
    QUESTIONS,
)
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
from training.demo.practical import practical_demo_install
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


def _demo_accounts() -> dict[str, Any]:
    """One account per role (DEMO_ACCOUNTS), created once with its demo password."""
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
    return users


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
    users = _demo_accounts()

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
    demo_authenticators([*users.values(), *demo_examiners()])
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


# --- Blueprints and the advanced certification with an interview ---


def demo_examiners() -> list[Any]:
    """The demo examiner and two more, for interview panels."""
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
    return examiners


def _demo_interview_rubric(committee: Any) -> Rubric:
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
    return rubric


def demo_interview_slots(*, advanced: Certification, examiners: list[Any], committee: Any) -> None:
    """Nine interview slots a week from now, each with a panel of two examiners."""
    now = timezone.now()
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


def demo_blueprints_and_interviews(*, committee: Any, exam: Exam, task: Any) -> None:
    """Gives every certification a published blueprint (Beginner CV: written 0.4,
    practical 0.6, cut 70), opens Advanced CV with an interview component (written 0.3,
    practical 0.3, interview 0.4, cut 75) scored with an interview rubric, adds two
    more examiners and a week of interview slots. Idempotent: existing blueprints,
    the rubric and slots are left as they are."""
    examiners = demo_examiners()
    rubric = _demo_interview_rubric(committee)
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
    demo_interview_slots(advanced=advanced, examiners=examiners, committee=committee)
