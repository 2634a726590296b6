"""cchc draft: facts, wording, the Decree 30/2020 Word layout, Markdown, and the round trip from real files."""
from __future__ import annotations

import re
import shutil
import subprocess
import unicodedata
from datetime import date
from pathlib import Path

import pytest
from docx import Document
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml.ns import qn
from docx.shared import Cm, Mm, Pt

from cchc_sheets.forms import load_form
from cchc_sheets.model import Consolidation, FileReport, UnitStatus, make_finding
from cchc_sheets.narrative.context import build_context, fold_items, fold_key, unit_noun
from cchc_sheets.narrative.docx_writer import build_document, write_docx
from cchc_sheets.narrative.markdown_writer import markdown_text
from cchc_sheets.narrative.render import DraftOptions, HEADING_1, HEADING_2, build_draft
from cchc_sheets.periods import parse_period
from cchc_sheets.units import Unit, UnitList

from builders import REFERENCE_VALUES, make_return

PARENT = "UBND huyện Hương Sơn"
UNITS = (Unit("1", "Xã Sơn Hồng", PARENT), Unit("2", "Xã Sơn Tây", PARENT),
         Unit("3", "Xã Sơn Lâm", PARENT), Unit("4", "Xã Sơn Lễ", PARENT), Unit("5", "Xã Sơn Tiến", PARENT))
HONG = {"01": 10, "02": 0, "03": 0, "04": 1000, "05": 2, "05.1": 150, "06": 1, "07": 40, "08": 3}
TAY = {"01": 8, "02": 1, "03": 4, "04": 200, "05": 1, "05.1": 50, "06": 0, "07": 0, "08": 0}
LAM_INVALID = {"01": 99, "02": 0, "03": 0, "04": 5, "05": 0, "05.1": 0, "06": 0, "07": 0, "08": 0}
PREVIOUS_TOTALS = {"01": 16, "02": 1, "03": 0, "04": 1000, "05": 3, "05.1": 200, "06": 1, "07": 50, "08": 3}
DRAFT_DATE = date(2020, 6, 5)

# The reference report's appendix as the commune typed it, and its section headings.
REFERENCE_TABLE = [
    ("01", "Số lượng văn bản chỉ đạo, điều hành về công tác tuyên truyền CCHC", "Văn bản", "12"),
    ("02", "Tổ chức cuộc thi tìm hiểu về CCHC", "Cuộc thi", "0"),
    ("03", "Số lượng tin, bài tuyên truyền về CCHC trên các cơ quan báo chí", "Tin, bài", "0"),
    ("04", "Số lượng tin, bài tuyên truyền về CCHC trên sóng truyền thanh cấp xã", "Tin, bài", "18"),
    ("05", "Số Hội nghị tập huấn tuyên truyền về công tác CCHC", "Hội nghị", "6(lồng ghép)"),
    ("", "Số người tham dự các lớp tập huấn về công tác CCHC", "Người", "600 (Lượt người)"),
    ("06", "Xây dựng chuyên mục CCHC trên Cổng/Trang thông tin điện tử", "Chuyên mục", "02"),
    ("07", "Số lượng tài liệu tuyên truyền về CCHC (tờ rơi, tài liệu)", "Tài liệu", "03"),
    ("08", "Các hình thức tuyên truyền khác", "Cuộc", "Hội nghị; mạng xã hội; TT miệng…"),
]
REFERENCE_HEADINGS = [
    "I. Kết quả thực hiện công tác tuyên truyền CCHC 6 tháng đầu năm 2020",
    "1. Hình thức và nội dung tuyên truyền",
    "2. Số lượng tin, bài thực hiện trong công tác tuyên truyền:",
    "II. Những thuận lợi, khó khăn",
    "1. Thuận lợi:",
    "2. Khó khăn:",
    "III. Kiến nghị đề xuất:",
    "IV. Phương hướng, nhiệm vụ 6 tháng cuối năm 2020:",
]
REFERENCE_CLOSING = ("Trên đây là báo cáo công tác tuyên truyền cải cách hành chính 6 tháng đầu năm 2020 và "
                     "phương hướng, nhiệm vụ 6 tháng cuối năm 2020 của Ủy ban nhân dân xã An Hòa Thịnh./.")
REFERENCE_ANSWERS = {
    "thuan-loi": "Mỗi cán bộ, công chức là một tuyên truyền viên trong công tác tuyên truyền về cải cách hành chính.",
    "kho-khan": "- Nguồn kinh phí cho công tác tuyên truyền cải cách hành chính còn hạn chế.",
    "kien-nghi": "- Quan tâm đầu tư trang thiết bị để đáp ứng yêu cầu công việc tuyên truyền nói chung và "
                 "tuyên truyền cải cách hành chính nói riêng",
    "phuong-huong": "Tăng cường số lượng các tin bài về công tác cải cách hành chính trên hệ thống loa "
                    "truyền thanh xã và Cổng thông tin điện tử xã.",
}


def _report(values, answers=None, notes=None, findings=None) -> FileReport:
    return FileReport(path="x.xlsx", values=dict(values), answers=answers or {}, notes=notes or {},
                      findings=findings or [])


def _consolidation(form, period, statuses, totals=None, deadline=date(2020, 6, 20)) -> Consolidation:
    counted = [s for s in statuses if s.counted]
    if totals is None:
        totals = {i.code: sum(s.report.values.get(i.code) or 0 for s in counted) for i in form.indicators}
    return Consolidation(form=form, period=period, units=UnitList(tuple(s.unit for s in statuses)),
                         unit_statuses=statuses, inputs=[], totals=totals, deadline=deadline, parent_name=PARENT)


@pytest.fixture
def merged(form, period):
    answers_hong = {"kho-khan": "- Nguồn kinh phí còn hạn chế.\n- Thiếu trang thiết bị",
                    "kien-nghi": "Đầu tư hệ thống truyền thanh", "thuan-loi": "Có sự quan tâm của cấp ủy"}
    # the same difficulty typed differently (case, spaces, no dash, a final ';') folds into one item
    answers_tay = {"kho-khan": "nguồn  kinh phí còn hạn chế;", "kien-nghi": "Tập huấn cho cán bộ làm công tác CCHC."}
    broken = [make_finding("not-a-number", sheet="Báo cáo", cell="D9", indicator="01", value="abc")]
    statuses = [
        UnitStatus(UNITS[0], _report(HONG, answers_hong, {"08": "Hội nghị; mạng xã hội"}), on_time=True),
        UnitStatus(UNITS[1], _report(TAY, answers_tay), on_time=False),
        UnitStatus(UNITS[2], _report(LAM_INVALID, {"kien-nghi": "Sửa chữa loa truyền thanh"}, findings=broken), on_time=True),
        UnitStatus(UNITS[3], None), UnitStatus(UNITS[4], None),
    ]
    return _consolidation(form, period, statuses)


@pytest.fixture
def previous(form):
    return _consolidation(form, parse_period("2019-H2"), [], totals=PREVIOUS_TOTALS)


def _draft(merged, previous=None, **options):
    return build_draft(merged, previous, "parent", DraftOptions(date=DRAFT_DATE, **options))


def _paragraphs(draft) -> list[str]:
    return [b.text for b in draft.blocks]


# --------------------------------------------------------------------------- facts and wording


def test_totals_in_vietnamese_number_format(merged):
    draft = _draft(merged)
    text = "\n".join(_paragraphs(draft))
    assert "Có 1.200 tin, bài tuyên truyền về CCHC trên sóng truyền thanh cấp xã" in text
    assert dict((r[0], r[3]) for r in draft.rows)["04"] == "1.200"   # the invalid return is left out
    assert "Ban hành 18 văn bản" in text


def test_comparison_with_previous_period(merged, previous):
    text = "\n".join(_paragraphs(_draft(merged, previous)))
    assert "Ban hành 18 văn bản chỉ đạo, điều hành về công tác tuyên truyền CCHC, tăng 2 văn bản (12,5%) so với 6 tháng cuối năm 2019" in text
    assert "Tổ chức 3 hội nghị tập huấn tuyên truyền về công tác CCHC với 200 lượt người tham dự, không thay đổi so với 6 tháng cuối năm 2019" in text
    assert "Phát hành 40 tài liệu tuyên truyền về CCHC (tờ rơi, tài liệu), giảm 10 tài liệu (20%) so với 6 tháng cuối năm 2019" in text
    assert "tăng 4 tin, bài so với 6 tháng cuối năm 2019 (kỳ trước không có)" in text


def test_completeness_sentence_names_missing_late_and_uncounted(merged):
    paragraphs = _paragraphs(_draft(merged))
    assert "3/5 xã đã gửi báo cáo; chưa gửi: Xã Sơn Lễ, Xã Sơn Tiến." in paragraphs
    assert "Báo cáo của Xã Sơn Lâm còn lỗi nên chưa được tổng hợp số liệu." in paragraphs
    assert "Số báo cáo gửi đúng hạn: 2/3 (66,7%); gửi muộn: Xã Sơn Tây." in paragraphs


def test_facts_units_with_none_and_with_most(merged):
    text = "\n".join(_paragraphs(_draft(merged)))
    assert "- Có 4 tin, bài tuyên truyền về CCHC trên các cơ quan báo chí; nhiều nhất là Xã Sơn Tây (4 tin, bài); 1 xã chưa có: Xã Sơn Hồng." in text
    facts = build_context(merged)["by_code"]["06"]
    assert facts["zero_units"] == ["Xã Sơn Tây"] and facts["top_units"] == ["Xã Sơn Hồng"]


def test_section_headings_in_reference_order(merged):
    draft = _draft(merged)
    headings = [b.text for b in draft.blocks if b.kind in (HEADING_1, HEADING_2)]
    assert headings == REFERENCE_HEADINGS
    assert draft.blocks[-1].text.startswith("Trên đây là báo cáo công tác tuyên truyền cải cách hành chính 6 tháng đầu năm 2020")
    assert draft.subject == "Công tác Tuyên truyền cải cách hành chính 6 tháng đầu năm 2020"


def test_answers_credited_under_their_section_and_duplicates_folded(merged):
    paragraphs = _paragraphs(_draft(merged))
    difficulties = paragraphs[paragraphs.index("2. Khó khăn:") + 1: paragraphs.index("III. Kiến nghị đề xuất:")]
    assert difficulties == ["- Nguồn kinh phí còn hạn chế (Xã Sơn Hồng, Xã Sơn Tây).",
                            "- Thiếu trang thiết bị (Xã Sơn Hồng)."]
    recommendations = paragraphs[paragraphs.index("III. Kiến nghị đề xuất:") + 1:]
    assert "- Đầu tư hệ thống truyền thanh (Xã Sơn Hồng)." in recommendations
    assert "- Tập huấn cho cán bộ làm công tác CCHC (Xã Sơn Tây)." in recommendations
    # a return left out of the totals for a wrong figure still speaks in the narrative
    assert "- Sửa chữa loa truyền thanh (Xã Sơn Lâm)." in recommendations
    assert "- Các hình thức tuyên truyền khác: Hội nghị; mạng xã hội (Xã Sơn Hồng)." not in paragraphs
    assert "Các hình thức tuyên truyền khác: Hội nghị; mạng xã hội (Xã Sơn Hồng)." in paragraphs


def test_fold_key_and_items():
    assert fold_key("- Nguồn  kinh phí còn HẠN CHẾ;") == fold_key("nguồn kinh phí còn hạn chế.")
    nfd = unicodedata.normalize("NFD", "Thiếu kinh phí")
    items = fold_items([("Xã A", "1. Thiếu kinh phí\n+ Mạng yếu"), ("Xã B", nfd), ("Xã A", "thiếu kinh phí")])
    assert items == [{"text": "Thiếu kinh phí", "units": ["Xã A", "Xã B"]}, {"text": "Mạng yếu", "units": ["Xã A"]}]


def test_unit_noun_follows_the_kinds_of_units():
    assert unit_noun(["Xã A", "Xã B"]) == "xã"
    assert unit_noun(["Xã A", "Thị trấn Phố Châu", "Phường 1"]) == "xã, phường, thị trấn"


def test_issuer_number_signature_and_recipients(merged):
    draft = _draft(merged, issuer="UBND huyện Hương Sơn|Phòng Nội vụ", number="15", place="Hương Sơn")
    assert draft.issuer_lines == ["UBND HUYỆN HƯƠNG SƠN", "PHÒNG NỘI VỤ"]
    assert draft.number == "Số: 15/BC-PNV"
    assert draft.signature == ["TRƯỞNG PHÒNG"]
    assert draft.recipients[-1] == "- Lưu: VT, NV."
    assert draft.place_date == "Hương Sơn, ngày 05 tháng 6 năm 2020"
    default = _draft(merged)
    assert default.issuer_lines == ["UBND HUYỆN HƯƠNG SƠN"] and default.number == "Số: …/BC-UBND"
    assert default.signature == ["TM. ỦY BAN NHÂN DÂN", "CHỦ TỊCH"]


def test_date_leading_zero_for_early_months(merged):
    assert _draft(merged).place_date.endswith("ngày 05 tháng 6 năm 2020")
    later = build_draft(merged, options=DraftOptions(date=date(2021, 2, 9)))
    assert later.place_date == "Hương Sơn, ngày 09 tháng 02 năm 2021"


def test_wording_comes_from_the_form_pack(tmp_path, merged):
    pack = tmp_path / "pack"
    shutil.copytree(merged.form.directory, pack)
    closing = pack / "narrative" / "closing.j2"
    closing.write_text("Kính báo cáo {{ reporter }} kỳ {{ period.label }}./.\n", encoding="utf-8")
    merged.form = load_form(pack)
    assert _draft(merged).blocks[-1].text == "Kính báo cáo Ủy ban nhân dân huyện Hương Sơn kỳ 6 tháng đầu năm 2020./."


def test_template_error_is_a_catalogue_error(tmp_path, merged):
    from cchc_sheets.messages import CchcError

    pack = tmp_path / "pack"
    shutil.copytree(merged.form.directory, pack)
    (pack / "narrative" / "closing.j2").write_text("{{ no_such_fact }}\n", encoding="utf-8")
    merged.form = load_form(pack)
    with pytest.raises(CchcError) as caught:
        _draft(merged)
    assert caught.value.code == "draft-template-error" and "closing.j2" in str(caught.value)


# --------------------------------------------------------------------------- Word layout


def _runs(document):
    for paragraph in _all_paragraphs(document):
        yield from paragraph.runs


def _all_paragraphs(document):
    yield from document.paragraphs
    for table in document.tables:
        for row in table.rows:
            for cell in row.cells:
                yield from cell.paragraphs
    for section in document.sections:
        yield from section.header.paragraphs


@pytest.fixture
def docx_path(tmp_path, merged, previous):
    path = tmp_path / "bao-cao.docx"
    write_docx(_draft(merged, previous, issuer="UBND huyện Hương Sơn|Phòng Nội vụ"), path)
    return path


def test_docx_page_setup_a4_margins_and_page_numbers(docx_path):
    document = Document(str(docx_path))
    section = document.sections[0]
    assert abs(section.page_width - Mm(210)) < Mm(1) and abs(section.page_height - Mm(297)) < Mm(1)
    assert Mm(20) <= section.top_margin <= Mm(25) and Mm(20) <= section.bottom_margin <= Mm(25)
    assert Mm(30) <= section.left_margin <= Mm(35) and Mm(15) <= section.right_margin <= Mm(20)
    assert section.different_first_page_header_footer
    header_xml = section.header._element.xml
    assert "PAGE" in "".join(t.text for t in section.header._element.iter(qn("w:instrText")))
    assert section.header.paragraphs[0].alignment == WD_ALIGN_PARAGRAPH.CENTER
    assert "w:fldChar" in header_xml
    assert not section.first_page_header.is_linked_to_previous
    assert "".join(p.text for p in section.first_page_header.paragraphs).strip() == ""
    assert "instrText" not in section.first_page_header._element.xml


def test_docx_times_new_roman_everywhere_in_black(docx_path):
    document = Document(str(docx_path))
    normal = document.styles["Normal"]
    assert normal.font.name == "Times New Roman" and normal.font.size == Pt(14)
    runs = list(_runs(document))
    assert len(runs) > 50
    for run in runs:
        fonts = run._element.rPr.find(qn("w:rFonts"))
        assert {fonts.get(qn(f"w:{a}")) for a in ("ascii", "hAnsi", "eastAsia", "cs")} == {"Times New Roman"}
        assert str(run.font.color.rgb) == "000000"
        assert Pt(11) <= run.font.size <= Pt(14)


def test_docx_heading_block(docx_path):
    document = Document(str(docx_path))
    heading = document.tables[0]
    left = heading.cell(0, 0).paragraphs
    assert [p.text for p in left[:2]] == ["UBND HUYỆN HƯƠNG SƠN", "PHÒNG NỘI VỤ"]
    assert not left[0].runs[0].bold and left[1].runs[0].bold
    right = heading.cell(0, 1).paragraphs
    assert right[0].text == "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM" and right[0].runs[0].bold
    assert Pt(12) <= right[0].runs[0].font.size <= Pt(13)
    assert right[1].text == "Độc lập - Tự do - Hạnh phúc" and right[1].runs[0].bold
    assert Pt(13) <= right[1].runs[0].font.size <= Pt(14)
    rule = right[2]._p.pPr.find(qn("w:pBdr")).find(qn("w:bottom"))
    assert rule.get(qn("w:val")) == "single"
    # the rule is as long as the motto (5,6 cm at 13 pt), centred in the column
    column_text_width = Cm(9.8 - 2 * 0.19)
    rule_length = column_text_width - right[2].paragraph_format.left_indent - right[2].paragraph_format.right_indent
    assert abs(rule_length - Cm(5.6)) < Cm(0.05)
    assert "w:tblBorders" in heading._tbl.xml and 'w:val="none"' in heading._tbl.xml
    number, place = heading.cell(1, 0).paragraphs[0], heading.cell(1, 1).paragraphs[0]
    assert number.text == "Số: …/BC-PNV" and number.runs[0].font.size == Pt(13)
    assert place.text.endswith("ngày 05 tháng 6 năm 2020") and place.runs[0].italic
    assert Pt(13) <= place.runs[0].font.size <= Pt(14)


def test_docx_title_and_body_paragraphs(docx_path):
    document = Document(str(docx_path))
    texts = [p.text for p in document.paragraphs]
    title = document.paragraphs[texts.index("BÁO CÁO")]
    assert title.runs[0].bold and title.alignment == WD_ALIGN_PARAGRAPH.CENTER
    subject = document.paragraphs[texts.index("Công tác Tuyên truyền cải cách hành chính 6 tháng đầu năm 2020")]
    assert subject.runs[0].bold
    body = [p for p in document.paragraphs if p.text.startswith(("Thực hiện", "Trên đây", "- ", "I. ", "IV. "))]
    assert len(body) >= 8
    for paragraph in body:
        assert paragraph.alignment == WD_ALIGN_PARAGRAPH.JUSTIFY
        assert Cm(1) <= paragraph.paragraph_format.first_line_indent <= Cm(1.27) + 10
        assert paragraph.paragraph_format.space_after >= Pt(6)
        assert 1.0 <= paragraph.paragraph_format.line_spacing <= 1.5
        assert all(Pt(13) <= r.font.size <= Pt(14) for r in paragraph.runs)
    assert document.paragraphs[texts.index("III. Kiến nghị đề xuất:")].runs[0].bold


def test_docx_recipients_signature_and_appendix_table(docx_path):
    document = Document(str(docx_path))
    signature = document.tables[1]
    left = signature.cell(0, 0).paragraphs
    assert left[0].text == "Nơi nhận:" and left[0].runs[0].bold and left[0].runs[0].italic
    assert left[0].runs[0].font.size == Pt(12)
    assert all(p.runs[0].font.size == Pt(11) for p in left[1:])
    assert left[-1].text.startswith("- Lưu: VT")
    right = [p.text for p in signature.cell(0, 1).paragraphs if p.text]
    assert right == ["TRƯỞNG PHÒNG", "[Họ và tên]"]
    appendix = document.tables[2]
    rows = [[c.text for c in row.cells] for row in appendix.rows]
    assert rows[0] == ["TT", "Chỉ tiêu", "Đơn vị tính", "Số lượng", "Ghi chú"]
    assert rows[4][:4] == ["04", REFERENCE_TABLE[3][1], "Tin, bài", "1.200"]
    assert rows[6][0] == "" and rows[6][3] == "200"
    assert 'w:val="single"' in appendix._tbl.xml


def test_every_text_is_nfc(tmp_path, form, period):
    nfd = {q: unicodedata.normalize("NFD", "Kiến nghị đầu tư hệ thống truyền thanh") for q in ("kien-nghi",)}
    statuses = [UnitStatus(UNITS[0], _report(HONG, nfd, {"08": unicodedata.normalize("NFD", "Hội nghị")}))]
    draft = build_draft(_consolidation(form, period, statuses), options=DraftOptions(date=DRAFT_DATE))
    document = build_document(draft)
    texts = [p.text for p in _all_paragraphs(document)] + [markdown_text(draft)]
    assert any("Kiến nghị đầu tư hệ thống truyền thanh" in t for t in texts)
    assert all(unicodedata.is_normalized("NFC", t) for t in texts)


def test_markdown_has_the_same_content(merged, previous):
    draft = _draft(merged, previous)
    text = markdown_text(draft)
    for heading in REFERENCE_HEADINGS:
        assert heading in text
    assert "| 04 | Số lượng tin, bài tuyên truyền về CCHC trên sóng truyền thanh cấp xã | Tin, bài | 1.200 |  |" in text
    assert "\\- Nguồn kinh phí còn hạn chế (Xã Sơn Hồng, Xã Sơn Tây)." in text
    assert "*Hương Sơn, ngày 05 tháng 6 năm 2020*" in text


# --------------------------------------------------------------------------- from real files


def _reference_return(tmp_path, form, period, values=None):
    unit = Unit("18118", "Xã An Hòa Thịnh", PARENT)
    entries = dict(REFERENCE_VALUES, **{"08": 3}) if values is None else values
    return make_return(tmp_path, form, unit, period, entries,
                       notes={"08": "Hội nghị; mạng xã hội; TT miệng…"}, answers=REFERENCE_ANSWERS)


def test_commune_draft_matches_the_reference_report(tmp_path, form, period, run_cli):
    source = _reference_return(tmp_path, form, period)
    out = tmp_path / "bao-cao-xa.docx"
    result = run_cli("draft", source, "--out", out, "--date", "2020-06-05", "--place", "Hương Sơn")
    assert result.exit_code == 0, result.output
    document = Document(str(out))
    rows = [[c.text for c in row.cells] for row in document.tables[2].rows][1:]
    assert len(rows) == len(REFERENCE_TABLE)
    for ours, (tt, label, unit, typed) in zip(rows, REFERENCE_TABLE):
        assert ours[:3] == [tt, label, unit]
        leading = re.match(r"\d+", typed)
        assert ours[3] == (str(int(leading.group())) if leading else "3")
    assert rows[4][4] == "lồng ghép" and rows[8][4] == "Hội nghị; mạng xã hội; TT miệng…"
    paragraphs = [p.text for p in document.paragraphs]
    headings = [p.text for p in document.paragraphs if p.runs and p.runs[0].bold and p.text in REFERENCE_HEADINGS]
    assert headings == REFERENCE_HEADINGS
    assert REFERENCE_CLOSING in paragraphs
    assert "- Nguồn kinh phí cho công tác tuyên truyền cải cách hành chính còn hạn chế." in paragraphs
    assert document.tables[0].cell(0, 0).paragraphs[0].text == "UBND XÃ AN HÒA THỊNH"
    assert document.tables[0].cell(1, 1).paragraphs[0].text == "Hương Sơn, ngày 05 tháng 6 năm 2020"
    assert [p.text for p in document.tables[1].cell(0, 0).paragraphs] == ["Nơi nhận:", f"- {PARENT};", "- Lưu: VT."]
    assert any("có 18 tin, bài tuyên truyền về CCHC trên sóng truyền thanh cấp xã" in p for p in paragraphs)


def test_commune_return_with_errors_still_drafts_and_warns(tmp_path, form, period, run_cli):
    source = _reference_return(tmp_path, form, period, values=dict(REFERENCE_VALUES))  # words in row 08
    out = tmp_path / "bao-cao.md"
    result = run_cli("draft", source, "--out", out)
    assert result.exit_code == 0
    assert "còn 1 lỗi" in result.stderr
    assert "| 08 | Các hình thức tuyên truyền khác | Cuộc |  |" in out.read_text(encoding="utf-8")


def _merged_workbook(tmp_path, form, period, units, returns, name):
    from cchc_sheets.merge import consolidate
    from cchc_sheets.merged_workbook import write_merged_workbook
    from cchc_sheets.batch import validate_paths

    folder = tmp_path / name
    for unit, values, answers in returns:
        make_return(folder, form, unit, period, values, answers=answers)
    batch = validate_paths([folder], form, units=units, period=period)
    out = tmp_path / f"{name}.xlsx"
    write_merged_workbook(consolidate(batch, form, units, period), out)
    return out


@pytest.fixture
def merged_files(tmp_path, form, units):
    clean = {"01": 12, "02": 0, "03": 0, "04": 18, "05": 6, "05.1": 600, "06": 2, "07": 3, "08": 3}
    one, two, _ = units.units
    current = _merged_workbook(tmp_path, form, parse_period("2020-H1"), units, [
        (one, clean, {"kien-nghi": "Đầu tư hệ thống loa truyền thanh"}),
        (two, dict(clean, **{"04": 1182}), {"kien-nghi": "Tăng kinh phí tuyên truyền"}),
    ], "h1")
    previous = _merged_workbook(tmp_path, form, parse_period("2019-H2"), units, [
        (one, dict(clean, **{"04": 500}), {}), (two, dict(clean, **{"04": 500}), {}),
    ], "h2")
    return current, previous


def test_cli_draft_from_consolidated_workbook(tmp_path, merged_files, run_cli):
    current, previous = merged_files
    out = tmp_path / "huyen.md"
    result = run_cli("draft", current, "--previous", previous, "--out", out, "--date", "2020-06-05",
                     "--issuer", "UBND tỉnh Thử Nghiệm|Sở Nội vụ")
    assert result.exit_code == 0, result.output
    text = out.read_text(encoding="utf-8")
    assert "2/3 xã, phường đã gửi báo cáo; chưa gửi: Phường Đông Hà." in text
    assert "Có 1.200 tin, bài tuyên truyền về CCHC trên sóng truyền thanh cấp xã, tăng 200 tin, bài (20%) so với 6 tháng cuối năm 2019" in text
    assert "\\- Đầu tư hệ thống loa truyền thanh (Xã Thử Nghiệm Một)." in text
    assert "\\- Tăng kinh phí tuyên truyền (Xã Thử Nghiệm Hai)." in text
    assert "**UBND TỈNH THỬ NGHIỆM / SỞ NỘI VỤ**" in text and "Số: …/BC-SNV" in text and "**GIÁM ĐỐC**" in text


def test_cli_rejects_other_outputs_and_unknown_inputs(tmp_path, merged_files, run_cli):
    current, _ = merged_files
    result = run_cli("draft", current, "--out", tmp_path / "x.pdf")
    assert result.exit_code == 2 and ".docx" in result.output
    assert not (tmp_path / "x.pdf").exists()
    from openpyxl import Workbook

    stranger = tmp_path / "other.xlsx"
    Workbook().save(stranger)
    result = run_cli("draft", stranger, "--out", tmp_path / "x.docx")
    assert result.exit_code == 2 and "Không nhận ra tệp" in result.output


@pytest.mark.libreoffice
def test_libreoffice_pdf_shows_totals_and_recommendations(tmp_path, merged_files, run_cli, soffice):
    current, _ = merged_files
    out = tmp_path / "huyen.docx"
    assert run_cli("draft", current, "--out", out, "--date", "2020-06-05").exit_code == 0
    profile = tmp_path / "lo-profile"
    subprocess.run([soffice, f"-env:UserInstallation={profile.as_uri()}", "--headless", "--convert-to", "pdf",
                    "--outdir", str(tmp_path), str(out)], check=True, capture_output=True, timeout=120)
    text = subprocess.run(["pdftotext", str(tmp_path / "huyen.pdf"), "-"], check=True, capture_output=True,
                          text=True).stdout
    squeezed = "".join(unicodedata.normalize("NFC", text).split())   # justified lines split words oddly

    def shown(phrase):
        return "".join(phrase.split()) in squeezed

    assert shown("Có 1.200 tin, bài tuyên truyền về CCHC trên sóng truyền thanh cấp xã")
    assert shown("Đầu tư hệ thống loa truyền thanh (Xã Thử Nghiệm Một)")
    assert shown("Tăng kinh phí tuyên truyền (Xã Thử Nghiệm Hai)")
    assert shown("ngày 05 tháng 6 năm 2020")


def test_long_lists_are_capped_and_ties_single_out_nobody(form, period):
    units = [Unit(f"{n:03d}", f"Xã Số {n}", "UBND tỉnh Thử Nghiệm") for n in range(1, 131)]
    values = {i.code: 0 for i in form.indicators}
    statuses = [UnitStatus(u, _report(dict(values, **{"01": 2, "04": n}))) for n, u in enumerate(units)]
    draft = build_draft(_consolidation(form, period, statuses), options=DraftOptions(date=DRAFT_DATE))
    text = "\n".join(_paragraphs(draft))
    assert "130 xã chưa có: Xã Số 1, Xã Số 2, Xã Số 3, Xã Số 4, Xã Số 5, Xã Số 6, Xã Số 7, Xã Số 8, Xã Số 9, Xã Số 10 và 120 xã khác" in text
    assert "- Ban hành 260 văn bản chỉ đạo, điều hành về công tác tuyên truyền CCHC." in text   # all equal: no "nhiều nhất"
    assert "- Có 8.385 tin, bài tuyên truyền về CCHC trên sóng truyền thanh cấp xã; nhiều nhất là Xã Số 130 (129 tin, bài); 1 xã chưa có: Xã Số 1." in text


def test_missing_and_invalid_lists_of_a_province_are_capped_at_thirty(form, period):
    """A district names every commune that did not send; a province of 130 names 30 and counts the rest."""
    units = [Unit(f"{n:03d}", f"Xã Số {n}", "UBND tỉnh Thử Nghiệm") for n in range(1, 131)]
    values = {i.code: 1 for i in form.indicators}
    statuses = [UnitStatus(u, _report(values) if n % 3 == 0 else None) for n, u in enumerate(units, 1)]
    draft = build_draft(_consolidation(form, period, statuses), options=DraftOptions(date=DRAFT_DATE))
    missing = [u.name for n, u in enumerate(units, 1) if n % 3]
    assert len(missing) == 87
    expected = f"43/130 xã đã gửi báo cáo; chưa gửi: {', '.join(missing[:30])} và 57 xã khác."
    assert expected in _paragraphs(draft)


def test_credits_for_an_answer_many_units_share_are_capped(form, period):
    units = [Unit(f"{n:03d}", f"Xã Số {n}", "UBND tỉnh Thử Nghiệm") for n in range(1, 41)]
    statuses = [UnitStatus(u, _report(HONG, {"kho-khan": "Thiếu kinh phí"})) for u in units]
    draft = build_draft(_consolidation(form, period, statuses), options=DraftOptions(date=DRAFT_DATE))
    listed = ", ".join(f"Xã Số {n}" for n in range(1, 16))
    assert f"- Thiếu kinh phí ({listed} và 25 xã khác)." in _paragraphs(draft)


def test_previous_must_be_an_earlier_period_of_the_same_level(tmp_path, form, merged_files, run_cli):
    current, previous = merged_files
    result = run_cli("draft", previous, "--previous", current, "--out", tmp_path / "x.md")
    assert result.exit_code == 2 and "không trước kỳ 6 tháng cuối năm 2019" in result.output
    commune = _reference_return(tmp_path / "xa", form, parse_period("2019-H2"))
    result = run_cli("draft", current, "--previous", commune, "--out", tmp_path / "x.md")
    assert result.exit_code == 2 and "đây là báo cáo của một xã" in result.output
    assert not (tmp_path / "x.md").exists()
