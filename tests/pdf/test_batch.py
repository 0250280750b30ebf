"""Batches: one merged PDF rendered in worker processes, in order, with progress; a ZIP of one PDF per
person. Kept small (a handful of pages): the benchmark renders the thousands."""

from __future__ import annotations

import io
import zipfile

import pytest
from pypdf import PdfReader

from competition.pdf.batch import Progress, iter_batch, merge_pdfs, render_batch, render_zip
from competition.pdf.render import render
from tests.pdf.conftest import award, calibration, pdf_text, skill_level, squeeze


def test_merged_batch_in_worker_processes_keeps_order_and_reports_each_chunk() -> None:
    names = ["赵一", "钱二", "孙三", "李四", "周五"]
    documents = [skill_level(name=name) for name in names[:3]] + [award(name=name) for name in names[3:]]
    steps: list[Progress] = []
    pdf = render_batch(documents, chunk=2, processes=2, progress=steps.append)
    assert [(step.done, step.chunk, step.chunks) for step in steps] == [(2, 1, 3), (4, 2, 3), (5, 3, 3)]
    assert steps[-1].result == pdf and steps[-1].fraction == 1.0
    assert all(step.result is None for step in steps[:-1])
    pages = PdfReader(io.BytesIO(pdf)).pages
    assert len(pages) == 5
    for page, name in zip(pages, names, strict=True):
        assert name in squeeze(page.extract_text())
    orientations = [
        "portrait" if page.mediabox.height > page.mediabox.width else "landscape" for page in pages
    ]
    assert orientations == ["portrait"] * 3 + ["landscape"] * 2


def test_in_process_batch_gives_the_same_pages() -> None:
    steps = list(iter_batch([skill_level(name="吴六"), calibration()], chunk=100, processes=0))
    assert len(steps) == 1
    assert len(PdfReader(io.BytesIO(steps[0].result or b"")).pages) == 2


def test_zip_has_one_pdf_per_person_under_their_names() -> None:
    documents = [skill_level(name="郑七"), skill_level(name="王八")]
    archive = render_zip(documents, ["Y0001-郑七", "Y0002-王八.pdf"], processes=0)
    with zipfile.ZipFile(io.BytesIO(archive)) as opened:
        assert opened.namelist() == ["Y0001-郑七.pdf", "Y0002-王八.pdf"]
        for name, document in zip(opened.namelist(), documents, strict=True):
            data = opened.read(name)
            assert len(PdfReader(io.BytesIO(data)).pages) == 1
            assert document.name in squeeze(pdf_text(data))
            assert len(data) < 100 * 1024


@pytest.mark.parametrize(
    ("names", "message"),
    [(["a"], "2 documents but 1 names"), (["a", "A.pdf"], "used twice"), (["a", "../b"], "not a file name")],
)
def test_zip_names_are_checked(names: list[str], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        render_zip([skill_level(), skill_level()], names, processes=0)


def test_nothing_to_render_is_an_error() -> None:
    with pytest.raises(ValueError, match="no documents"):
        render_batch([], processes=0)


def test_merge_keeps_pages_in_order() -> None:
    parts = [render(skill_level(name=name)).data for name in ("甲", "乙")]
    reader = PdfReader(io.BytesIO(merge_pdfs(parts)))
    assert ["甲" in page.extract_text() for page in reader.pages] == [True, False]
