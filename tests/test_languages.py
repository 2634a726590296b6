"""``--lang``: what a command prints follows it; what it writes for officers and communes stays Vietnamese.

Findings hold no words (code, place, value, params); the language is an argument
where they are rendered, so a second run in the other language reads no file again.
"""
from __future__ import annotations

import json
import re
import zipfile

import pytest

from builders import CLEAN_VALUES, REFERENCE_VALUES, make_return, unprotect
from test_report_cache import count_reads

# Typographic marks an English sentence may carry (quotes, dashes, ×, …).
ENGLISH_MARKS = set("“”‘’—–×…·→")
QUOTED = re.compile(r"“[^”]*”|\"[^\"]*\"")


@pytest.fixture
def inbox(tmp_path, form, units, period):
    """A batch with something to say about most files: messy entries, errors, a resend, a stranger."""
    folder = tmp_path / "inbox"
    first, second, third = units.units[:3]
    make_return(folder, form, first, period, REFERENCE_VALUES, name="t01.xlsx")
    make_return(folder, form, second, period, {**CLEAN_VALUES, "04": "không có"}, name="t02.xlsx")
    make_return(folder, form, second, period, CLEAN_VALUES, name="t02-lan-2.xlsx")
    make_return(folder, form, third, period, CLEAN_VALUES, name="t03.xlsx", mutate=unprotect())
    (folder / "ghi-chu.xlsx").write_text("không phải bảng tính", encoding="utf-8")
    return folder


def vietnamese_left(text: str, names: set[str]) -> set[str]:
    """Non-English letters in ``text`` once quoted values and the given names, labels and paths are removed."""
    text = QUOTED.sub("", text)
    for name in sorted(names, key=len, reverse=True):
        text = text.replace(name, "")
    return {ch for ch in text if not ch.isascii() and ch not in ENGLISH_MARKS}


def quoted_names(form, units, *paths) -> set[str]:
    """What an English line may quote as it is: labels of the form, sheet names, unit names, file paths."""
    from cchc_sheets import layout

    names = {i.label for i in form.indicators} | set(form.columns) | {q.label for q in form.questions}
    names |= {value for key, value in vars(layout).items() if key.endswith("_SHEET") and isinstance(value, str)}
    names |= {u.name for u in units.units} | {u.parent for u in units.units}
    for path in paths:
        names |= {str(p) for p in path.rglob("*")} | {p.name for p in path.rglob("*")}
    return names


def test_english_screen_lines_for_validate_and_merge(inbox, tmp_path, form, units, units_file, run_cli):
    names = quoted_names(form, units, inbox, tmp_path)
    validated = run_cli("--lang", "en", "validate", "--units", units_file, "--period", "2020-H1", inbox)
    assert validated.exit_code == 1
    assert "not-a-number" in validated.stdout and "duplicate-unit" in validated.stdout
    assert vietnamese_left(validated.output, names) == set(), validated.output
    merged = run_cli("--lang", "en", "merge", "--units", units_file, "--period", "2020-H1", inbox,
                     "--out", tmp_path / "en.xlsx")
    assert merged.exit_code == 0
    assert vietnamese_left(merged.output, names) == set(), merged.output


def test_workbooks_are_vietnamese_whatever_the_screen_language(inbox, tmp_path, units_file, run_cli):
    outputs = {}
    for lang in ("vi", "en"):
        out = tmp_path / lang
        run_cli("--lang", lang, "merge", "--units", units_file, "--period", "2020-H1", inbox,
                "--out", out / "tong-hop.xlsx", "--report", out / "ket-qua.xlsx")
        run_cli("--lang", lang, "validate", inbox, "--feedback", out / "gui-lai")
        outputs[lang] = {p.relative_to(out): _sheet_texts(p) for p in sorted(out.rglob("*.xlsx"))}
    assert outputs["en"].keys() == outputs["vi"].keys() and len(outputs["vi"]) >= 4
    for name, texts in outputs["vi"].items():
        assert outputs["en"][name] == texts, name
    status_sheet = outputs["en"][next(n for n in outputs["en"] if n.name == "tong-hop.xlsx")]
    assert "Đơn vị" in status_sheet and "Unit " not in status_sheet


def _sheet_texts(path) -> str:
    """Every shared string and inline string of a workbook, generation times removed."""
    with zipfile.ZipFile(path) as package:
        xml = "".join(package.read(n).decode("utf-8") for n in package.namelist()
                      if n.startswith("xl/") and n.endswith(".xml") and "sheet" in n or n.endswith("sharedStrings.xml"))
    texts = " ".join(re.findall(r"<t[^>]*>([^<]*)</t>", xml))
    return re.sub(r"\d{2}/\d{2}/\d{4} \d{2}:\d{2}(:\d{2})?", "", texts)


def test_json_findings_carry_params_and_message_in_the_screen_language(inbox, run_cli):
    english = json.loads(run_cli("--lang", "en", "validate", "--json", inbox).stdout)
    vietnamese = json.loads(run_cli("validate", "--json", inbox).stdout)
    pairs = [(e, v) for fe, fv in zip(english["files"], vietnamese["files"])
             for e, v in zip(fe["findings"], fv["findings"])]
    assert pairs
    for en, vi in pairs:
        assert {k: en[k] for k in en if k != "message"} == {k: vi[k] for k in vi if k != "message"}
        assert isinstance(en["params"], dict)
    en, vi = next((en, vi) for en, vi in pairs if en["code"] == "not-a-number" and en["value"] == "không có")
    assert en["cell"] == "D12" and en["message"] != vi["message"]


def test_a_second_run_in_the_other_language_reads_no_file(inbox, run_cli, monkeypatch):
    first = run_cli("--lang", "en", "validate", "--json", inbox)
    seen = count_reads(monkeypatch)
    second = run_cli("--lang", "vi", "validate", "--json", inbox)
    assert len(seen) == 0
    assert [f["code"] for r in json.loads(first.stdout)["files"] for f in r["findings"]] == \
        [f["code"] for r in json.loads(second.stdout)["files"] for f in r["findings"]]


def test_cchc_lang_environment_is_read_by_the_face_only(inbox, run_cli, monkeypatch):
    monkeypatch.setenv("CCHC_LANG", "en")
    result = run_cli("validate", inbox)
    assert "errors" in result.stdout.splitlines()[-1] or "Total" in result.stdout.splitlines()[-1]
    from cchc_sheets.messages import render

    assert render("validate-summary", files=1, valid=1, warnings=0, invalid=0, unreadable=0) == \
        render("validate-summary", "vi", files=1, valid=1, warnings=0, invalid=0, unreadable=0)
