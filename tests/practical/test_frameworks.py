"""Tasks whose framework is "any": a starter per framework in the bundle, the
candidate's choice per submission (page, API, command line), the submission's
framework picking the sandbox image, and a trial run of the reference in each image."""

import importlib
import shutil
from pathlib import Path

import pytest
from django.apps import apps
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.test import Client

from certification.models import Certification
from grading import evaluation, practical
from grading.bundle_trial import bundle_trial
from grading.models import Submission
from tests.conftest import client_for
from tests.factories import approved_application
from training.bundles.manifest import BundleRefused
from training.bundles.paths import bundle_paths
from training.bundles.storage import bundle_upload
from training.demo.bundles import demo_bundle
from training.models import PracticalTask

pytestmark = pytest.mark.django_db
framework_migration = importlib.import_module("grading.migrations.0004_submission_framework")
HELLO = b"def train(train_dir, model_dir):\n    pass\n"


@pytest.fixture
def langid(tmp_path: Path) -> Path:
    """The demo langid bundle (framework "any", a shared NumPy reference) as a new task."""
    folder = tmp_path / "langid"
    shutil.copytree(demo_bundle("langid"), folder)
    replace(folder / "task.toml", 'slug = "langid"', 'slug = "langid-any"')
    return folder


def replace(path: Path, old: str, new: str) -> None:
    text = path.read_text()
    assert old in text
    path.write_text(text.replace(old, new))


def refused(folder: Path, match: str) -> None:
    before = PracticalTask.objects.count()
    with pytest.raises(BundleRefused, match=match):
        bundle_upload(source=folder, trial=None)
    assert PracticalTask.objects.count() == before


# --- the bundle layout ------------------------------------------------------------


def test_an_any_bundle_with_a_starter_per_framework_is_accepted(langid):
    task = bundle_upload(source=langid, trial=None).task
    assert (task.framework, task.frameworks, task.framework_choice) == (
        "any",
        ("pytorch", "tensorflow"),
        True,
    )
    paths = bundle_paths(task)
    assert paths.starter_for("tensorflow").parent.name == "tensorflow"
    # one shared reference serves both frameworks
    assert paths.reference_for("tensorflow") == paths.reference_for("pytorch")


def test_the_shapes_task_ships_a_reference_per_framework():
    task = PracticalTask.objects.get(slug="shapes-cnn")
    paths = bundle_paths(task)
    assert task.frameworks == ("pytorch", "tensorflow")
    for framework in task.frameworks:
        for path in (paths.starter_for(framework), paths.reference_for(framework)):
            assert path.parent.name == framework and path.is_file()


def test_an_any_bundle_without_a_starter_for_each_framework_is_refused(langid):
    shutil.rmtree(langid / "public/starter/tensorflow")
    refused(langid, r"lacks public/starter/tensorflow/solution\.py .*one starter per framework")


def test_an_any_bundle_with_one_shared_starter_is_refused(langid):
    shutil.copyfile(
        langid / "public/starter/pytorch/solution.py", langid / "public/starter/solution.py"
    )
    refused(langid, "ambiguous")


def test_an_any_bundle_needs_a_reference_for_each_framework(langid):
    reference = langid / "solutions/reference"
    (reference / "pytorch").mkdir()
    (reference / "solution.py").rename(reference / "pytorch/solution.py")
    refused(langid, r"lacks solutions/reference/solution\.py")


def test_a_one_framework_bundle_may_not_carry_another_frameworks_starter(langid):
    replace(langid / "task.toml", 'framework = "any"', 'framework = "pytorch"')
    refused(langid, r"lacks public/starter/solution\.py")
    (langid / "public/starter/pytorch/solution.py").rename(langid / "public/starter/solution.py")
    refused(langid, r'public/starter/tensorflow/: the task\'s framework is \'pytorch\'.*"any"')


def test_an_any_bundle_may_not_name_one_image(langid):
    replace(langid / "task.toml", 'framework = "any"', 'framework = "any"\nimage = "mine:1"')
    refused(langid, "leave image out")


# --- the candidate's choice ---------------------------------------------------------


@pytest.fixture
def nlp(demo, candidate, committee) -> Certification:
    certification = Certification.objects.get(slug="beginner-nlp")  # langid: "any"
    langid = PracticalTask.objects.get(slug="langid")
    Certification.objects.filter(pk=certification.pk).update(is_open=True, practical_task=langid)
    certification.refresh_from_db()
    approved_application(candidate=candidate, certification=certification, committee=committee)
    return certification


def page_for(candidate, certification) -> tuple[Client, str]:
    client = Client()
    client.force_login(candidate)
    return client, f"/certifications/{certification.slug}/practical/"


def test_the_page_offers_the_choice_only_for_an_any_task(demo, nlp, candidate, committee):
    client, url = page_for(candidate, nlp)
    html = client.get(url).content.decode()
    assert '<select name="framework"' in html
    assert '<option value="pytorch" selected>PyTorch</option>' in html
    assert '<option value="tensorflow">TensorFlow</option>' in html

    certification = demo["certification"]  # digits: PyTorch only
    approved_application(candidate=candidate, certification=certification, committee=committee)
    client, url = page_for(candidate, certification)
    assert 'name="framework"' not in client.get(url).content.decode()


def test_the_page_submits_the_choice_and_remembers_it(nlp, candidate):
    client, url = page_for(candidate, nlp)
    upload = SimpleUploadedFile("solution.py", HELLO)
    response = client.post(url, {"framework": "tensorflow", "file": upload})
    assert response.status_code == 302
    submission = Submission.objects.get(candidate=candidate)
    assert (submission.task.slug, submission.framework) == ("langid", "tensorflow")
    html = client.get(url).content.decode()
    assert '<option value="tensorflow" selected>TensorFlow</option>' in html
    assert '<small class="framework">TensorFlow</small>' in html


def test_the_api_takes_the_framework_and_refuses_one_the_task_does_not_offer(
    demo, nlp, candidate, committee
):
    api = client_for(candidate)
    url = "/api/v1/certifications/{}/submissions/"
    created = api.post(
        url.format("beginner-nlp"),
        {"file": SimpleUploadedFile("solution.py", HELLO), "framework": "tensorflow"},
        format="multipart",
    )
    assert created.status_code == 201, created.content
    assert created.json()["framework"] == "tensorflow"
    omitted = api.post(
        url.format("beginner-nlp"),
        {"file": SimpleUploadedFile("solution.py", HELLO)},
        format="multipart",
    )
    assert omitted.json()["framework"] == "pytorch"

    approved_application(
        candidate=candidate, certification=demo["certification"], committee=committee
    )
    before = Submission.objects.count()
    for framework, code in (("tensorflow", "invalid_submission"), ("jax", "invalid")):
        answer = api.post(
            url.format("beginner-cv"),
            {"file": SimpleUploadedFile("solution.py", HELLO), "framework": framework},
            format="multipart",
        )
        assert answer.status_code == 400 and answer.json()["error"]["code"] == code, answer.content
    assert Submission.objects.count() == before


def test_the_schema_documents_the_framework():
    from drf_spectacular.generators import SchemaGenerator

    components = SchemaGenerator().get_schema(request=None, public=True)["components"]["schemas"]
    framework = components["SubmissionIn"]["properties"]["framework"]
    assert framework["allOf"] == [{"$ref": "#/components/schemas/FrameworkEnum"}]
    assert "does not offer is refused" in framework["description"]
    assert components["FrameworkEnum"]["enum"] == ["pytorch", "tensorflow"]
    assert "framework" in components["SubmissionOut"]["properties"]


def test_the_grading_spec_follows_the_submission_not_the_task(demo, settings):
    settings.SANDBOX_IMAGE_TENSORFLOW = "tf-image:1"
    settings.SANDBOX_IMAGE = "torch-image:1"
    task = PracticalTask.objects.get(slug="langid")
    assert evaluation.GradingSpec.from_task(task).resolved_image() == "torch-image:1"
    spec = evaluation.GradingSpec.from_task(task, framework="tensorflow")
    assert spec.resolved_image() == "tf-image:1"


def test_grade_practical_refuses_a_framework_the_task_does_not_offer(capsys):
    bundle = demo_bundle("digits")
    with pytest.raises(SystemExit) as exited:
        call_command(
            "grade_practical",
            str(bundle),
            str(bundle / "solutions/reference/solution.py"),
            "--framework",
            "tensorflow",
        )
    assert exited.value.code == 2
    assert "does not take tensorflow" in capsys.readouterr().err


def test_the_migration_gives_old_submissions_their_tasks_framework(demo, candidate):
    tasks = {
        slug: PracticalTask.objects.get(slug=slug) for slug in ("diabetes-tensorflow", "langid")
    }
    old = {
        slug: Submission.objects.create(
            task=task, candidate=candidate, file_name="solution.py", sha256="0" * 64, size_bytes=1
        )
        for slug, task in tasks.items()
    }
    framework_migration.framework_from_task(apps, None)
    assert {slug: Submission.objects.get(pk=s.pk).framework for slug, s in old.items()} == {
        "diabetes-tensorflow": "tensorflow",
        "langid": "pytorch",  # "any" tasks ran in the PyTorch image before the choice
    }


# --- in the real sandbox images ------------------------------------------------------


@pytest.mark.docker
def test_a_tensorflow_submission_runs_in_the_tensorflow_image_and_is_scored(
    demo, candidate, monkeypatch
):
    # spoken digits: its Keras reference trains in seconds (the shapes one takes a minute)
    task = PracticalTask.objects.get(slug="spoken-digits")
    images = []
    run = evaluation.sandbox.run

    def recording(spec, *args, **kwargs):
        images.append(spec.image)
        return run(spec, *args, **kwargs)

    monkeypatch.setattr(evaluation.sandbox, "run", recording)
    solution = bundle_paths(task).reference_for("tensorflow").read_bytes()
    submission = practical.submission_create(
        task=task,
        candidate=candidate,
        upload=SimpleUploadedFile("solution.py", solution),
        framework="tensorflow",
    )
    practical.submission_grade(submission_id=submission.pk)
    submission.refresh_from_db()
    assert (submission.verdict, submission.passed) == ("ok", True), submission.message_text
    tensorflow = evaluation.GradingSpec.from_task(task, framework="tensorflow").resolved_image()
    assert images == [tensorflow, tensorflow] and "tensorflow" in tensorflow
    assert submission.test_score >= 0.80
    print(f"spoken digits, Keras reference: hidden {submission.test_score}, {submission.stages}")


@pytest.mark.docker
def test_the_trial_runs_the_reference_in_each_framework(langid):
    version = bundle_upload(source=langid, trial=bundle_trial)
    trial = version.trial
    assert set(trial) == {"reference", "reference_tensorflow", "baseline"}
    assert (trial["reference"]["framework"], trial["reference_tensorflow"]["framework"]) == (
        "pytorch",
        "tensorflow",
    )
    assert trial["reference"]["passed"] is True and trial["reference_tensorflow"]["passed"] is True
    assert (trial["baseline"]["framework"], trial["baseline"]["passed"]) == ("pytorch", False)
