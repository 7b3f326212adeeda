"""The authoring studio: the instructors' pages for lessons, the review of lessons and
items, item previews that score like an exam, exam blueprints with a live capacity
check, and the runs of a practical task's reference and baseline. The rules live in
training.services (lessons, review) and certification.exams.authoring (blueprints);
the item form itself is training's item editor (training/views_items.py)."""
