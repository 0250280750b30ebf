"""The public verification page is kept rendered per certificate state: a revocation shows at once,
every visit is still logged, and a signed-in visitor gets a fresh page."""

from __future__ import annotations

import sqlalchemy as sa

from competition.certificates import services
from competition.certificates.models import CertificateLookup
from competition.extensions import db
from tests.certificates.conftest import final  # noqa: F401  (fixture)
from tests.certificates.test_views import _certificates, issued  # noqa: F401  (fixture)
from tests.factories import NOW


def test_a_revocation_shows_at_once_and_every_visit_is_logged(client, issued):  # noqa: F811
    certificate = _certificates(issued.contest)[0]
    url = f"/verify/{certificate.verify_code}"
    before = db.session.scalar(sa.select(sa.func.count(CertificateLookup.id)))
    for _ in range(3):
        assert "有效证书" in client.get(url).get_data(as_text=True)
    services.revoke(certificate, "证书信息有误，注销重发", actor=issued.organizer, now=NOW)
    db.session.flush()
    page = client.get(url).get_data(as_text=True)
    assert "此证书已注销" in page and "证书信息有误，注销重发" in page and "有效证书" not in page
    assert db.session.scalar(sa.select(sa.func.count(CertificateLookup.id))) == before + 4
