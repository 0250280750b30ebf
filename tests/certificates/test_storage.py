"""The PDF store: a local directory by default, an S3-compatible bucket when configured (tested
against moto's S3 server on 127.0.0.1, through boto3 as in production)."""

from __future__ import annotations

import socket
from collections.abc import Iterator

import pytest

from competition.certificates import services
from competition.certificates.requests import request_certificate
from competition.certificates.storage import LocalStorage, S3Storage, StorageError, storage_from_config
from tests import factories
from tests.certificates.conftest import sha256
from tests.factories import NOW


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture(scope="module")
def s3_endpoint() -> Iterator[str]:
    from moto.server import ThreadedMotoServer

    port = _free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    yield f"http://127.0.0.1:{port}"
    server.stop()


@pytest.fixture
def bucket(s3_endpoint) -> S3Storage:
    import uuid

    name = f"certs-{uuid.uuid4().hex[:12]}"
    storage = S3Storage(
        name,
        endpoint_url=s3_endpoint,
        region="us-east-1",
        access_key_id="testing",
        secret_access_key="testing",
        prefix="platform",
    )
    storage.client.create_bucket(Bucket=name)
    return storage


def _round_trip(storage) -> None:
    assert not storage.exists("certificates/2026/A-1.pdf")
    storage.put("certificates/2026/A-1.pdf", b"%PDF-1.7 one")
    assert storage.exists("certificates/2026/A-1.pdf")
    assert storage.get("certificates/2026/A-1.pdf") == b"%PDF-1.7 one"
    with pytest.raises(StorageError):
        storage.get("certificates/2026/missing.pdf")
    for bad in ("../etc/passwd", "/abs.pdf", "a//b.pdf", ""):
        with pytest.raises(StorageError):
            storage.put(bad, b"x")


def test_local_directory_round_trip(tmp_path):
    storage = LocalStorage(tmp_path)
    _round_trip(storage)
    assert (tmp_path / "certificates" / "2026" / "A-1.pdf").read_bytes() == b"%PDF-1.7 one"
    assert not list(tmp_path.rglob(".tmp-*"))


def test_s3_round_trip_on_moto(bucket):
    _round_trip(bucket)
    listed = bucket.client.list_objects_v2(Bucket=bucket.bucket)["Contents"]
    assert [item["Key"] for item in listed] == ["platform/certificates/2026/A-1.pdf"]


def test_a_certificate_issued_into_s3_downloads_the_same_bytes(session, bucket):
    body = factories.make_body()
    person = factories.make_competitor(factories.make_unit(), name="赵堃")
    request = request_certificate(
        "honour", person.id, {"body_id": body.id, "honour_title": "技术能手"}, "s3:1", now=NOW
    )
    context = services.IssueContext("https://cert.example.org", bucket)
    (certificate,) = services.issue_requests([request], context, actor=None, now=NOW)
    stored = bucket.client.get_object(Bucket=bucket.bucket, Key=f"platform/{certificate.storage_key}")[
        "Body"
    ].read()
    assert sha256(stored) == certificate.sha256
    assert services.stored_pdf(certificate, bucket) == stored


def test_settings_choose_the_backend(tmp_path, s3_endpoint):
    local = storage_from_config({}, str(tmp_path))
    assert isinstance(local, LocalStorage) and local.root == tmp_path / "certificates"
    s3 = storage_from_config(
        {
            "S3_BUCKET": "b",
            "S3_ENDPOINT_URL": s3_endpoint,
            "S3_ACCESS_KEY_ID": "k",
            "S3_SECRET_ACCESS_KEY": "s",
            "S3_REGION": "us-east-1",
        },
        str(tmp_path),
    )
    assert isinstance(s3, S3Storage) and s3.bucket == "b"
