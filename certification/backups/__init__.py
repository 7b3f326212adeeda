"""Backups of a whole site and their restore onto an empty one (docs/backups.md).

``services.py`` holds the two workflows; ``database.py`` (pg_dump / pg_restore),
``storage.py`` (the private files), ``keys.py`` (the issuer keys under the backup
passphrase) and ``manifest.py`` (what a backup holds and its checksums) the parts.
"""
