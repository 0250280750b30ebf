"""Where issued certificate PDFs are kept: a small interface with two backends.

* :class:`LocalStorage` (default): files under ``<instance>/certificates/`` (``CERT_STORAGE_DIR``).
* :class:`S3Storage`: an S3-compatible bucket (AWS S3, MinIO, Ceph, 阿里云 OSS in S3 mode) through
  boto3, chosen when ``COMPETITION_S3_BUCKET`` is set; endpoint, region and keys come from the
  environment (``COMPETITION_S3_ENDPOINT_URL``, ``COMPETITION_S3_REGION``,
  ``COMPETITION_S3_ACCESS_KEY_ID``, ``COMPETITION_S3_SECRET_ACCESS_KEY``; without keys boto3's own
  chain is used: instance roles, ``~/.aws``).

Keys are ``/``-separated relative paths made by the issuing service (``certificates/2026/<code>.pdf``,
the code being random, so an orphan left by a rolled-back issue never collides with a later one).
Objects are written once and never changed; the database keeps each PDF's SHA-256.
"""

from __future__ import annotations

import errno
import os
import re
import tempfile
from pathlib import Path
from typing import Any, Protocol

from competition.errors import N_, fmt

__all__ = ["LocalStorage", "S3Storage", "Storage", "StorageError", "StorageFull", "storage_from_config"]

_KEY_RE = re.compile(r"\A[A-Za-z0-9][A-Za-z0-9._-]*(/[A-Za-z0-9][A-Za-z0-9._-]*)*\Z")


class StorageError(RuntimeError):
    """The store could not be read or written (or the key is malformed, or missing on ``get``)."""


class StorageFull(StorageError):
    """The store has no room left (``ENOSPC``/``EDQUOT`` from the disk): nothing was written under the
    key. ``str(error)`` is a Chinese message for the person who started the job."""


#: errno values that mean "no room": the disk is full, or the user's quota is used up.
FULL_ERRNOS = frozenset({errno.ENOSPC, errno.EDQUOT})


def _check_key(key: str) -> str:
    if not _KEY_RE.match(key) or ".." in key.split("/"):
        raise StorageError(f"invalid storage key: {key!r}")
    return key


class Storage(Protocol):
    """What the certificate services need of a store."""

    def put(self, key: str, data: bytes) -> None:
        """Store ``data`` under ``key`` (replacing nothing else)."""

    def get(self, key: str) -> bytes:
        """The bytes stored under ``key``; raises :class:`StorageError` when there are none."""

    def exists(self, key: str) -> bool:
        """Whether something is stored under ``key``."""


class LocalStorage:
    """Files under ``root``; written to a temporary file and renamed, so a reader never sees half a PDF."""

    def __init__(self, root: str | Path) -> None:
        self.root = Path(root)

    def _path(self, key: str) -> Path:
        return self.root.joinpath(*_check_key(key).split("/"))

    def put(self, key: str, data: bytes) -> None:
        """Write ``data`` under ``key`` (temporary file, fsync, rename). On a full disk raises
        :class:`StorageFull` and leaves no file behind; other write failures raise :class:`StorageError`."""
        path = self._path(key)
        tmp: str | None = None
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-")
            with os.fdopen(fd, "wb") as out:
                out.write(data)
                out.flush()
                os.fsync(out.fileno())
            os.replace(tmp, path)
        except BaseException as error:
            if tmp is not None:
                Path(tmp).unlink(missing_ok=True)
            if isinstance(error, OSError) and error.errno in FULL_ERRNOS:
                raise StorageFull(
                    fmt(N_("证书存储空间已满（%(root)s），无法写入证书文件。"), root=str(self.root))
                ) from error
            if isinstance(error, OSError):
                raise StorageError(
                    fmt(
                        N_("证书文件无法写入（%(root)s）：%(reason)s"),
                        root=str(self.root),
                        reason=error.strerror or str(error),
                    )
                ) from error
            raise

    def get(self, key: str) -> bytes:
        try:
            return self._path(key).read_bytes()
        except FileNotFoundError:
            raise StorageError(f"not stored: {key}") from None

    def exists(self, key: str) -> bool:
        return self._path(key).is_file()

    def __repr__(self) -> str:
        return f"<LocalStorage {self.root}>"


#: S3 error codes that mean "no room": MinIO's full drives and bucket quota, quota errors of other stores.
_S3_FULL_CODES = frozenset({"XMinioStorageFull", "XMinioAdminBucketQuotaExceeded", "QuotaExceeded"})


class S3Storage:
    """Objects in an S3-compatible bucket, under an optional ``prefix``."""

    def __init__(
        self,
        bucket: str,
        *,
        endpoint_url: str | None = None,
        region: str | None = None,
        access_key_id: str | None = None,
        secret_access_key: str | None = None,
        prefix: str = "",
        client: Any = None,
    ) -> None:
        self.bucket = bucket
        self.prefix = prefix.strip("/")
        if client is None:
            import boto3
            from botocore.config import Config

            client = boto3.client(
                "s3",
                endpoint_url=endpoint_url or None,
                region_name=region or None,
                aws_access_key_id=access_key_id or None,
                aws_secret_access_key=secret_access_key or None,
                config=Config(retries={"max_attempts": 3, "mode": "standard"}, connect_timeout=5),
            )
        self.client = client

    def _key(self, key: str) -> str:
        key = _check_key(key)
        return f"{self.prefix}/{key}" if self.prefix else key

    def put(self, key: str, data: bytes) -> None:
        from botocore.exceptions import BotoCoreError, ClientError

        try:
            self.client.put_object(
                Bucket=self.bucket, Key=self._key(key), Body=data, ContentType="application/pdf"
            )
        except (BotoCoreError, ClientError) as error:
            code = getattr(error, "response", {}).get("Error", {}).get("Code")
            if code in _S3_FULL_CODES:
                raise StorageFull(
                    fmt(
                        N_("证书存储桶 %(bucket)s 空间已满（%(code)s），无法写入证书文件。"),
                        bucket=self.bucket,
                        code=code,
                    )
                ) from error
            raise StorageError(f"S3 put {key}: {error}") from error

    def get(self, key: str) -> bytes:
        from botocore.exceptions import BotoCoreError, ClientError

        try:
            return self.client.get_object(Bucket=self.bucket, Key=self._key(key))["Body"].read()
        except (BotoCoreError, ClientError) as error:
            raise StorageError(f"S3 get {key}: {error}") from error

    def exists(self, key: str) -> bool:
        from botocore.exceptions import ClientError

        try:
            self.client.head_object(Bucket=self.bucket, Key=self._key(key))
        except ClientError as error:
            if error.response.get("Error", {}).get("Code") in ("404", "NoSuchKey", "NotFound"):
                return False
            raise StorageError(f"S3 head {key}: {error}") from error
        return True

    def __repr__(self) -> str:
        return f"<S3Storage {self.bucket}/{self.prefix}>"


_cache: dict[tuple, Storage] = {}


def storage_from_config(config: dict[str, Any], instance_path: str) -> Storage:
    """The store the settings choose: S3 when ``S3_BUCKET`` is set, else a local directory
    (``CERT_STORAGE_DIR``, default ``<instance>/certificates``). One client per distinct setting."""
    bucket = config.get("S3_BUCKET")
    if bucket:
        key: tuple = (
            "s3",
            bucket,
            config.get("S3_ENDPOINT_URL"),
            config.get("S3_REGION"),
            config.get("S3_ACCESS_KEY_ID"),
            config.get("S3_SECRET_ACCESS_KEY"),
            config.get("S3_PREFIX") or "",
        )
        if key not in _cache:
            _cache[key] = S3Storage(
                bucket,
                endpoint_url=key[2],
                region=key[3],
                access_key_id=key[4],
                secret_access_key=key[5],
                prefix=key[6],
            )
        return _cache[key]
    root = config.get("CERT_STORAGE_DIR") or os.path.join(instance_path, "certificates")
    return LocalStorage(root)
