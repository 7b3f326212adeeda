"""Task bundles: what an instructor authors for a practical task.

Layout of a bundle (docs/practical.md)::

    task.toml                                   the manifest (schema: manifest.MANIFEST_SCHEMA)
    SHA256SUMS                                  optional: ``sha256sum`` lines, all checked
    public/statement.md                         shown to candidates
    public/starter/solution.py                  starter code (downloadable)
    public/check.py                             optional: a check candidates run at home
    public/train/...                            training data (mounted read-only in train)
    public/dev/X.npy, public/dev/y.npy|y.json   the dev set (scores shown)
    hidden/inputs/X.npy                         hidden test inputs (mounted in predict)
    hidden/labels/y.npy|y.json                  hidden labels: read by the worker alone
    solutions/reference/solution.py             must pass the trial run
    solutions/baseline/solution.py              must run and fail the threshold

The modules: ``manifest`` (``task.toml``), ``archive`` (safe unpacking, checksums),
``validation`` (a complete, consistent bundle), ``paths`` (where a stored bundle's
files are), ``storage`` (versioned private storage), ``uploads`` (the browser upload
and its worker), ``views`` (the upload page). The trial run (reference and baseline
through the real pipeline) is grading's (``grading.bundle_trial``); ``storage`` takes
it as an argument, so nothing here imports grading. Files are kept in the private
storage (``core.private_storage``: PRIVATE_STORAGE_DIR or a bucket), never served
over HTTP or by URL.
"""
