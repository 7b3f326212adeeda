"""The one error a backup or a restore raises: the command prints its message."""

from core.errors import ApplicationError


class BackupError(ApplicationError):
    """A backup or restore was refused or failed; ``message`` says which file or step."""

    code = "backup_failed"
