"""The codec: reports and consolidations as versioned JSON, every value back with its type."""
from __future__ import annotations

import json
import math
from datetime import date, datetime, time, timedelta, timezone

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cchc_sheets import codec, merge
from cchc_sheets.codec import CodecError
from cchc_sheets.messages import Listing, Phrase, Texts, phrase
from cchc_sheets.model import FileReport, Finding, make_finding
from cchc_sheets.units import Unit, UnitList
from cchc_sheets.values import CellError

ICT = timezone(timedelta(hours=7), "ICT")


def exact(a: object, b: object) -> bool:
    """Equal, and of the same types all the way down (1 is not 1.0, a CellError is not a str)."""
    if type(a) is not type(b):
        return False
    if isinstance(a, dict):
        return list(a) == list(b) and all(exact(k, l) and exact(a[k], b[l]) for k, l in zip(a, b))
    if isinstance(a, (list, tuple)):
        return len(a) == len(b) and all(map(exact, a, b))
    if isinstance(a, Phrase):
        return a.code == b.code and exact(a.params, b.params)
    if isinstance(a, Listing):
        return a.prefix == b.prefix and exact(a.items, b.items)
    if isinstance(a, float) and math.isnan(a):
        return math.isnan(b)
    return a == b


def round_trip(value: object) -> object:
    return codec.decode_value(json.loads(codec.dumps(codec.encode_value(value))))


VALUES = [
    None, True, False, 0, -7, 2 ** 70, 2.5, 3.0, -0.0, float("inf"), float("-inf"), float("nan"), "", "Xã Một",
    "#DIV/0!", CellError("#DIV/0!"), CellError("#N/A"), datetime(2020, 6, 3, 8, 30), datetime(2020, 6, 3, 8, 30, 1, 5,
    tzinfo=ICT), datetime(2020, 6, 3, tzinfo=timezone.utc), date(2020, 1, 2), time(8, 30), time(8, 30, tzinfo=ICT),
    timedelta(days=-1, seconds=5, microseconds=7), [1, "a", None], (1, 2.0), (), [(1,), [2]], {"a": 1, "b": [None]},
    {"$date": "not a tag"}, {1: "one", (2, 3): "pair"}, {"": 0},
    Phrase("os-not-found", {}), phrase("detail-member-damaged", part="xl/styles.xml"),
    Phrase("pack-problem", {"place": Texts("Chỉ tiêu 01", "Indicator 01"), "problem": phrase("pack-missing", what="x")}),
    Texts("Chỉ có tiếng Việt"), Texts("Một", "One"),
    Listing((phrase("pack-missing", what="label"), Texts("a", "b"), "text")), Listing(("x",), prefix="* "),
    "\ud800 lone surrogate", "a\u0000b\ufffe",
]


@pytest.mark.parametrize("value", VALUES, ids=repr)
def test_every_kind_of_value_comes_back_with_its_type(value):
    assert exact(round_trip(value), value)


values_strategy = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text() | st.dates() | st.datetimes()
    | st.datetimes(timezones=st.just(ICT)) | st.times() | st.timedeltas()
    | st.sampled_from(sorted(["#DIV/0!", "#REF!", "#VALUE!"])).map(CellError)
    | st.builds(Texts, st.text(), st.text()),
    lambda inner: st.lists(inner, max_size=4) | st.tuples(inner, inner)
    | st.dictionaries(st.text(max_size=5), inner, max_size=4)
    | st.builds(Listing, st.lists(inner, max_size=3).map(tuple))
    | st.builds(Phrase, st.just("pack-problem"), st.dictionaries(st.sampled_from(["place", "problem"]), inner)),
    max_leaves=12)


@settings(max_examples=300, deadline=None)
@given(values_strategy)
def test_any_value_round_trips(value):
    assert exact(round_trip(value), value)


def varied_reports() -> list[FileReport]:
    when = datetime(2020, 6, 3, 8, 30, tzinfo=timezone.utc)
    findings = [
        make_finding("not-a-number", sheet="Báo cáo", cell="D17", indicator="08", value="hai", label="Tổng"),
        make_finding("date-in-number-cell", sheet="Báo cáo", cell="D8", indicator="04", value=datetime(2020, 6, 3),
                     label="x"),
        make_finding("rule-failed", sheet="Báo cáo", cell="D13", indicator="05", value=0, severity="warning",
                     rule_message=Texts("Kiểm tra", "Check"), rule="r1"),
        make_finding("formula-error", value=CellError("#DIV/0!"), label="Tổng"),
        make_finding("form-invalid", problems=Listing((phrase("pack-missing", what="x"),)), path="p"),
        Finding("custom", "info", "Thông điệp", value=date(2020, 1, 2),
                params={"a": CellError("#DIV/0!"), "b": (1, 2.0), "c": [None, True], "d": {"e": 1.5}, "f": 3,
                        "g": phrase("os-access-denied"), "h": time(7, 0), "i": timedelta(seconds=90)}),
        Finding("x", "error", "m", value=2.5),
        Finding("x", "error", "", cell="", value=""),
    ]
    full = FileReport(path="a.xlsx", sha256="ab" * 32, form="f", form_version=2, unit_code="T01",
                      unit_name="Xã Một", period="2020-H1", values={"01": 3, "02": 2.5, "03": None, "04": 0},
                      notes={"05": "lồng ghép"}, answers={"q": "Đáp\nhai dòng"}, reporter={"phone": "0912"},
                      findings=findings, file_format="xlsx", modified=when, generated_at=datetime(2020, 5, 1, 7),
                      received=datetime(2020, 6, 4, 9, tzinfo=ICT), sender="xa@example.org")
    return [
        FileReport(path="trống.xlsx"),
        FileReport(path="", sha256="", unit_code="", unit_name="", form_version=0),
        full,
        FileReport(path="odd.ods", values={"$x": 1, "": 2.0, "nan": float("inf")}, notes={"01": "=SUM(1)"}),
        FileReport(path="hỏng.xlsx", findings=[make_finding("file-unreadable", reason=phrase("detail-truncated"))]),
    ]


@pytest.mark.parametrize("report", varied_reports(), ids=lambda r: r.path or "blank")
def test_a_report_round_trips_field_for_field(report):
    back = codec.report_from_json(json.loads(codec.dumps(codec.report_to_json(report))))
    assert back == report
    for name in FileReport.__dataclass_fields__:
        if name != "findings":
            assert exact(getattr(back, name), getattr(report, name)), name
    for mine, theirs in zip(back.findings, report.findings):
        for name in Finding.__dataclass_fields__:
            assert exact(getattr(mine, name), getattr(theirs, name)), name
    assert codec.report_from_bytes(codec.report_to_bytes(report)) == report


def test_a_report_document_is_plain_json_with_its_format():
    report = varied_reports()[2]
    document = json.loads(codec.report_to_bytes(report))
    assert document["format"] == codec.FORMAT == 1
    assert document["values"] == {"01": 3, "02": 2.5, "03": None, "04": 0}
    assert document["modified"] == {"$datetime": "2020-06-03T08:30:00+00:00"}
    assert document["findings"][3] == {"code": "formula-error", "severity": "error",
                                       "value": {"$error": "#DIV/0!"}, "params": {"label": "Tổng"}}
    assert "sender" in document and "path" in json.loads(codec.report_to_bytes(FileReport(path="x")))
    assert json.loads(codec.report_to_bytes(FileReport(path="x"))) == {"format": 1, "path": "x"}


@pytest.mark.parametrize("document", [
    {"format": 2, "path": "a"}, {"path": "a"}, {"format": "1", "path": "a"}, {"format": 1.0, "path": "a"},
    {"format": True, "path": "a"}, [1], "text", None, {"format": 1}, {"format": 1, "path": 3},
    {"format": 1, "path": "a", "findings": [{"code": "x"}]}, {"format": 1, "path": "a", "values": []},
    {"format": 1, "path": "a", "values": {"01": {"$nope": 1}}}, {"format": 1, "path": "a", "modified": {"$datetime": 5}},
    {"format": 1, "path": "a", "values": {"01": {"$float": "12"}}},
])
def test_another_format_or_a_damaged_document_is_a_codec_error(document):
    with pytest.raises(CodecError):
        codec.report_from_json(document)


@pytest.mark.parametrize("row", [b"", b"garbage", b"\x80\x05garbage", b'{"format": 1', b"[]", "é".encode("latin-1")])
def test_bytes_that_are_not_a_report_are_a_codec_error(row):
    with pytest.raises(CodecError):
        codec.report_from_bytes(row)


def test_an_exception_quoted_in_a_message_is_kept_as_its_text():
    reason = phrase("detail-zip-truncated", error=ValueError("Bad magic number"))
    back = codec.report_from_bytes(codec.report_to_bytes(FileReport(path="a", findings=[
        make_finding("file-unreadable", reason=reason)])))
    assert back.findings[0].params["reason"] == phrase("detail-zip-truncated", error="Bad magic number")
    assert back.findings[0].message("en") == make_finding("file-unreadable", reason=reason).message("en")


def test_a_value_with_no_json_form_is_refused_when_written():
    with pytest.raises(CodecError):
        codec.report_to_json(FileReport(path="a", findings=[Finding("x", "info", value=object())]))
    with pytest.raises(CodecError):
        codec.report_to_json(FileReport(path="a", values={1: 2}))


# --------------------------------------------------------------------------- consolidations


@pytest.fixture
def consolidation(form, period):
    units = UnitList((Unit("T01", "Xã Một", "Huyện", "t01@example.org", "A"), Unit("T02", "Xã Hai", "Huyện", "", "B"),
                      Unit("T03", "Xã Ba")), "units.csv")

    def report(unit, path, **kw):
        return FileReport(path=path, sha256=path[-1] * 64, form=form.id, form_version=form.version, unit_code=unit,
                          unit_name=f"Xã {unit}", period=period.code, values={"01": 3, "02": 1.5}, file_format="xlsx",
                          modified=datetime(2020, 6, 18, 9, tzinfo=timezone.utc), **kw)

    reports = [
        report("T01", "in/t01.xlsx", received=datetime(2020, 6, 18, 9, tzinfo=ICT), notes={"01": "ghi chú"}),
        report("T01", "in/t01-cu.xlsx", received=datetime(2020, 6, 16, 9, tzinfo=ICT)),
        report("T02", "in/t02.xlsx", findings=[make_finding("not-a-number", cell="D8", value="hai", label="x")]),
        report("Z9", "in/z9.xlsx"),
        FileReport(path="in/hong.xlsx", findings=[make_finding("file-unreadable", reason=phrase("detail-truncated"))]),
    ]
    return merge.consolidate(reports, form, units, period, deadline=date(2020, 6, 20),
                             generated_at=datetime(2020, 6, 23, 8, 0, tzinfo=ICT))


def test_a_consolidation_round_trips(consolidation, form):
    document = json.loads(codec.dumps(codec.consolidation_to_json(consolidation)))
    back = codec.consolidation_from_json(document, form)
    assert back == consolidation
    assert [i.reason for i in back.inputs] == [i.reason for i in consolidation.inputs]
    assert all(i.reason is None or type(i.reason) is Phrase for i in back.inputs)
    assert [s.superseded for s in back.unit_statuses] == [s.superseded for s in consolidation.unit_statuses]
    assert back.unit_statuses[0].superseded[0] is back.inputs[1].report  # one report, referred to by its input
    assert back.unit_statuses[0].report is back.inputs[0].report
    assert exact(back.totals, consolidation.totals) and exact(back.group_totals, consolidation.group_totals)
    assert back.units == consolidation.units and back.deadline == date(2020, 6, 20)
    assert exact(back.generated_at, consolidation.generated_at)


def test_the_pieces_are_the_document(consolidation):
    whole = codec.consolidation_to_json(consolidation)
    for size in (1, 2, 500):
        assert json.loads("".join(codec.consolidation_json_pieces(consolidation, size))) == \
            json.loads(codec.dumps(whole))
    assert whole["format"] == 1 and whole["kind"] == "consolidation"
    assert whole["unit_statuses"][0]["report"] == 0 and whole["unit_statuses"][0]["superseded"] == [1]


def test_a_report_no_input_carries_is_written_in_its_status(consolidation, form):
    consolidation.inputs = consolidation.inputs[2:]
    back = codec.consolidation_from_json(json.loads(codec.dumps(codec.consolidation_to_json(consolidation))), form)
    assert back.unit_statuses[0].report == consolidation.unit_statuses[0].report


def test_a_consolidation_of_another_form_or_format_is_refused(consolidation, form):
    document = codec.consolidation_to_json(consolidation)
    for changed in ({"format": 2}, {"kind": "report"}, {"form": {"id": "khac"}}, {"inputs": [{"path": 1}]},
                    {"unit_statuses": [{"unit": {"code": "T01", "name": "x"}, "report": 99}]}, {"period": "never"}):
        with pytest.raises(CodecError):
            codec.consolidation_from_json({**document, **changed}, form)


def test_text_xml_cannot_carry_is_escaped_in_the_pieces(consolidation):
    consolidation.parent_name = "bad \ud800 \uffff"
    text = "".join(codec.consolidation_json_pieces(consolidation))
    assert "\ud800" not in text and "\\ud800" in text
    assert json.loads(text)["parent_name"] == "bad \ud800 \uffff"
