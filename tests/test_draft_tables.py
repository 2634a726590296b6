"""cchc draft for any form: the TTHC pack's own wording, the generic Decree 30 draft, multi-column appendices.

The figures are typed into real templates, validated and consolidated, and the draft must
state the totals and the on-time rate worked out here from our own sums.
"""
from __future__ import annotations

import shutil
import subprocess
import unicodedata
from datetime import date

import pytest
from docx import Document
from docx.oxml.ns import qn

from cchc_sheets.batch import validate_paths
from cchc_sheets.forms import load_form
from cchc_sheets.merge import consolidate
from cchc_sheets.model import Consolidation, FileReport, UnitStatus
from cchc_sheets.narrative.docx_writer import write_docx
from cchc_sheets.narrative.markdown_writer import markdown_text
from cchc_sheets.narrative.render import HEADING_1, HEADING_2, DraftOptions, build_draft
from cchc_sheets.units import Unit, UnitList

from builders import make_return

PARENT = "UBND huyện Hương Sơn"
UNITS = UnitList((Unit("1", "Xã Sơn Hồng", PARENT), Unit("2", "Xã Sơn Tây", PARENT), Unit("3", "Xã Sơn Lâm", PARENT)))
INPUTS = ("ky-truoc", "truc-tuyen", "truc-tiep", "truoc-han", "dung-han", "qua-han", "chua-den-han", "dang-qua-han")
FIELDS = ("1", "2", "3", "4", "5")
# field -> inputs in INPUTS order; received = resolved + pending on every row
HONG = {"1": (20, 300, 400, 100, 350, 150, 100, 20)}
TAY = {"3": (34, 100, 300, 59, 200, 141, 30, 4)}
DRAFT_DATE = date(2020, 6, 5)


def _values(rows: dict) -> dict:
    return {f"{field}:{column}": value for field in FIELDS
            for column, value in zip(INPUTS, rows.get(field, (0,) * len(INPUTS)))}


def _sum(column: str) -> int:
    return sum(rows[field][INPUTS.index(column)] for rows in (HONG, TAY) for field in rows)


def vn_percent(numerator: int, denominator: int) -> str:
    """One decimal, comma as the mark, a whole percent without ',0': '70,9%', '75%'."""
    return f"{100 * numerator / denominator:.1f}".removesuffix(".0").replace(".", ",") + "%"


def vn_number(value: int) -> str:
    return f"{value:,}".replace(",", ".")


ON_TIME = vn_percent(_sum("truoc-han") + _sum("dung-han"), _sum("truoc-han") + _sum("dung-han") + _sum("qua-han"))
RECEIVED = vn_number(_sum("ky-truoc") + _sum("truc-tuyen") + _sum("truc-tiep"))
RESOLVED = vn_number(_sum("truoc-han") + _sum("dung-han") + _sum("qua-han"))
PENDING = vn_number(_sum("chua-den-han") + _sum("dang-qua-han"))


def test_our_own_sums():
    assert (ON_TIME, RECEIVED, RESOLVED, PENDING) == ("70,9%", "1.154", "1.000", "154")


@pytest.fixture(scope="module")
def tthc():
    return load_form("ket-qua-giai-quyet-tthc")


def _consolidated(tmp_path, form, period):
    folder = tmp_path / "returns"
    make_return(folder, form, UNITS.units[0], period, _values(HONG),
                answers={"ton-tai": "- Hồ sơ đất đai trả quá hạn do phải xác minh\n- Thiếu cán bộ"})
    make_return(folder, form, UNITS.units[1], period, _values(TAY),
                answers={"ton-tai": "thiếu cán bộ;", "kien-nghi": "Tập huấn phần mềm một cửa"})
    batch = validate_paths([folder], form, units=UNITS, period=period)
    assert all(not f.errors for f in batch.files), [f.findings for f in batch.files]
    return consolidate(batch, form, UNITS, period)


@pytest.fixture
def merged(tmp_path, tthc, period):
    return _consolidated(tmp_path, tthc, period)


def _draft(consolidation, level="parent"):
    return build_draft(consolidation, None, level, DraftOptions(date=DRAFT_DATE))


def _body(draft) -> str:
    return "\n".join(b.text for b in draft.blocks)


# --------------------------------------------------------------------------- the TTHC pack's own draft


def test_tthc_draft_states_received_resolved_pending_and_on_time_rate(merged):
    body = _body(_draft(merged))
    for figure in (RECEIVED, RESOLVED, PENDING, ON_TIME, vn_number(_sum("ky-truoc")),
                   vn_number(_sum("truc-tuyen")), vn_number(_sum("truc-tiep")), vn_number(_sum("truoc-han")),
                   vn_number(_sum("dung-han")), vn_number(_sum("qua-han")), vn_number(_sum("chua-den-han")),
                   vn_number(_sum("dang-qua-han"))):
        assert figure in body, figure
    rate_lines = [line for line in body.splitlines() if ON_TIME in line]
    assert rate_lines and "0,7" not in " ".join(rate_lines)   # a percent, never the raw fraction


def test_tthc_draft_names_the_field_with_most_late_files_and_rates_per_field(merged):
    paragraphs = [b.text for b in _draft(merged).blocks]
    assert any("Hộ tịch" in p and "150" in p and "Đất đai" not in p for p in paragraphs)
    ho_tich = next(p for p in paragraphs if p.startswith("- Hộ tịch"))
    assert "720" in ho_tich and vn_percent(450, 600) in ho_tich
    assert not any(p.startswith("- Chứng thực") for p in paragraphs)   # a field with no files is not listed


def test_tthc_draft_sections_completeness_and_answers(merged):
    draft = _draft(merged)
    headings = [b.text for b in draft.blocks if b.kind == HEADING_1]
    assert [h.split(".")[0] for h in headings] == ["I", "II", "III", "IV"]
    body = _body(draft)
    assert "2/3 xã" in body and "Xã Sơn Lâm" in body
    assert "Thiếu cán bộ (Xã Sơn Hồng, Xã Sơn Tây)." in body          # one answer, two communes
    assert "Tập huấn phần mềm một cửa (Xã Sơn Tây)." in body
    assert all(unicodedata.is_normalized("NFC", text) for text in draft.texts())


def test_tthc_appendix_has_every_row_with_totals_and_three_header_levels(merged):
    draft = _draft(merged)
    (table,) = draft.tables
    assert table.header_depth == 3 and len(table.rows) == 6
    spans = {(c.text, c.row): (c.rows, c.columns) for c in table.header}
    assert spans[("Số hồ sơ nhận giải quyết", 0)] == (1, 4)
    assert spans[("Kết quả giải quyết", 0)] == (1, 7)
    assert spans[("Số mới tiếp nhận", 1)] == (1, 2)
    assert spans[("TT", 0)] == (3, 1) and spans[("Tỷ lệ giải quyết đúng hạn (%)", 0)] == (3, 1)
    total = dict(zip(table.columns, table.rows[-1]))
    assert total["Lĩnh vực"] == "Tổng cộng"
    assert total["Số hồ sơ nhận giải quyết / Tổng số"] == RECEIVED
    assert total["Tỷ lệ giải quyết đúng hạn (%)"] == ON_TIME.rstrip("%")
    assert "| Tổng cộng | 1.154 |" in markdown_text(draft)


def test_commune_draft_of_one_tthc_return(tmp_path, tthc, period, run_cli):
    path = make_return(tmp_path, tthc, UNITS.units[0], period, _values(HONG), answers={"ket-qua": "Công khai đủ TTHC"})
    out = tmp_path / "xa.md"
    result = run_cli("draft", path, "--out", out, "--date", "2020-06-05")
    assert result.exit_code == 0, result.output
    text = out.read_text(encoding="utf-8")
    assert vn_percent(450, 600) in text and "720" in text and "Công khai đủ TTHC." in text


def test_cli_draft_from_a_consolidated_tthc_workbook(tmp_path, merged, run_cli):
    from cchc_sheets.merged_workbook import write_merged_workbook

    workbook = tmp_path / "tong-hop.xlsx"
    write_merged_workbook(merged, workbook)
    out = tmp_path / "huyen.md"
    result = run_cli("draft", workbook, "--out", out, "--date", "2020-06-05")
    assert result.exit_code == 0, result.output
    text = out.read_text(encoding="utf-8")
    assert ON_TIME in text and RECEIVED in text


# --------------------------------------------------------------------------- the Word file


@pytest.fixture
def docx_path(tmp_path, merged):
    path = tmp_path / "tthc.docx"
    write_docx(_draft(merged), path)
    return path


def test_docx_appendix_merged_header_on_a_landscape_page(docx_path):
    document = Document(str(docx_path))
    appendix = document.tables[-1]
    first_row = appendix.rows[0]._tr
    spans = [int(tc.tcPr.find(qn("w:gridSpan")).get(qn("w:val")))
             for tc in first_row.findall(qn("w:tc")) if tc.tcPr.find(qn("w:gridSpan")) is not None]
    assert sorted(spans) == [4, 7]
    assert first_row.findall(".//" + qn("w:vMerge"))                       # TT, Lĩnh vực, … span the levels
    assert all(row._tr.trPr.find(qn("w:tblHeader")) is not None for row in appendix.rows[:3])
    last = document.sections[-1]
    assert last.page_width > last.page_height                              # landscape for 15 columns
    texts = [cell.text for cell in appendix.rows[-1].cells]
    assert RECEIVED in texts and ON_TIME.rstrip("%") in texts


@pytest.mark.libreoffice
def test_libreoffice_converts_the_tthc_draft(tmp_path, docx_path, soffice):
    profile = tmp_path / "lo-profile"
    subprocess.run([soffice, f"-env:UserInstallation={profile.as_uri()}", "--headless", "--convert-to", "pdf",
                    "--outdir", str(tmp_path), str(docx_path)], check=True, capture_output=True, timeout=120)
    text = subprocess.run(["pdftotext", str(tmp_path / "tthc.pdf"), "-"], check=True, capture_output=True,
                          text=True).stdout
    squeezed = "".join(unicodedata.normalize("NFC", text).split())
    for phrase in (ON_TIME, RECEIVED, "Sốhồsơnhậngiảiquyết", "Tổngcộng"):
        assert phrase in squeezed


# --------------------------------------------------------------------------- the generic draft


def test_pack_without_narrative_gets_the_generic_draft(tmp_path, tthc, period):
    pack = tmp_path / "pack"
    shutil.copytree(tthc.directory, pack)
    shutil.rmtree(pack / "narrative")
    consolidation = _consolidated(tmp_path, load_form(pack), period)
    draft = _draft(consolidation)
    body = _body(draft)
    assert "Kết quả giải quyết thủ tục hành chính tại cấp xã" in [b.text.split(". ", 1)[-1] for b in draft.blocks
                                                                 if b.kind == HEADING_2]
    assert RECEIVED in body and ON_TIME in body and "2/3 xã" in body
    assert draft.tables and draft.tables[0].rows[-1][2] == RECEIVED


TWO_TABLES = """\
id: hai-bang
version: 1
title: BÁO CÁO THỬ NGHIỆM
appendix_title: PHỤ LỤC
subject: Thử nghiệm hai bảng {period_label}
tables:
  - code: a
    title: Bảng một cột
    row_header: Chỉ tiêu
    columns:
      - code: so-luong
        label: Số lượng
    rows:
      - code: "01"
        label: Văn bản
        unit: Văn bản
      - code: "02"
        label: Hội nghị
        unit: Hội nghị
  - code: b
    title: Bảng nhiều cột
    row_header: Lĩnh vực
    unit_column: không
    columns:
      - code: x
        group: Hồ sơ
        label: Đã giải quyết
      - code: y
        group: Hồ sơ
        label: Đúng hạn
      - code: r
        label: Tỷ lệ (%)
        kind: percent
        formula: "ratio([:y], [:x])"
    rows:
      - code: r1
        label: Hộ tịch
      - code: r2
        label: Đất đai
      - code: t
        label: Tổng cộng
        total: có
questions:
  - code: kq
    label: Kết quả khác
    section: ket-qua
  - code: thuan-loi
    label: Thuận lợi
    section: thuan-loi-kho-khan
  - code: kho-khan
    label: Khó khăn
    section: thuan-loi-kho-khan
  - code: kien-nghi
    label: Kiến nghị
    section: kien-nghi
"""


@pytest.fixture
def two_tables(tmp_path):
    folder = tmp_path / "hai-bang"
    folder.mkdir()
    (folder / "form.yaml").write_text(TWO_TABLES, encoding="utf-8")
    return load_form(folder)


def _by_hand(form, period, reports) -> Consolidation:
    statuses = [UnitStatus(unit, FileReport(path="x.xlsx", values=dict(values), answers=answers, notes={},
                                            findings=[]), on_time=True)
                for unit, (values, answers) in zip(UNITS.units, reports)]
    statuses.append(UnitStatus(UNITS.units[2], None))
    codes = [i.code for i in form.indicators if not i.computed]
    totals = form.recompute({c: sum(s.report.values.get(c, 0) for s in statuses if s.report) for c in codes})
    return Consolidation(form=form, period=period, units=UNITS, unit_statuses=statuses, inputs=[], totals=totals,
                         deadline=date(2020, 6, 20), parent_name=PARENT)


def test_generic_draft_one_section_per_table_and_answers_by_section(two_tables, period):
    one = {"a!01": 1200, "a!02": 3, "b!r1:x": 800, "b!r1:y": 600, "b!r2:x": 400, "b!r2:y": 251}
    two = {"a!01": 34, "a!02": 0, "b!r1:x": 0, "b!r1:y": 0, "b!r2:x": 0, "b!r2:y": 0}
    consolidation = _by_hand(two_tables, period, [
        (one, {"thuan-loi": "Có sự chỉ đạo sát sao", "kien-nghi": "Bổ sung biên chế"}),
        (two, {"kho-khan": "Thiếu kinh phí", "kien-nghi": "bổ sung biên chế."})])
    draft = _draft(consolidation)
    sub = [b.text for b in draft.blocks if b.kind == HEADING_2]
    assert sub[:3] == ["1. Bảng một cột", "2. Bảng nhiều cột", "3. Kết quả khác"]
    headings = [b.text.split(". ", 1)[0] for b in draft.blocks if b.kind == HEADING_1]
    assert headings == ["I", "II", "III"]
    body = _body(draft)
    assert "1.234" in body and "3" in body                                 # a table without total: every row
    assert "1.200" in body and "851" in body and vn_percent(851, 1200) in body   # the total row only
    assert "Hộ tịch" not in body                                          # field rows stay in the appendix
    assert "Bổ sung biên chế (Xã Sơn Hồng, Xã Sơn Tây)." in body
    assert "2/3 xã" in body
    first, second = draft.tables
    assert first.title == "Bảng một cột" and first.header_depth == 1
    assert [r[3] for r in first.rows] == ["1.234", "3"]
    assert second.header_depth == 2 and second.rows[-1][1:5] == ("Tổng cộng", "1.200", "851", "70,9")


def test_generic_draft_writes_word_with_every_table(tmp_path, two_tables, period):
    consolidation = _by_hand(two_tables, period, [({"a!01": 5, "a!02": 1, "b!r1:x": 10, "b!r1:y": 9,
                                                    "b!r2:x": 0, "b!r2:y": 0}, {})])
    path = tmp_path / "generic.docx"
    write_docx(_draft(consolidation), path)
    document = Document(str(path))
    cells = {cell.text for table in document.tables[-2:] for row in table.rows for cell in row.cells}
    assert {"Bảng một cột", "Bảng nhiều cột"} <= {p.text for p in document.paragraphs}
    assert {"Hồ sơ", "Đã giải quyết", "Tỷ lệ (%)", "90"} <= cells


def test_tthc_pack_mail_wording_renders(tmp_path, tthc):
    from cchc_sheets.mail.compose import Letter, ManifestEntry, render_wording

    letter = Letter(form=tthc, period_label="6 tháng đầu năm 2020", deadline=date(2020, 6, 20),
                    office="Phòng Nội vụ huyện Hương Sơn", contact="", from_addr="pnv@example.org")
    entry = ManifestEntry(code="1", name="Xã Sơn Hồng", email="xa@example.org", file=tmp_path / "a.xlsx", sha256="")
    subject, body = render_wording(letter, entry)
    assert "TTHC" in subject and "Xã Sơn Hồng" in subject
    assert "20/6/2020" in body and unicodedata.is_normalized("NFC", body)
