"""Honour nominations by units: the supporting file is checked by content and size; a unit contact sees and
nominates only their own unit's people; the nomination goes through the same review, selection within the
quota, notice and confirmation into an honour record as one from results."""

from __future__ import annotations

import io
import zipfile
from datetime import date

import pytest
import sqlalchemy as sa

from competition.accounts.models import Role
from competition.errors import DomainError
from competition.extensions import db
from competition.promotion import materials, services
from competition.promotion.models import (
    BatchState,
    HonourNomination,
    HonourPeriod,
    HonourRecord,
    NominationChannel,
    NominationState,
)
from tests import factories
from tests.promotion.materials_data import pdf_bytes, png_bytes
from tests.promotion.test_workflow import CALENDAR, LATER

# ---- the file check -------------------------------------------------------------------------------------


def test_pdf_and_images_pass_by_their_content():
    assert materials.check_material(pdf_bytes()).mimetype == "application/pdf"
    png = materials.check_material(png_bytes())
    assert (png.mimetype, png.extension) == ("image/png", ".png")


def _docx() -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("word/document.xml", "<w:document/>")
    return out.getvalue()


@pytest.mark.parametrize(
    ("data", "words"),
    [
        (b"", "请选择附件文件"),
        (_docx(), "PDF、JPEG 或 PNG"),  # a Word document renamed .pdf is judged by its content
        ("事迹材料".encode(), "PDF、JPEG 或 PNG"),
        (b"%PDF-1.4 this is not a pdf", "已损坏"),
        (pdf_bytes(password="secret"), "已加密"),
        (b"\x89PNG\r\n\x1a\n" + b"\0" * 64, "图片"),
        (b"%PDF-" + b"0" * (materials.MAX_BYTES), "超过 5 MB"),
    ],
)
def test_bad_files_are_refused_with_the_reason(data, words):
    with pytest.raises(DomainError) as error:
        materials.check_material(data)
    assert words in error.value.message and error.value.field == "file"


# ---- the unit contact's pages ---------------------------------------------------------------------------


def unit_world():
    body = factories.make_body()
    organizer = factories.make_user(Role.ORGANIZER, body=body, username="honours-org")
    mine = factories.make_unit("绍兴市第一机床厂")
    other = factories.make_unit("绍兴市第二机床厂")
    factories.make_user(Role.UNIT_CONTACT, username="unit-a", unit=mine)
    factories.make_user(Role.UNIT_CONTACT, username="unit-b", unit=other)
    ours = factories.make_competitor(mine, name="王建国")
    theirs = factories.make_competitor(other, name="李卫东")
    programme = services.create_programme(
        body.id,
        title="绍兴工匠",
        issuing_body="绍兴市人民政府",
        period=HonourPeriod.YEARLY,
        quota=1,
        age_max=None,
        min_level=None,
        required_titles=[],
        description="每年评选一次。",
        actor=organizer,
        now=LATER,
    )
    batch = services.open_batch(programme, 2026, date(2026, 6, 30), actor=organizer, now=LATER)
    db.session.flush()
    return organizer, batch, ours, theirs


def _post(client, batch, person, *, data=None, name="事迹材料.pdf", material="带徒 12 人，革新工艺 3 项。"):
    form = {
        "competitor_id": str(person.id),
        "material": material,
        "achievements": "2025年市数控车工大赛第1名",
    }
    if data is not None:
        form["file"] = (io.BytesIO(data), name)
    return client.post(
        f"/unit/honours/batches/{batch.id}/nominate", data=form, content_type="multipart/form-data"
    )


def test_unit_contact_nominates_own_people_only(client, auth, session):
    _organizer, batch, ours, theirs = unit_world()
    auth.login("unit-a")
    home = client.get("/unit/").text
    assert "/unit/honours/" in home
    index = client.get("/unit/honours/").text
    assert "绍兴工匠" in index and f"/unit/honours/batches/{batch.id}/nominate" in index
    form = client.get(f"/unit/honours/batches/{batch.id}/nominate").text
    assert "王建国" in form and "李卫东" not in form  # only the unit's own people are offered
    assert ours.id_number not in form  # ID numbers masked in the list

    # another unit's person is not among the choices: refused, nothing written
    assert _post(client, batch, theirs, data=pdf_bytes()).status_code == 422
    missing = _post(client, batch, ours)
    assert missing.status_code == 422 and "请选择附件文件" in missing.text
    fake = _post(client, batch, ours, data=_docx(), name="伪装.pdf")
    assert fake.status_code == 422 and "PDF、JPEG 或 PNG" in fake.text
    assert db.session.execute(sa.select(sa.func.count()).select_from(HonourNomination)).scalar() == 0

    done = _post(client, batch, ours, data=png_bytes(), name="获奖证书扫描.jpeg")
    assert done.status_code == 302
    nomination = db.session.execute(sa.select(HonourNomination)).scalar_one()
    assert nomination.channel is NominationChannel.UNIT and nomination.unit_id == ours.unit_id
    assert nomination.attachment_name == "获奖证书扫描.png"  # named by its real type
    listed = client.get("/unit/honours/").text
    assert "王建国" in listed and nomination.state.label in listed
    file = client.get(f"/unit/honours/nominations/{nomination.id}/attachment")
    assert file.status_code == 200 and file.mimetype == "image/png" and file.data == png_bytes()
    again = _post(client, batch, ours, data=pdf_bytes())
    assert again.status_code == 200 and "已在本批推荐名单中" in again.text

    auth.logout()
    auth.login("unit-b")
    assert "王建国" not in client.get("/unit/honours/").text
    assert client.get(f"/unit/honours/nominations/{nomination.id}/attachment").status_code == 404


def test_unit_nomination_goes_through_review_notice_and_confirmation(client, auth, session):
    organizer, batch, ours, _theirs = unit_world()
    auth.login("unit-a")
    assert _post(client, batch, ours, data=pdf_bytes()).status_code == 302
    auth.logout()
    nomination = db.session.execute(sa.select(HonourNomination)).scalar_one()

    auth.login("honours-org")
    page = client.get(f"/manage/honours/batches/{batch.id}").text
    assert "王建国" in page and "单位推荐" in page and "绍兴市第一机床厂" in page
    file = client.get(f"/manage/honours/nominations/{nomination.id}/attachment")
    assert file.status_code == 200 and file.mimetype == "application/pdf"
    client.post(f"/manage/honours/nominations/{nomination.id}/review", data={"action": "select"})
    db.session.refresh(nomination)
    assert nomination.state is NominationState.SELECTED
    services.publish_batch_notice(batch, actor=organizer, now=LATER, working_days=5, calendar=CALENDAR)
    assert batch.state is BatchState.NOTICE
    (honour,) = services.confirm_batch(batch, actor=organizer, now=LATER.replace(year=2027))
    assert honour.competitor_id == ours.id and "单位推荐" in honour.citation
    assert "绍兴工匠" in ours.titles
    assert db.session.execute(sa.select(sa.func.count()).select_from(HonourRecord)).scalar() == 1
    auth.logout()
    auth.login("unit-a")
    assert "拟入选" in client.get("/unit/honours/").text


def test_organizer_upload_is_checked_too(client, auth, session):
    _organizer, batch, ours, _theirs = unit_world()
    auth.login("honours-org")
    response = client.post(
        f"/manage/honours/batches/{batch.id}/nominate-unit",
        data={
            "id_number": ours.id_number,
            "material": "事迹",
            "file": (io.BytesIO(b"MZ\x90\x00 not a document"), "材料.pdf"),
        },
        content_type="multipart/form-data",
    )
    assert response.status_code == 302
    assert "PDF、JPEG 或 PNG" in client.get(f"/manage/honours/batches/{batch.id}").text
    assert db.session.execute(sa.select(sa.func.count()).select_from(HonourNomination)).scalar() == 0
