"""Photos are checked by content and re-encoded; admission tickets are issued after the draw is
published, carry what a person expects, and verify by their QR link."""

from __future__ import annotations

import io
import re
import subprocess

import pytest
from PIL import Image

from competition.contests.lifecycle import ContestStatus
from competition.errors import DomainError
from competition.extensions import db
from competition.registration import draw as drawing
from competition.registration import services
from competition.registration.photos import OUTPUT_SIZE, check_photo
from competition.registration.review import RegistrationStatus


def image_bytes(size=(300, 420), colour=(255, 255, 255), fmt="JPEG", face=True) -> bytes:
    image = Image.new("RGB", size, colour)
    if face:
        for x in range(size[0] // 3, 2 * size[0] // 3):
            for y in range(size[1] // 4, size[1]):
                image.putpixel((x, y), (40, 60, 90))
    out = io.BytesIO()
    image.save(out, format=fmt)
    return out.getvalue()


def test_a_good_photo_is_re_encoded_to_one_inch():
    photo = check_photo(image_bytes(fmt="PNG"))
    with Image.open(io.BytesIO(photo.data)) as image:
        assert (image.format, image.size) == ("JPEG", OUTPUT_SIZE)
        assert "exif" not in image.info


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", "请选择照片文件"),
        (b"GIF89a" + b"\0" * 100, "无法识别的图片"),
        (b"%PDF-1.7\n" + b"x" * 200, "无法识别的图片"),
        (image_bytes(size=(60, 80)), "照片太小"),
        (image_bytes(size=(420, 300)), "竖版"),
        (image_bytes(colour=(30, 80, 200)), "白色背景"),
        (image_bytes(fmt="GIF"), "JPEG 或 PNG"),
        (b"\xff\xd8\xff" + b"\0" * 3 * 2**20, "超过 2 MB"),
    ],
)
def test_bad_photos_are_refused(data, message):
    with pytest.raises(DomainError, match=message):
        check_photo(data)


def test_decompression_bombs_are_refused():
    out = io.BytesIO()
    Image.new("1", (20000, 20000)).save(out, format="PNG")
    with pytest.raises(DomainError, match=r"像素过多|无法识别"):
        check_photo(out.getvalue())


@pytest.fixture
def drawn(world):
    world.contest.status = ContestStatus.REGISTRATION_CLOSED
    entry = world.registration
    services.review(entry, RegistrationStatus.APPROVED, actor=None, now=world.contest.created_at)
    draw = services.commit_draw(
        world.event,
        drawing.DrawOptions(number_prefix="H"),
        actor=world.organizer,
        now=world.contest.created_at,
    )
    services.perform_draw(draw, actor=world.organizer, now=world.contest.created_at)
    db.session.flush()
    return world, draw


def test_ticket_waits_for_the_published_draw_then_downloads(client, auth, drawn, tmp_path):
    world, draw = drawn
    auth.login("competitor")
    client.post(
        "/me/photo", data={"photo": (io.BytesIO(image_bytes()), "me.jpg")}, content_type="multipart/form-data"
    )
    early = client.get(f"/me/registrations/{world.registration.id}/ticket.pdf", follow_redirects=True)
    assert "公布抽签结果后才能下载准考证" in early.get_data(as_text=True)
    services.publish_draw(draw, actor=world.organizer, now=world.contest.created_at)
    assert "下载准考证" in client.get("/me/").get_data(as_text=True)
    response = client.get(f"/me/registrations/{world.registration.id}/ticket.pdf")
    assert response.mimetype == "application/pdf"
    pdf = tmp_path / "ticket.pdf"
    pdf.write_bytes(response.data)
    text = subprocess.run(
        ["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True, check=True
    ).stdout
    person = world.registration.members[0].competitor
    for expected in (
        "准考证",
        "H001",
        person.name,
        person.id_number,
        world.unit.name,
        "焊工",
        world.contest.venue,
        "1号工位",
    ):
        assert expected in text, expected
    images = subprocess.run(
        ["pdfimages", "-list", str(pdf)], capture_output=True, text=True, check=True
    ).stdout
    assert "jpeg" in images  # the photo is on the ticket


def test_ticket_qr_link_verifies_and_expires_after_a_redraw(client, auth, drawn, app):
    from competition.registration.tickets import ticket_code

    world, draw = drawn
    services.publish_draw(draw, actor=world.organizer, now=world.contest.created_at)
    member = world.registration.members[0]
    code = ticket_code(member, app.config["SECRET_KEY"])
    page = client.get(f"/tickets/{code}").get_data(as_text=True)
    assert "有效的准考证" in page and "H001" in page
    assert member.competitor.name not in page  # masked: 张*丰
    assert client.get(f"/tickets/{code[:-2]}xx").status_code == 404
    redraw = services.commit_draw(
        world.event,
        drawing.DrawOptions(number_prefix="K"),
        actor=world.organizer,
        now=world.contest.created_at,
        reason="补报一人",
    )
    services.perform_draw(redraw, actor=world.organizer, now=world.contest.created_at)
    services.publish_draw(redraw, actor=world.organizer, now=world.contest.created_at)
    stale = client.get(f"/tickets/{code}")
    assert stale.status_code == 404 and "已失效" in stale.get_data(as_text=True)
    assert re.search(
        r"K001",
        client.get(f"/tickets/{ticket_code(member, app.config['SECRET_KEY'])}").get_data(as_text=True),
    )
