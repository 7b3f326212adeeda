"""The ``STORAGES["private"]`` entry, from the environment (docs/operations.md,
"Private storage")."""

from typing import Any

from django.core.exceptions import ImproperlyConfigured

from config.env import env_str

FILESYSTEM = "core.private_storage.PrivateFileSystemStorage"
S3 = "storages.backends.s3.S3Storage"
SSE_VALUES = ("", "AES256", "aws:kms")


def private_storage_setting() -> dict[str, Any]:
    """``PRIVATE_STORAGE_BACKEND``: ``filesystem`` (default: the folder at
    PRIVATE_STORAGE_DIR) or ``s3`` (an S3-compatible bucket). Raises
    ImproperlyConfigured on an unknown backend, a missing bucket or a bad SSE value."""
    backend = env_str("PRIVATE_STORAGE_BACKEND", "filesystem")
    if backend == "filesystem":
        # Files written through the storage are for the worker alone.
        options = {"file_permissions_mode": 0o600, "directory_permissions_mode": 0o700}
        return {"BACKEND": FILESYSTEM, "OPTIONS": options}
    if backend != "s3":
        raise ImproperlyConfigured(f"PRIVATE_STORAGE_BACKEND={backend!r}: use filesystem or s3.")
    return {"BACKEND": S3, "OPTIONS": _s3_options()}


def _s3_options() -> dict[str, Any]:
    bucket = env_str("PRIVATE_S3_BUCKET")
    if not bucket:
        raise ImproperlyConfigured("PRIVATE_S3_BUCKET must be set when PRIVATE_STORAGE_BACKEND=s3.")
    sse = env_str("PRIVATE_S3_SSE")
    if sse not in SSE_VALUES:
        raise ImproperlyConfigured(f"PRIVATE_S3_SSE={sse!r}: use AES256, aws:kms or nothing.")
    parameters = {"ServerSideEncryption": sse} if sse else {}
    if sse == "aws:kms" and env_str("PRIVATE_S3_KMS_KEY_ID"):
        parameters["SSEKMSKeyId"] = env_str("PRIVATE_S3_KMS_KEY_ID")
    return {
        "bucket_name": bucket,
        "location": env_str("PRIVATE_S3_PREFIX"),
        # Empty: boto3's own chain (instance role, AWS_* variables).
        "endpoint_url": env_str("PRIVATE_S3_ENDPOINT_URL") or None,
        "region_name": env_str("PRIVATE_S3_REGION") or None,
        "access_key": env_str("PRIVATE_S3_ACCESS_KEY_ID") or None,
        "secret_key": env_str("PRIVATE_S3_SECRET_ACCESS_KEY") or None,
        # Private objects; the code never asks for a URL, and a URL would not work
        # without a signature anyway.
        "default_acl": "private",
        "querystring_auth": True,
        "custom_domain": None,
        "file_overwrite": True,
        "object_parameters": parameters,
    }
