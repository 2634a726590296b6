#!/usr/bin/env python3
"""Benchmark of the whole round trip at district, provincial and national scale.

    python scripts/bench.py --n 100 1000 10000 [--out DIR] [--keep] [--form ID]

For each N it writes a synthetic units list, runs ``cchc template`` for it, fills
the templates the way communes do (mostly clean, some messy entries such as
``6(lồng ghép)``, ``02`` or ``1.200``, a few errors, a few units that send twice and
a few that never answer), then times as whole commands, each in a fresh process:
``cchc template``, ``cchc validate --json``, ``cchc merge`` and ``cchc draft``, and,
on the same files, the naive baseline an IT officer would write (a loop of
``pandas.read_excel`` with the openpyxl engine summing the "Số lượng" column).

Peak memory is measured two ways: the largest single process (``ru_maxrss`` from
``os.wait4``, which covers the command and every worker it waited for) and the
sum of the proportional set sizes (PSS) of the whole process tree, sampled from
/proc every 20 ms (what the machine actually has to hold when a command runs a
process pool; pages the forked workers share are counted once).

The table is printed and appended to BENCHMARKS.md with the machine's
description, followed by the budgets of issue 7 marked PASS or FAIL.
Generating the returns is not part of any measured time.

``--form ket-qua-giai-quyet-tthc`` runs the same on the TTHC pack (a table of 5 rows and
a total row, 8 input and 4 computed columns): returns with consistent figures, messy entries
(``1.200``, ``12 hồ sơ``), errors (a typed-over total, a broken row rule, ``hai``), and the
budget of issue 14: validate + merge within 4× the reading floor, with the cost per input cell.
"""
from __future__ import annotations

import argparse
import csv
import datetime as dt
import io
import os
import platform
import random
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import zipfile
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from xml.sax.saxutils import escape

REPO = Path(__file__).resolve().parent.parent
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from cchc_sheets import layout as L  # noqa: E402  (after the sys.path fix above)
from cchc_sheets.fileio import ascii_slug  # noqa: E402
from cchc_sheets.forms import load_form  # noqa: E402

PERIOD = "2020-H1"
PARENT = "UBND tỉnh Hà Tĩnh"
BASELINE_SAMPLE = 1000
SAMPLER_INTERVAL = 0.02

# Budgets of issue 7 on a 2-core PC.
BUDGET_RATIO = 20.0            # validate + merge vs the naive pandas loop, at the largest N
BUDGET_RSS_MB = 400.0          # peak of validate and of merge (whole process tree)
BUDGET_RSS_GROWTH = 1.25       # peak at the largest N / peak at a ten-times-smaller N
BUDGET_TEMPLATES_10K_S = 20.0  # 10,000 personalised templates
BUDGET_HELP_S = 0.3            # `cchc --help`, median of 5
BUDGET_FLOOR_RATIO = 4.0       # issue 14: validate + merge of a table form vs the python-calamine floor

# --------------------------------------------------------------------------- synthetic units

_SYLLABLES = (
    "An", "Bình", "Hòa", "Thịnh", "Sơn", "Phú", "Tân", "Mỹ", "Đông", "Tây", "Hưng", "Lộc",
    "Thạch", "Kim", "Quang", "Diệm", "Trung", "Giang", "Hà", "Ninh", "Châu", "Long", "Thuận",
    "Đức", "Hải", "Xuân", "Thủy", "Vĩnh", "Phước", "Lâm", "Cẩm", "Kỳ", "Nghĩa", "Yên", "Hồng",
    "Thanh", "Minh", "Tiến", "Lễ", "Quỳnh", "Hương", "Điền", "Nhân", "Khánh", "Trường",
)
_PREFIXES = ("Xã", "Xã", "Xã", "Xã", "Xã", "Phường", "Thị trấn")


def synthetic_units(n: int, seed: int = 7) -> list[dict[str, str]]:
    """N communes with plausible Vietnamese names, grouped by former district (~14 each)."""
    rng = random.Random(seed)
    names_seen: dict[str, int] = {}
    districts = [f"Huyện cũ {rng.choice(_SYLLABLES)} {rng.choice(_SYLLABLES)}"
                 for _ in range(max(1, n // 14))]
    units = []
    for i in range(n):
        name = f"{rng.choice(_PREFIXES)} {rng.choice(_SYLLABLES)} {rng.choice(_SYLLABLES)}"
        names_seen[name] = names_seen.get(name, 0) + 1
        if names_seen[name] > 1:  # like "Xã Sơn Kim 2"
            name = f"{name} {names_seen[name]}"
        code = f"{3 * i + 1:05d}"
        units.append({"code": code, "name": name, "parent": PARENT,
                      "email": f"{ascii_slug(name)}-{code}@example.org", "group": districts[i % len(districts)]})
    return units


def write_units_csv(path: Path, units: list[dict[str, str]]) -> Path:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=["code", "name", "parent", "email", "group"], lineterminator="\n")
    writer.writeheader()
    writer.writerows(units)
    path.write_text(buffer.getvalue(), encoding="utf-8")
    return path


# --------------------------------------------------------------------------- what communes type

MESSY_ENTRIES = {"05": "6(lồng ghép)", "05.1": "600 (Lượt người)", "06": "02", "07": "1.200", "01": " 12 "}
ERROR_ENTRIES = (("08", "Hội nghị; mạng xã hội; TT miệng…"), ("04", "-3"), ("03", "không có"), ("02", "hai"))
ANSWERS = {
    "hinh-thuc": "Tuyên truyền qua hệ thống loa truyền thanh xã và các cuộc họp thôn, tổ dân phố.",
    "thuan-loi": "Được sự quan tâm chỉ đạo của cấp ủy, chính quyền; cán bộ, công chức nhiệt tình.",
    "kho-khan": "Nguồn kinh phí cho công tác tuyên truyền cải cách hành chính còn hạn chế.",
    "kien-nghi": "Đề nghị cấp trên hỗ trợ kinh phí sửa chữa hệ thống loa truyền thanh.",
    "phuong-huong": "Tăng cường tin, bài về CCHC trên loa truyền thanh và Trang thông tin điện tử của xã.",
}
REPORTERS = ("Nguyễn Văn An", "Trần Thị Bích", "Lê Văn Cường", "Phạm Thị Dung", "Hoàng Văn Em", "Võ Thị Hoa")


@dataclass
class ReturnPlan:
    """What one commune types into its template; ``kind`` is clean, messy or error."""

    unit_code: str
    kind: str
    values: dict[str, object]
    notes: dict[str, str] = field(default_factory=dict)
    answers: dict[str, str] = field(default_factory=dict)
    reporter: dict[str, str] = field(default_factory=dict)
    resend: bool = False
    meant: dict[str, object] | None = None   # a table form's numbers as meant (every cell), else MESSY_MEANS


def clean_values(rng: random.Random) -> dict[str, object]:
    conferences = rng.randint(0, 8)
    return {"01": rng.randint(0, 15), "02": rng.randint(0, 2), "03": rng.randint(0, 20),
            "04": rng.randint(0, 60), "05": conferences,
            "05.1": conferences * rng.randint(30, 120), "06": rng.randint(0, 1),
            "07": rng.randint(0, 2000), "08": rng.randint(0, 20)}


def plan_return(code: str, kind: str, rng: random.Random) -> ReturnPlan:
    """One return of the given kind; every plan has answers and a reporter, some have notes."""
    values = clean_values(rng)
    if kind == "error":
        indicator, text = rng.choice(ERROR_ENTRIES)
        values[indicator] = text
    elif kind == "messy":
        for indicator in rng.sample(sorted(MESSY_ENTRIES), rng.randint(1, 2)):
            values[indicator] = MESSY_ENTRIES[indicator]
    notes = {"05": "lồng ghép"} if rng.random() < 0.2 else {}
    reporter = {"reporter": rng.choice(REPORTERS), "phone": f"09{rng.randint(10000000, 99999999)}",
                "report_date": "10/06/2020"}
    return ReturnPlan(code, kind, values, notes, dict(ANSWERS), reporter)


# --- the TTHC pack (any form with tables): cells keyed ROW:COL, figures from the demo's maker

TABLE_ERROR_PLANTS = ("typed-over", "broken-rule", "text", "negative")


def table_input_cells(form) -> list:
    """The value cells a commune types (computed cells and the total row are formulas)."""
    return [item for item in form.indicators if not item.computed and not item.total]


def _table_messy(values: dict[str, object], rng: random.Random) -> None:
    """One or two entries typed the way communes do; each still means its number."""
    counts = sorted((code for code, v in values.items() if isinstance(v, int)), key=lambda code: values[code])
    choices = {"dots": counts[-1], "words": next((c for c in counts if values[c] >= 5), counts[-1]),
               "spaces": rng.choice(counts)}
    for how in rng.sample(sorted(choices), rng.randint(1, 2)):
        code = choices[how]
        number = values[code]
        if not isinstance(number, int):
            continue
        if how == "dots":
            values[code] = f"{number:,}".replace(",", ".")
        elif how == "words":
            values[code] = f"{number} hồ sơ"
        else:
            values[code] = f" {number} "


def _table_error(form, values: dict[str, object], rng: random.Random) -> None:
    from cchc_sheets.demo_returns import plant_broken_rule, plant_typed_over

    inputs = [item.code for item in table_input_cells(form)]
    how = rng.choice(TABLE_ERROR_PLANTS)
    if how == "typed-over":
        plant_typed_over(form, values, rng)
    elif how == "broken-rule":
        plant_broken_rule(form, values, rng)
    elif how == "text":
        values[rng.choice(inputs)] = "hai"
    else:
        values[rng.choice(inputs)] = "-3"


def table_meant(form, values: dict[str, object]) -> dict[str, object]:
    """Every cell's number as the commune meant it (messy entries read back), computed cells worked out."""
    meant = {}
    for item in form.indicators:
        value = values.get(item.code)
        if isinstance(value, str):
            value = int(value.replace("hồ sơ", "").replace(".", "").strip())
        meant[item.code] = value
    return form.recompute(meant)


def plan_table_return(form, code: str, kind: str, rng: random.Random) -> ReturnPlan:
    from cchc_sheets.demo_returns import TABLE_ANSWER_POOL, table_values

    values = table_values(form, rng)
    if kind == "error":
        _table_error(form, values, rng)
    elif kind == "messy":
        _table_messy(values, rng)
    notes = {f"3:{form.tables[0].columns[0].code}": "hồ sơ đất đai phải xác minh"} if rng.random() < 0.2 else {}
    answers = {q.code: TABLE_ANSWER_POOL.get(q.code, ["Không có ý kiến."])[0] for q in form.questions}
    reporter = {"reporter": rng.choice(REPORTERS), "phone": f"09{rng.randint(10000000, 99999999)}",
                "report_date": "10/06/2020"}
    plan = ReturnPlan(code, kind, values, notes, answers, reporter)
    plan.meant = table_meant(form, values) if kind != "error" else None
    return plan


def _kind_cycle(seed: int) -> list[str]:
    """Per hundred units: 87 clean, 10 messy, 3 with errors, 1 never answers, 1 sends twice (shuffled)."""
    cycle = ["error"] * 3 + ["messy"] * 10 + ["missing"] + ["resend"] + ["clean"] * 85
    random.Random(seed).shuffle(cycle)
    return cycle


def unit_kind(index: int, count: int, cycle: list[str]) -> str:
    """Small runs (the smoke test) still get one of everything: messy, error, resend, missing."""
    if count < 20:
        small = {0: "messy", 1: "error", 2: "resend", count - 1: "missing"} if count >= 4 else {0: "messy"}
        return small.get(index, "clean")
    return cycle[index % len(cycle)]


def plan_returns(codes: list[str], seed: int = 11, form=None) -> tuple[list[ReturnPlan], list[str]]:
    """Plans in unit order (a resend follows the first file); and the codes that never answer.

    ``form``: a form with tables (the TTHC pack); None or the bundled form: the appendix's typist.
    """
    rng, cycle = random.Random(seed), _kind_cycle(seed)
    table = form is not None and not form.simple

    def plan(code, kind):
        return plan_table_return(form, code, kind, rng) if table else plan_return(code, kind, rng)

    plans, missing = [], []
    for index, code in enumerate(codes):
        kind = unit_kind(index, len(codes), cycle)
        if kind == "missing":
            missing.append(code)
            continue
        plans.append(plan(code, "clean" if kind == "resend" else kind))
        if kind == "resend":  # the first file had a slip; the corrected one comes a day later
            if not table:
                plans[-1].values["07"] = "1.200"
            second = plan(code, "clean")
            second.resend = True
            plans.append(second)
    return plans, missing


# --------------------------------------------------------------------------- writing returns fast
# Filling 10,000 workbooks with openpyxl costs ~10 ms each; instead each unit's own
# stamped template is copied with the input cells written straight into the sheet XML
# (the cells exist already: the template writes them unlocked and styled).

_NS_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"


def sheet_members(archive: zipfile.ZipFile) -> dict[str, str]:
    """Sheet name -> zip member of its worksheet XML."""
    workbook = archive.read("xl/workbook.xml").decode("utf-8")
    rels = archive.read("xl/_rels/workbook.xml.rels").decode("utf-8")
    targets = {m.group("id"): m.group("target") for m in re.finditer(
        r'<Relationship\b(?=[^>]*\bId="(?P<id>[^"]+)")(?=[^>]*\bTarget="(?P<target>[^"]+)")[^>]*>', rels)}
    members = {}
    for match in re.finditer(r"<(?:\w+:)?sheet\b([^>]*)/?>", workbook):
        attributes = match.group(1)
        name = re.search(r'\bname="([^"]*)"', attributes).group(1)
        rel_id = re.search(r'\br:id="([^"]*)"|\bid="([^"]*)"', attributes)
        target = targets[rel_id.group(1) or rel_id.group(2)].lstrip("/")
        members[_xml_unescape(name)] = target if target.startswith("xl/") else f"xl/{target}"
    return members


def _xml_unescape(text: str) -> str:
    return text.replace("&lt;", "<").replace("&gt;", ">").replace("&quot;", '"').replace("&amp;", "&")


def cell_xml(ref: str, style: str, value: object) -> str:
    """One <c> element: a number when the value is numeric, otherwise an inline string."""
    style_attribute = f' s="{style}"' if style else ""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return f'<c r="{ref}"{style_attribute}><v>{value}</v></c>'
    text = escape(str(value))
    space = ' xml:space="preserve"' if text != text.strip() or "\n" in text else ""
    return f'<c r="{ref}"{style_attribute} t="inlineStr"><is><t{space}>{text}</t></is></c>'


def _column_number(ref: str) -> int:
    number = 0
    for char in re.match(r"[A-Z]+", ref).group(0):
        number = number * 26 + ord(char) - 64
    return number


def set_cells(sheet_xml: str, cells: dict[str, object]) -> str:
    """Write values into existing (or missing) cells of a worksheet XML, keeping their style."""
    for ref, value in cells.items():
        pattern = re.compile(rf'<c r="{ref}"(?P<attrs>[^>]*?)(?:/>|>.*?</c>)', re.S)
        match = pattern.search(sheet_xml)
        if match:
            style = re.search(r'\bs="(\d+)"', match.group("attrs"))
            element = cell_xml(ref, style.group(1) if style else "", value)
            sheet_xml = sheet_xml[:match.start()] + element + sheet_xml[match.end():]
        else:
            sheet_xml = _insert_cell(sheet_xml, ref, cell_xml(ref, "", value))
    return sheet_xml


def _insert_cell(sheet_xml: str, ref: str, element: str) -> str:
    """Insert a cell the template did not write, in column order inside its row."""
    row = int(re.search(r"\d+", ref).group(0))
    row_match = re.search(rf'<row r="{row}"[^>]*?(?:/>|>(?P<body>.*?)</row>)', sheet_xml, re.S)
    if row_match is None:
        raise ValueError(f"row {row} is not in the sheet; cannot place {ref}")
    if row_match.group("body") is None:  # <row r="9" .../>
        opened = row_match.group(0)[:-2] + ">" + element + "</row>"
        return sheet_xml[:row_match.start()] + opened + sheet_xml[row_match.end():]
    insert_at = row_match.end("body")
    for cell in re.finditer(r'<c r="([A-Z]+\d+)"', row_match.group("body")):
        if _column_number(cell.group(1)) > _column_number(ref):
            insert_at = row_match.start("body") + cell.start()
            break
    return sheet_xml[:insert_at] + element + sheet_xml[insert_at:]


def plan_cells(plan: ReturnPlan, layout: L.Layout) -> dict[str, dict[str, object]]:
    """Sheet name -> {cell: value} for everything the commune typed."""
    main = {layout.value_cell(code): value for code, value in plan.values.items()}
    main.update({layout.note_cell(code): note for code, note in plan.notes.items()})
    main.update({layout.reporter_cell(key): text for key, text in plan.reporter.items()})
    answers = {layout.answer_cell(code): text for code, text in plan.answers.items()}
    return {L.MAIN_SHEET: main, L.ANSWERS_SHEET: answers}


def fill_template_bytes(template: bytes, cells_by_sheet: dict[str, dict[str, object]]) -> bytes:
    """A copy of the template zip with the given cells written into its sheets."""
    source = zipfile.ZipFile(io.BytesIO(template))
    members = sheet_members(source)
    replaced = {members[sheet]: cells for sheet, cells in cells_by_sheet.items() if cells}
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            data = source.read(info.filename)
            if info.filename in replaced:
                data = set_cells(data.decode("utf-8"), replaced[info.filename]).encode("utf-8")
            target.writestr(info, data, compress_type=zipfile.ZIP_DEFLATED, compresslevel=1)
    return out.getvalue()


def _fill_one(job: tuple[str, str, dict, float]) -> str:
    template_path, return_path, cells, mtime = job
    data = fill_template_bytes(Path(template_path).read_bytes(), cells)
    Path(return_path).write_bytes(data)
    os.utime(return_path, (mtime, mtime))
    return return_path


def templates_by_unit(template_dir: Path, codes: list[str]) -> dict[str, Path]:
    """Unit code -> its template: from ``manifest.csv`` when written, else by file name or metadata."""
    wanted = set(codes)
    manifest = template_dir / "manifest.csv"
    if manifest.exists():
        rows = csv.DictReader(manifest.open(encoding="utf-8"))
        found = {r["code"]: template_dir / r["file"] for r in rows if r.get("code") in wanted and r.get("file")}
        if len(found) == len(wanted):
            return found
    found = {}
    for path in sorted(template_dir.rglob("*.xlsx")):
        tokens = set(re.split(r"[-_. ]", path.stem))
        for code in tokens & wanted:
            found[code] = path
    if len(found) < len(wanted):
        found.update(_templates_by_metadata(template_dir, wanted - set(found)))
    return found


def _templates_by_metadata(template_dir: Path, wanted: set[str]) -> dict[str, Path]:
    from python_calamine import CalamineWorkbook

    found = {}
    for path in sorted(template_dir.rglob("*.xlsx")):
        rows = CalamineWorkbook.from_path(str(path)).get_sheet_by_name(L.META_SHEET).to_python()
        code = str(dict((r[0], r[1]) for r in rows if len(r) >= 2).get("unit_code", ""))
        if code in wanted:
            found[code] = path
    return found


def write_returns(plans: list[ReturnPlan], templates: dict[str, Path], out_dir: Path,
                  layout: L.Layout, jobs: int | None = None) -> list[Path]:
    """Write every planned return (a process pool; deterministic names and order)."""
    out_dir.mkdir(parents=True, exist_ok=True)
    base_time = dt.datetime(2020, 6, 15, 8, 0).timestamp()
    work = []
    for n, plan in enumerate(plans):
        template = templates[plan.unit_code]
        suffix = "-gui-lai" if plan.resend else ""
        target = out_dir / f"{template.stem}{suffix}.xlsx"
        mtime = base_time + n * 7 + (86400 if plan.resend else 0)
        work.append((str(template), str(target), plan_cells(plan, layout), mtime))
    if len(work) < 50:
        return [Path(_fill_one(job)) for job in work]
    with ProcessPoolExecutor(max_workers=jobs or os.cpu_count()) as pool:
        return [Path(p) for p in pool.map(_fill_one, work, chunksize=64)]


# --------------------------------------------------------------------------- measuring commands


@dataclass
class Measurement:
    seconds: float
    max_rss_mb: float    # the largest single process (ru_maxrss from wait4)
    tree_rss_mb: float   # the sum over the process tree (PSS), sampled
    exit_code: int
    stderr: str = ""
    cpu_seconds: float = 0.0  # user + system of the command and every worker it waited for


def _children_of(pid: int) -> list[int]:
    found = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat", "rb") as handle:
                stat = handle.read().rsplit(b")", 1)[1].split()
        except OSError:
            continue
        if int(stat[1]) == pid:
            found.append(int(entry))
    return found


def _memory_kb(pid: int) -> int:
    """Proportional set size (shared pages split between the processes sharing them), else RSS.

    Pool workers are forked from the command and share its pages: summing their RSS
    would count those pages two or three times.
    """
    try:
        with open(f"/proc/{pid}/smaps_rollup", "rb") as handle:
            for line in handle:
                if line.startswith(b"Pss:"):
                    return int(line.split()[1])
    except OSError:
        pass
    try:
        with open(f"/proc/{pid}/statm", "rb") as handle:
            return int(handle.read().split()[1]) * (os.sysconf("SC_PAGE_SIZE") // 1024)
    except OSError:
        return 0


def tree_memory_kb(root: int) -> int:
    total, stack = 0, [root]
    while stack:
        pid = stack.pop()
        total += _memory_kb(pid)
        stack.extend(_children_of(pid))
    return total


class TreeSampler(threading.Thread):
    """Samples the RSS sum of a process and its descendants until stopped."""

    def __init__(self, pid: int):
        super().__init__(daemon=True)
        self.pid, self.peak_kb, self._done = pid, 0, threading.Event()

    def run(self):
        while not self._done.is_set():
            self.peak_kb = max(self.peak_kb, tree_memory_kb(self.pid))
            self._done.wait(SAMPLER_INTERVAL)

    def stop(self):
        self._done.set()
        self.join()


def run_measured(args: list[str], stdout_path: Path | None = None, cwd: Path | None = None,
                 cache_dir: Path | None = None) -> Measurement:
    """Run a command in a fresh process; wall time, peak RSS (wait4 and sampled tree).

    ``cache_dir``: the report cache the command uses (``CCHC_CACHE_DIR``); the
    bench never touches the user's own cache.
    """
    stdout = open(stdout_path, "wb") if stdout_path else subprocess.DEVNULL
    env = dict(os.environ, CCHC_CACHE_DIR=str(cache_dir)) if cache_dir else None
    with tempfile.TemporaryFile() as stderr:
        start = time.perf_counter()
        process = subprocess.Popen(args, stdout=stdout, stderr=stderr, cwd=cwd, env=env)
        sampler = TreeSampler(process.pid)
        sampler.start()
        _, status, usage = os.wait4(process.pid, 0)
        seconds = time.perf_counter() - start
        sampler.stop()
        process.returncode = os.waitstatus_to_exitcode(status)
        stderr.seek(0)
        error_text = stderr.read().decode("utf-8", "replace")
    if stdout_path:
        stdout.close()
    max_rss = usage.ru_maxrss / 1024
    return Measurement(seconds, max_rss, sampler.peak_kb / 1024, process.returncode, error_text,
                       usage.ru_utime + usage.ru_stime)


def cchc(*args: str) -> list[str]:
    """The ``cchc`` console script installed beside this Python (falls back to ``python -m cchc_sheets``).

    Not whatever ``cchc`` is first on PATH: there it may be a version manager's shell shim
    (pyenv's re-reads all 10,000 arguments in bash, about 0.25 s a command), which no
    installed copy has and which the baseline, run by this Python directly, does not pay.
    """
    beside = Path(sys.executable).parent / ("cchc.exe" if os.name == "nt" else "cchc")
    if beside.is_file():
        return [str(beside), *args]
    return [sys.executable, "-m", "cchc_sheets", *args]


BASELINE_SCRIPT = '''\
"""The loop an IT officer writes: read every return with pandas and add up Số lượng."""
import sys
import pandas as pd

total, read = 0.0, 0
for path in open(sys.argv[1], encoding="utf-8").read().splitlines():
    frame = pd.read_excel(path, engine="openpyxl", sheet_name=0, header=%(header)d)
    total += pd.to_numeric(frame["Số lượng"], errors="coerce").sum()
    read += 1
print(read, total)
'''


TABLE_BASELINE_SCRIPT = '''\
"""The loop an IT officer writes for a table form: read every return with pandas, add up the table."""
import sys
import pandas as pd

total, read = 0.0, 0
for path in open(sys.argv[1], encoding="utf-8").read().splitlines():
    frame = pd.read_excel(path, engine="openpyxl", sheet_name=0, header=None, skiprows=%(first)d, nrows=%(rows)d)
    total += pd.to_numeric(frame.iloc[:, 2:%(last)d].stack(), errors="coerce").sum()
    read += 1
print(read, total)
'''


def write_baseline_script(directory: Path, form=None) -> Path:
    path = directory / "naive_baseline.py"
    if form is None or form.simple:
        path.write_text(BASELINE_SCRIPT % {"header": L.HEADER_ROW - 1}, encoding="utf-8")
        return path
    table = L.Layout(form).main_table
    path.write_text(TABLE_BASELINE_SCRIPT % {"first": table.first_row - 1, "rows": len(table.table.rows),
                                             "last": len(table.value_columns) + 2}, encoding="utf-8")
    return path


FLOOR_SCRIPT = '''\
"""The reading floor: python-calamine alone reads every sheet of every return, in a pool of
as many workers as cchc uses. No safety checks, no validation, no report: what validate
could not go below while reading with python-calamine."""
import os
import sys
from concurrent.futures import ProcessPoolExecutor

from python_calamine import CalamineWorkbook


def read(paths):
    cells = 0
    for path in paths:
        workbook = CalamineWorkbook.from_path(path)
        for name in workbook.sheet_names:
            cells += sum(map(len, workbook.get_sheet_by_name(name).to_python()))
    return cells


if __name__ == "__main__":
    paths = open(sys.argv[1], encoding="utf-8").read().splitlines()
    chunks = [paths[i:i + 64] for i in range(0, len(paths), 64)]
    with ProcessPoolExecutor(len(os.sched_getaffinity(0))) as pool:
        print(len(paths), sum(pool.map(read, chunks)))
'''


def floor_row(run: SizeRun) -> Row:
    """python-calamine alone on every file (see ``FLOOR_SCRIPT``): the reading floor."""
    script = run.workdir / "reading_floor.py"
    script.write_text(FLOOR_SCRIPT, encoding="utf-8")
    m = run_script_on_files(run, script, run.returns, "floor")
    return _row(FLOOR_STEP, run.n, len(run.returns), m, "python-calamine alone, every sheet, same pool size: "
                                                         "no checks, no validation")


def run_script_on_files(run: SizeRun, script: Path, files: list[Path], name: str) -> Measurement:
    """Time ``python script LIST`` in a fresh process, LIST naming ``files`` one a line (``<name>-files.txt``)."""
    list_path = run.workdir / f"{name}-files.txt"
    list_path.write_text("\n".join(str(p) for p in files), encoding="utf-8")
    return run_measured([sys.executable, str(script), str(list_path)], run.workdir / f"{name}.out")


def help_seconds(runs: int = 5) -> float:
    times = [run_measured(cchc("--help")).seconds for _ in range(runs)]
    return statistics.median(times)


# --------------------------------------------------------------------------- one size


@dataclass
class Row:
    step: str
    n: int
    files: int
    seconds: float
    max_rss_mb: float
    tree_rss_mb: float
    ratio: float | None = None
    note: str = ""
    ok: bool = True
    cpu_seconds: float = 0.0

    @property
    def files_per_second(self) -> float:
        return self.files / self.seconds if self.seconds > 0 else 0.0


@dataclass
class SizeRun:
    n: int
    workdir: Path
    units_csv: Path = None
    template_dir: Path = None
    returns: list[Path] = field(default_factory=list)
    plans: list[ReturnPlan] = field(default_factory=list)
    rows: list[Row] = field(default_factory=list)
    generation_seconds: float = 0.0
    form_id: str | None = None          # None: the bundled pack

    @cached_property
    def form(self):
        return load_form(self.form_id)

    @property
    def form_args(self) -> list[str]:
        return ["--form", self.form_id] if self.form_id else []

    @property
    def cache_dir(self) -> Path:
        """This run's own report cache (emptied before validate, so validate reads every file)."""
        return self.workdir / "report-cache"

    def empty_cache(self) -> None:
        shutil.rmtree(self.cache_dir, ignore_errors=True)


def _row(step: str, n: int, files: int, m: Measurement, note: str = "") -> Row:
    if m.exit_code not in (0, 1):
        tail = m.stderr.strip().splitlines()[-1:] or [""]
        note = f"{note}; exit {m.exit_code}: {tail[0][:120]}".strip("; ")
    return Row(step, n, files, m.seconds, m.max_rss_mb, m.tree_rss_mb, note=note, ok=m.exit_code in (0, 1),
               cpu_seconds=m.cpu_seconds)


def generate(n: int, workdir: Path, seed: int = 7, form_id: str | None = None) -> tuple[SizeRun, Row]:
    """Units CSV and the timed ``cchc template`` run (the returns come from these templates)."""
    run = SizeRun(n, workdir, form_id=form_id)
    workdir.mkdir(parents=True, exist_ok=True)
    run.units_csv = write_units_csv(workdir / "units.csv", synthetic_units(n, seed))
    run.template_dir = workdir / "templates"
    shutil.rmtree(run.template_dir, ignore_errors=True)
    m = run_measured(cchc(*command_args("template", run, [])), workdir / "template.out", workdir)
    return run, _row("template", n, n, m)


def fill(run: SizeRun, layout: L.Layout) -> None:
    start = time.perf_counter()
    codes = [u["code"] for u in csv.DictReader(run.units_csv.open(encoding="utf-8"))]
    templates = templates_by_unit(run.template_dir, codes)
    if len(templates) != len(codes):
        raise RuntimeError(f"{len(codes) - len(templates)} of {len(codes)} units have no template in {run.template_dir}")
    run.plans, _ = plan_returns(codes, form=run.form)
    returns_dir = run.workdir / "returns"
    shutil.rmtree(returns_dir, ignore_errors=True)
    run.returns = write_returns(run.plans, templates, returns_dir, layout)
    run.generation_seconds = time.perf_counter() - start


def command_args(step: str, run: SizeRun, paths: list[str], *, jobs: int | None = None,
                 out_prefix: str = "") -> list[str]:
    """The ``cchc`` arguments of a measured step (relative paths: run in ``run.workdir``)."""
    jobs_option = ["--jobs", str(jobs)] if jobs else []
    form = run.form_args
    if step == "template":
        return ["template", *form, "--units", str(run.units_csv), "--period", PERIOD, "--out", f"{out_prefix}templates"]
    if step == "validate --json":
        return ["validate", *form, *paths, "--json", *jobs_option]
    if step in ("merge", MERGE_ONE_PASS):
        no_cache = ["--no-cache"] if step == MERGE_ONE_PASS else []
        return ["merge", *form, *paths, "--units", str(run.units_csv), "--period", PERIOD,
                "--out", f"{out_prefix}{MERGED_OUTPUTS[step]}", *no_cache, *jobs_option]
    if step == "draft":
        return ["draft", *form, f"{out_prefix}merged.xlsx", "--out", f"{out_prefix}report.docx"]
    raise ValueError(step)


MERGE_ONE_PASS = "merge --no-cache"
FLOOR_STEP = "reading floor (calamine alone)"
INFO = "info"   # a result line that is information, not a budget
MERGED_OUTPUTS = {"merge": "merged.xlsx", MERGE_ONE_PASS: "merged-one-pass.xlsx"}
STEP_NOTES = {"validate --json": "empty report cache: reads every file",
              "merge": "after validate: reuses its results",
              MERGE_ONE_PASS: "one pass: reads and validates every file itself"}


def measure_commands(run: SizeRun, baseline_sample: int, repeat: int = 1) -> list[Row]:
    """validate, merge, draft and the naive baseline on the same returns.

    The officer's sequence: validate (empty cache), merge (reuses validate's results),
    draft; then merge once more reading everything itself, as when nobody validated first.
    ``repeat``: rounds of (empty cache, validate, merge, the reading floor), each step's
    median round kept, so the floor budget compares steps timed alike on a noisy machine.
    """
    n, files, work = run.n, len(run.returns), run.workdir
    paths = [str(p.relative_to(work)) for p in run.returns]
    outputs = {"validate --json": "validate.json", "merge": "merge.out", "draft": "draft.out",
               MERGE_ONE_PASS: "merge-one-pass.out"}
    rounds: dict[str, list[Row]] = {}
    for _ in range(max(1, repeat)):
        run.empty_cache()
        for step in ("validate --json", "merge"):
            measured = run_measured(cchc(*command_args(step, run, paths)), work / outputs[step], work, run.cache_dir)
            rounds.setdefault(step, []).append(_row(step, n, files, measured, STEP_NOTES.get(step, "")))
        rounds.setdefault(FLOOR_STEP, []).append(floor_row(run))
    rows = [_median_round(rounds[step]) for step in ("validate --json", "merge")]
    for step in ("draft", MERGE_ONE_PASS):
        measured = run_measured(cchc(*command_args(step, run, paths)), work / outputs[step], work, run.cache_dir)
        rows.append(_row(step, n, 1 if step == "draft" else files, measured, STEP_NOTES.get(step, "")))
    rows.append(_median_round(rounds[FLOOR_STEP]))
    rows.append(baseline_row(run, baseline_sample))
    return rows


def _median_round(rows: list[Row]) -> Row:
    """The round of median wall time (its own CPU and memory figures), noting the others."""
    if len(rows) == 1:
        return rows[0]
    chosen = sorted(rows, key=lambda r: r.seconds)[len(rows) // 2]
    seconds = ", ".join(f"{r.seconds:.2f}" for r in rows)
    chosen.note = f"{chosen.note}; median of {len(rows)} rounds ({seconds} s)".strip("; ")
    return chosen


def baseline_row(run: SizeRun, sample: int) -> Row:
    """The pandas loop, on every file or on an evenly spread sample extrapolated linearly."""
    files = run.returns
    chosen = files if len(files) <= sample else [files[i * len(files) // sample] for i in range(sample)]
    m = run_script_on_files(run, write_baseline_script(run.workdir, run.form), chosen, "baseline")
    note = ""
    if len(chosen) < len(files):
        m.seconds *= len(files) / len(chosen)
        m.cpu_seconds *= len(files) / len(chosen)
        note = f"timed on {len(chosen)} evenly spread files, extrapolated ×{len(files) / len(chosen):.1f}"
    return _row("naive pandas loop", run.n, len(files), m, note)


def add_ratios(rows: list[Row]) -> list[Row]:
    """Baseline seconds / step seconds for validate, merge and their sum (same N, same files)."""
    out = []
    for n in sorted({r.n for r in rows}):
        group = [r for r in rows if r.n == n]
        by_step = {r.step: r for r in group}
        baseline = by_step.get("naive pandas loop")
        validate, merge = by_step.get("validate --json"), by_step.get("merge")
        if baseline and validate and merge:
            combined = Row("validate + merge", n, validate.files, validate.seconds + merge.seconds,
                           max(validate.max_rss_mb, merge.max_rss_mb), max(validate.tree_rss_mb, merge.tree_rss_mb),
                           ok=validate.ok and merge.ok, cpu_seconds=validate.cpu_seconds + merge.cpu_seconds)
            group.insert(group.index(merge) + 1, combined)
            for row in (validate, merge, combined):
                row.ratio = baseline.seconds / row.seconds if row.ok and row.seconds else None
        for other in (by_step.get(MERGE_ONE_PASS), by_step.get(FLOOR_STEP)):
            if baseline and other:
                other.ratio = baseline.seconds / other.seconds if other.ok and other.seconds else None
        out += group
    return out


# --------------------------------------------------------------------------- structural checks of templates


def _meta_values(sheet) -> dict[str, str]:
    values = {}
    for row in sheet.iter_rows(min_col=1, max_col=2, values_only=True):
        if row[0] is not None:
            values[str(row[0])] = "" if row[1] is None else str(row[1])
    return values


def template_signature(workbook) -> dict:
    """The unit-independent structure of a template, to compare a stamped copy with a single one."""
    signature = {"sheets": [(ws.title, ws.sheet_state) for ws in workbook.worksheets],
                 "structure_locked": bool(workbook.security and workbook.security.lockStructure),
                 "defined_names": sorted(workbook.defined_names.keys())}
    for ws in workbook.worksheets:
        validations = ws.data_validations.dataValidation
        signature[ws.title] = {
            "protected": bool(ws.protection.sheet),
            "password_set": bool(ws.protection.password),
            "validations": len(validations),
            "validation_ranges": sorted(str(v.sqref) for v in validations),
            "unlocked": sorted(c.coordinate for row in ws.iter_rows() for c in row
                               if c.has_style and not c.protection.locked),
        }
    return signature


def check_template_structure(path: str | Path, unit_code: str, form=None, reference: dict | None = None,
                             unit_name: str | None = None, password: str | None = None) -> list[str]:
    """Problems with one template (empty list: fine), the template issue's checks.

    A clean zip without macros or external links; every sheet protected with the
    password's hash and the workbook structure locked; the ``veryHidden`` metadata sheet
    with its keys in order, naming ``unit_code`` (and ``unit_name``) with the form's id
    and layout fingerprint; layout text unchanged and locked, input cells unlocked and
    no other cell; whole-number validation 0..max on every value cell and a length
    limit on every note; defined names on the input cells; and, when ``reference`` (the
    signature of a template written alone) is given, the same structure as that one.
    """
    import openpyxl

    problems = _check_package(path)
    if problems:
        return problems
    layout = L.Layout(form or load_form(None))
    workbook = openpyxl.load_workbook(path)
    missing = [s for s in (L.MAIN_SHEET, L.ANSWERS_SHEET, L.META_SHEET) if s not in workbook.sheetnames]
    if missing:
        return [f"sheet {name!r} missing" for name in missing]
    problems += _check_protection(workbook, password)
    problems += _check_metadata(workbook[L.META_SHEET], unit_code, unit_name, layout)
    problems += _check_cells(workbook, layout)
    problems += _check_validations(workbook, layout)
    problems += _check_names(workbook, layout)
    if reference is not None:
        signature = template_signature(workbook)
        problems += [f"differs from a single template in {key!r}" for key in reference
                     if signature.get(key) != reference[key]]
    return problems


def _check_package(path) -> list[str]:
    try:
        with zipfile.ZipFile(path) as archive:
            bad = archive.testzip()
            names = archive.namelist()
            types = archive.read("[Content_Types].xml").decode("utf-8")
    except (zipfile.BadZipFile, KeyError, OSError) as exc:
        return [f"not a readable xlsx package: {exc}"]
    problems = [f"damaged zip member {bad}"] if bad else []
    if any("vbaProject" in n or "externalLink" in n for n in names) or "macroEnabled" in types:
        problems.append("contains macros or external links")
    return problems


def _expected_password_hash(password: str | None) -> str | None:
    """The hash of the password ``cchc template`` used (same resolution: option, CCHC_PASSWORD, default)."""
    from openpyxl.workbook.protection import hash_password

    try:
        from cchc_sheets.template.batch import resolve_password
    except ImportError:
        return None
    return hash_password(resolve_password(password))


def _check_protection(workbook, password: str | None) -> list[str]:
    problems = []
    expected = _expected_password_hash(password)
    if not (workbook.security and workbook.security.lockStructure):
        problems.append("workbook structure is not locked")
    for sheet in workbook.worksheets:
        if not sheet.protection.sheet:
            problems.append(f"sheet {sheet.title!r} is not protected")
        elif expected and sheet.protection.password != expected:
            problems.append(f"sheet {sheet.title!r} is protected with another password")
    return problems


def _check_metadata(sheet, unit_code: str, unit_name: str | None, layout: L.Layout) -> list[str]:
    problems = []
    if sheet.sheet_state != "veryHidden":
        problems.append(f"metadata sheet is {sheet.sheet_state!r}, not 'veryHidden'")
    keys = tuple(sheet.cell(row=n, column=1).value for n in range(1, len(L.META_KEYS) + 1))
    if keys != L.META_KEYS:
        problems.append(f"metadata keys {keys} are not {L.META_KEYS}")
    meta = _meta_values(sheet)
    expected = {"unit_code": unit_code, "form_id": layout.form.id, "form_version": str(layout.form.version),
                "layout_fingerprint": layout.fingerprint}
    if unit_name is not None:
        expected["unit_name"] = unit_name
    problems += [f"metadata {key} {meta.get(key)!r} != {value!r}" for key, value in expected.items()
                 if meta.get(key) != value]
    return problems


def _check_cells(workbook, layout: L.Layout) -> list[str]:
    problems = []
    inputs = layout.input_cells
    for sheet, cell in sorted(inputs):
        if workbook[sheet][cell].protection.locked:
            problems.append(f"input cell {sheet}!{cell} is locked")
    for item in layout.layout_cells:
        target = workbook[item.sheet][item.cell]
        if L.fold_text(target.value) != item.text:
            problems.append(f"layout cell {item.sheet}!{item.cell} reads {target.value!r}, expected {item.text!r}")
    for sheet in (workbook[L.MAIN_SHEET], workbook[L.ANSWERS_SHEET]):
        for row in sheet.iter_rows():
            for cell in row:
                if cell.__class__.__name__ == "MergedCell":  # covered by its range's first cell
                    continue
                if (sheet.title, cell.coordinate) not in inputs and cell.has_style and not cell.protection.locked:
                    problems.append(f"cell {sheet.title}!{cell.coordinate} is unlocked but is not an input cell")
    return problems


def _validations_by_cell(sheet) -> dict[str, object]:
    from openpyxl.utils.cell import get_column_letter

    found = {}
    for rule in sheet.data_validations.dataValidation:
        for cell_range in rule.sqref.ranges:
            for row, column in cell_range.cells:
                found[f"{get_column_letter(column)}{row}"] = rule
    return found


def _check_validations(workbook, layout: L.Layout) -> list[str]:
    problems = []
    rules = _validations_by_cell(workbook[L.MAIN_SHEET])
    for indicator in layout.form.indicators:
        if indicator.computed:   # a formula, locked: no validation
            continue
        rule = rules.get(layout.value_cell(indicator.code))
        if rule is None or (rule.type, rule.operator, rule.formula1) != ("whole", "between", "0") \
                or (indicator.max is not None and rule.formula2 != str(int(indicator.max))):
            problems.append(f"value cell {layout.value_cell(indicator.code)} lacks its whole-number validation")
        if layout.note_cell(indicator.code) not in rules:
            problems.append(f"note cell {layout.note_cell(indicator.code)} lacks its length validation")
    answers = _validations_by_cell(workbook[L.ANSWERS_SHEET])
    problems += [f"answer cell {layout.answer_cell(q.code)} lacks its length validation"
                 for q in layout.form.questions if layout.answer_cell(q.code) not in answers]
    return problems


def _check_names(workbook, layout: L.Layout) -> list[str]:
    problems = []
    for name, (sheet, cell) in layout.defined_names.items():
        defined = workbook.defined_names.get(name)
        column = cell.rstrip("0123456789")
        if defined is None or list(defined.destinations) != [(sheet, f"${column}${cell[len(column):]}")]:
            problems.append(f"defined name {name} does not point at {sheet}!{cell}")
    return problems


def reference_signature(unit: dict[str, str], workdir: Path, form_args: list[str] = ()) -> dict:
    """The signature of a template written alone for one unit, by the same command."""
    import openpyxl

    single_dir = workdir / "single-template"
    shutil.rmtree(single_dir, ignore_errors=True)
    single_dir.mkdir(parents=True)
    units_csv = write_units_csv(single_dir / "units.csv", [unit])
    result = subprocess.run(cchc("template", *form_args, "--units", str(units_csv), "--period", PERIOD, "--out", str(single_dir / "out")),
                            capture_output=True, text=True)
    if result.returncode != 0:
        raise RuntimeError(f"cchc template for one unit failed: {result.stderr.strip()[-300:]}")
    path = next((single_dir / "out").rglob("*.xlsx"))
    return template_signature(openpyxl.load_workbook(path))


# --------------------------------------------------------------------------- are the numbers right?

# What the validator must make of each messy entry (DOMAIN.md: the reference report's own forms).
MESSY_MEANS = {"6(lồng ghép)": 6, "600 (Lượt người)": 600, "02": 2, "1.200": 1200, " 12 ": 12}


def expected_values(plan: ReturnPlan) -> dict[str, int]:
    """The numbers a commune meant: clean integers as typed, messy entries as MESSY_MEANS says."""
    return {code: MESSY_MEANS.get(value, value) if isinstance(value, str) else value
            for code, value in plan.values.items()}


def check_merge_results(run: SizeRun, workbook: Path) -> tuple[int, list[str]]:
    """The consolidated workbook against what was typed: (units checked, problems).

    Every unit's newest return is there; clean and messy returns count with the
    numbers meant, returns with errors do not; every total is the sum of the
    counted units; units that never answered are missing.
    """
    from cchc_sheets.merged_workbook import read_consolidated

    consolidation = read_consolidated(workbook)
    newest = {plan.unit_code: plan for plan in run.plans}  # a resent file follows the first one
    problems, sums = [], {}
    for status in consolidation.unit_statuses:
        problems += _unit_problems(status, newest.get(status.unit.code), sums)
    if not run.form.simple:   # computed cells of the totals: worked out on the sums (a ratio of sums)
        sums = run.form.recompute({item.code: sums.get(item.code, 0) for item in run.form.indicators
                                   if not item.computed})
    for code, total in consolidation.totals.items():
        if not _same_number(total, sums.get(code, 0)):
            problems.append(f"total of {code}: {total} in the workbook, {sums.get(code, 0)} from the counted returns")
    return len(consolidation.unit_statuses), problems


def _same_number(a, b) -> bool:
    if a is None or b is None:
        return a == b
    return abs(a - b) <= 1e-9 * max(1.0, abs(a), abs(b))


def _unit_problems(status, plan: ReturnPlan | None, sums: dict[str, int]) -> list[str]:
    code = status.unit.code
    if plan is None:
        return [] if not status.submitted else [f"{code}: never answered but has a return"]
    if not status.submitted:
        return [f"{code}: its return is missing from the consolidation"]
    if plan.kind == "error":
        return [f"{code}: a return with errors was counted"] if status.counted else []
    if not status.counted:
        return [f"{code}: a {plan.kind} return was not counted ({status.status})"]
    meant = plan.meant if plan.meant is not None else expected_values(plan)
    for indicator, value in meant.items():
        sums[indicator] = sums.get(indicator, 0) + (value or 0)
    found = {k: v for k, v in status.report.values.items() if k in meant}
    same = found.keys() == meant.keys() and all(_same_number(found[k], meant[k]) for k in meant)
    return [] if same else [f"{code}: values {found}, typed {meant}"]


def check_template_sample(run: SizeRun, sample: int = 20, seed: int = 3) -> tuple[int, list[str]]:
    """Re-open first, last and ``sample`` random templates of a run; (files checked, problems)."""
    units = list(csv.DictReader(run.units_csv.open(encoding="utf-8")))
    templates = templates_by_unit(run.template_dir, [u["code"] for u in units])
    rng = random.Random(seed)
    chosen = [units[0], units[-1]] + rng.sample(units[1:-1], min(sample, max(0, len(units) - 2)))
    reference = reference_signature(units[0], run.workdir, run.form_args)
    form = run.form
    problems = []
    for unit in chosen:
        for problem in check_template_structure(templates[unit["code"]], unit["code"], form, reference, unit["name"]):
            problems.append(f"{templates[unit['code']].name}: {problem}")
    return len(chosen), problems


# --------------------------------------------------------------------------- reporting


def machine_description() -> str:
    cpu = "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    memory_gb = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    return (f"{cpu}, {os.cpu_count()} cores, {memory_gb:.1f} GB RAM, Python {platform.python_version()}, "
            f"{platform.system()} {platform.release()}, {dt.datetime.now(dt.timezone.utc):%Y-%m-%d %H:%M} UTC, "
            f"load average at start {load}")


def format_table(rows: list[Row]) -> str:
    header = ("| step | N | files | seconds | CPU s | files/s | peak RSS MB (largest process) "
              "| peak MB (process tree, PSS) | ratio to baseline | note |")
    lines = [header, "|" + " --- |" * 10]
    for r in rows:
        ratio = f"{r.ratio:.1f}×" if r.ratio else "—"
        seconds = f"{r.seconds:.3f}" if r.ok else f"{r.seconds:.3f} (failed)"
        if not r.n:  # a row that is not about files (cchc --help)
            lines.append(f"| {r.step} | — | — | {seconds} | — | — | — | — | — | {r.note} |")
            continue
        lines.append(f"| {r.step} | {r.n:,} | {r.files:,} | {seconds} | {r.cpu_seconds:.2f} | {r.files_per_second:,.0f} | "
                     f"{r.max_rss_mb:.0f} | {r.tree_rss_mb:.0f} | {ratio} | {r.note} |")
    return "\n".join(lines)


def check_budgets(rows: list[Row], help_s: float, structure: tuple[int, list[str]] | None,
                  numbers: tuple[int, list[str]] | None = None, form=None) -> list[tuple[str, bool | None, str]]:
    """(budget, PASS/FAIL/None when not measurable in this run, evidence).

    ``form``: the form benchmarked (None: the bundled one); for a form with tables the
    floor ratio of issue 14 is a budget, for the bundled form information.
    """
    results = []
    rows = [r for r in rows if r.n]
    largest = max(r.n for r in rows)
    by = {(r.step, r.n): r for r in rows}
    results += floor_budgets(by, form)
    combined = by.get(("validate + merge", largest))
    if combined:
        ratio = combined.ratio or 0.0
        results.append((f"validate + merge ≥ {BUDGET_RATIO:.0f}× faster than the naive loop (N={largest:,})",
                        ratio >= BUDGET_RATIO and combined.ok, f"{ratio:.1f}×"))
    results += _floor_headroom(by, largest)
    one_pass = by.get((MERGE_ONE_PASS, largest))
    if one_pass:
        ratio = one_pass.ratio or 0.0
        results.append((f"merge in one pass (reads and validates every file) ≥ {BUDGET_RATIO:.0f}× faster than "
                        f"the naive loop (N={largest:,})", ratio >= BUDGET_RATIO and one_pass.ok, f"{ratio:.1f}×"))
    results += _memory_budgets(by, largest)
    template = by.get(("template", 10000))
    results.append((f"10,000 templates < {BUDGET_TEMPLATES_10K_S:.0f} s",
                    None if template is None else template.ok and template.seconds < BUDGET_TEMPLATES_10K_S,
                    "not run at N=10,000" if template is None else f"{template.seconds:.2f} s"))
    results.append((f"cchc --help < {BUDGET_HELP_S} s (median of 5)", help_s < BUDGET_HELP_S, f"{help_s:.3f} s"))
    if numbers is not None:
        checked, problems = numbers
        results.append(("consolidated numbers match what the communes typed (both merges)", not problems,
                        f"{checked:,} units checked" + (f"; {problems[:3]}" if problems else "")))
    if structure is not None:
        checked, problems = structure
        results.append(("stamped templates pass the structural checks", not problems,
                        f"{checked} re-opened" + (f"; {problems[:3]}" if problems else "")))
    return results


def input_cell_count(form) -> int:
    """The value cells a commune types into one return (9 for the bundled form, 40 for TTHC)."""
    return len(table_input_cells(form))


def floor_budgets(by: dict, form=None) -> list[tuple[str, bool | None, str]]:
    """validate + merge against the reading floor of the same run, and its cost per input cell, at every N."""
    form = form or load_form(None)
    cells, results = input_cell_count(form), []
    for n in sorted({n for step, n in by if step == "validate + merge"}):
        combined, floor = by.get(("validate + merge", n)), by.get((FLOOR_STEP, n))
        if not (combined and floor and combined.ok and floor.ok and floor.seconds):
            continue
        ratio = combined.seconds / floor.seconds
        per_cell = combined.seconds * 1e6 / (combined.files * cells)
        floor_per_cell = floor.seconds * 1e6 / (combined.files * cells)
        budget = (ratio <= BUDGET_FLOOR_RATIO) if not form.simple else INFO
        results.append((f"validate + merge within {BUDGET_FLOOR_RATIO:.0f}× the reading floor ({form.id}, N={n:,})",
                        budget, f"{combined.seconds:.2f} s against {floor.seconds:.2f} s: {ratio:.2f}×"))
        results.append((f"cost per input cell ({form.id}, N={n:,})", INFO,
                        f"{per_cell:.1f} µs a cell (validate + merge {combined.seconds:.2f} s / ({combined.files:,} "
                        f"returns × {cells} input cells)); the floor alone {floor_per_cell:.1f} µs"))
    return results


def _floor_headroom(by: dict, largest: int) -> list[tuple[str, str, str]]:
    """What the ratio budget leaves validate for everything besides reading (information, not a budget)."""
    rows = [by.get((step, largest)) for step in ("validate --json", "merge", FLOOR_STEP, "naive pandas loop")]
    if not all(r is not None and r.ok for r in rows):
        return []
    validate, merge, floor, baseline = rows
    both = baseline.seconds / BUDGET_RATIO
    allowed = both - merge.seconds
    left, taken = allowed - floor.seconds, validate.seconds - floor.seconds
    per_file_ms = 1000 / validate.files
    return [(f"where the {BUDGET_RATIO:.0f}× budget leaves validate (N={largest:,})", INFO,
             f"{BUDGET_RATIO:.0f}× allows {both:.2f} s for both commands; after merge's {merge.seconds:.2f} s "
             f"that leaves validate {allowed:.2f} s, of which python-calamine alone takes {floor.seconds:.2f} s "
             f"to read the files: {left:.2f} s for every check and the report of {validate.files:,} files "
             f"({left * per_file_ms:.2f} ms a file of wall time); they take {taken:.2f} s "
             f"({taken * per_file_ms:.2f} ms a file)")]


def _memory_budgets(by: dict, largest: int) -> list[tuple[str, bool | None, str]]:
    results = []
    for step in ("validate --json", "merge"):
        row = by.get((step, largest))
        if row is None:
            continue
        results.append((f"{step} peak RSS < {BUDGET_RSS_MB:.0f} MB (N={largest:,})",
                        row.tree_rss_mb < BUDGET_RSS_MB, f"{row.tree_rss_mb:.0f} MB"))
        smaller = [r for (s, n), r in by.items() if s == step and n < largest and n * 10 <= largest * 1.01]
        if smaller:
            ref = max(smaller, key=lambda r: r.n)
            growth = row.tree_rss_mb / ref.tree_rss_mb if ref.tree_rss_mb else 0
            results.append((f"{step} peak RSS flat: N={largest:,} ≤ {BUDGET_RSS_GROWTH}× N={ref.n:,}",
                            growth <= BUDGET_RSS_GROWTH, f"{ref.tree_rss_mb:.0f} → {row.tree_rss_mb:.0f} MB ({growth:.2f}×)"))
            per_return = (row.tree_rss_mb - ref.tree_rss_mb) * 1024 / (row.files - ref.files) if row.files > ref.files else 0
            results.append((f"{step} memory per extra return (N={ref.n:,} → {largest:,})", INFO,
                            f"{per_return:.1f} KB of process-tree memory for each of the {row.files - ref.files:,} "
                            "more returns"))
    return results


def format_budgets(results) -> str:
    label = {True: "PASS", False: "FAIL", None: "n/a", INFO: "INFO"}
    return "\n".join(f"- **{label[ok]}** {name}: {evidence}" for name, ok, evidence in results)


def append_report(path: Path, machine: str, command: str, table: str, budgets: str, profiles: str = "") -> None:
    if not path.exists():
        path.write_text("# Benchmarks\n\nRuns of `scripts/bench.py` are appended below.\n", encoding="utf-8")
    section = (f"\n## Run of {dt.datetime.now(dt.timezone.utc):%Y-%m-%d %H:%M} UTC\n\n"
               f"Machine: {machine}\n\nCommand: `{command}`\n\n{table}\n\n{budgets}\n")
    if profiles:
        section += f"\nProfiles of the budgets missed (cProfile, one process, top functions by cumulative time):\n\n{profiles}\n"
    with path.open("a", encoding="utf-8") as handle:
        handle.write(section)


# --------------------------------------------------------------------------- profiles

BUDGET_STEPS = {"faster than the naive loop": ("validate --json", "merge"),
                "the reading floor": ("validate --json", "merge"), "validate --json peak": ("validate --json",),
                "merge peak": ("merge",), "templates": ("template",)}


def steps_to_profile(budgets) -> list[str]:
    """The commands behind the budgets that failed, in a fixed order."""
    steps = []
    for name, ok, _ in budgets:
        if ok is False:
            steps += [step for key, names in BUDGET_STEPS.items() if key in name for step in names]
    return [step for step in ("template", "validate --json", "merge", "draft") if step in steps]


def profile_step(step: str, run: SizeRun, sample: int = 1000, top: int = 18) -> str:
    """cProfile of one command (one worker, at most ``sample`` files): the top functions by cumulative time."""
    import pstats

    work = run.workdir
    paths = [str(p.relative_to(work)) for p in run.returns[:sample]]
    profile_path = work / f"profile-{step.split()[0]}.prof"
    args = command_args(step, run, paths, jobs=1 if step in ("validate --json", "merge") else None, out_prefix="profile-")
    if step == "draft" and not (work / "profile-merged.xlsx").exists():
        shutil.copyfile(work / "merged.xlsx", work / "profile-merged.xlsx")
    m = run_measured([sys.executable, "-m", "cProfile", "-o", str(profile_path), "-m", "cchc_sheets", *args],
                     work / f"profile-{step.split()[0]}.out", work, run.cache_dir)
    if not profile_path.exists():
        return f"(profile of {step} failed: exit {m.exit_code})"
    buffer = io.StringIO()
    stats = pstats.Stats(str(profile_path), stream=buffer)
    stats.sort_stats("cumulative").print_stats(r"cchc_sheets|openpyxl|calamine|zipfile|json", top)
    lines = [line for line in buffer.getvalue().splitlines() if line.strip() and "function calls" not in line]
    header = f"{step}: {len(paths):,} files, one process, {m.seconds:.2f} s under cProfile"
    return header + "\n" + "\n".join(lines[-(top + 1):])


def import_profile(top: int = 8) -> str:
    """``python -X importtime`` of ``cchc --help``: the slowest imports (cumulative microseconds)."""
    result = subprocess.run([sys.executable, "-X", "importtime", "-m", "cchc_sheets", "--help"],
                            capture_output=True, text=True)
    rows = [line.split("|") for line in result.stderr.splitlines() if line.startswith("import time:") and "|" in line]
    timed = sorted(((int(r[1]), r[2].rstrip()) for r in rows if r[1].strip().isdigit()), reverse=True)
    return "cchc --help imports (cumulative µs):\n" + "\n".join(f"{us:>9,} {name}" for us, name in timed[:top])


# --------------------------------------------------------------------------- web upload (--web)
BUDGET_WEB_RATIO = 3.0         # uploading every return through `cchc web` vs `cchc validate` on the same files
BUDGET_WEB_PROGRESS_S = 1.0    # from the upload's request to the first file shown as checked
WEB_STEP = "web upload (all at once)"


def measure_web_upload(run: SizeRun, log=print) -> tuple[Row, tuple]:
    """Every return of the run posted at once to ``cchc web`` (in this process, Starlette's test
    client): seconds until the job is done (stored, validated, recorded in a new workspace's
    ledger) and until the first file is shown as checked; compared with the validate row."""
    from starlette.testclient import TestClient

    from cchc_sheets.web import UploadLimits, create_app
    from cchc_sheets.workspace import init_workspace

    folder = run.workdir / "web-workspace"
    shutil.rmtree(folder, ignore_errors=True)
    workspace = init_workspace(folder, run.form_id or "tuyen-truyen-cchc", run.units_csv)
    limits = UploadLimits(max_files=len(run.returns) + 1, max_bytes=1 << 34)
    files = [("files", (p.name, p.read_bytes())) for p in run.returns]
    os.environ["CCHC_CACHE_DIR"] = str(run.workdir / "web-report-cache")   # cold, as validate was
    with TestClient(create_app(workspace, limits=limits)) as client:
        client.headers["X-CSRF-Token"] = client.app.state.csrf
        start = time.perf_counter()
        job = client.post("/api/returns", data={"period": PERIOD}, files=files).json()["job"]
        shown = first = None
        while True:
            state = client.get(f"/api/jobs/{job}").json()
            if shown is None and state["total"]:                 # the page draws the bar: 0 of N checked
                shown = time.perf_counter() - start
            if first is None and state["checked"]:
                first = time.perf_counter() - start
            if state["done"]:
                break
            time.sleep(0.02)
        seconds = time.perf_counter() - start
    workspace.close()
    recorded = sum(1 for f in state["files"] if f.get("recorded"))
    note = (f"in-process test client; progress bar after {shown:.2f} s, first file checked after {first:.2f} s; "
            f"{recorded} recorded")
    log(f"[N={run.n:,}] web upload: {seconds:.2f} s ({note})")
    return Row(WEB_STEP, run.n, len(run.returns), seconds, 0, 0, note=note, ok=state["error"] is None), (shown, first)


# --------------------------------------------------------------------------- ledger (--ledger)
BUDGET_STATUS_S = 1.0          # `cchc status` on a ledger of 10,000 units x 6 periods
LEDGER_PERIODS = 6
STATUS_STEP = "cchc status (ledger, median of 3)"


def measure_ledger(root: Path, units: int, log=print) -> tuple[list[Row], dict]:
    """A workspace whose ledger holds ``units`` units x 6 periods of synthetic returns
    (``cchc_sheets.ledger.benchmark``): the store's own status query, the whole ``cchc status``
    command in a fresh process, and the ledger's size per return."""
    from cchc_sheets.ledger import benchmark
    from cchc_sheets.workspace import init_workspace

    folder = root / "ledger-workspace"
    shutil.rmtree(folder, ignore_errors=True)
    folder.parent.mkdir(parents=True, exist_ok=True)
    units_csv = root / "ledger-units.csv"
    units_csv.write_text("code,name,parent\n" + "".join(f"{i:05d},Xã Thử Nghiệm {i:05d},UBND tỉnh Thử\n"
                                                         for i in range(units)), encoding="utf-8")
    workspace = init_workspace(folder, "tuyen-truyen-cchc", units_csv)
    url = workspace.ledger_url
    workspace.close()
    figures = benchmark.run(url, units, LEDGER_PERIODS)
    last = "2020-H2"                      # the newest of the six periods benchmark.run fills
    times = []
    for _ in range(3):
        started = time.perf_counter()
        done = subprocess.run([str(Path(sys.executable).with_name("cchc")), "--workspace", str(folder), "status",
                               "--period", last, "--json"], capture_output=True, timeout=120)
        times.append(time.perf_counter() - started)
    seconds = statistics.median(times)
    note = (f"{figures['returns']:,} returns; the store's status query {figures['status_s_median']:.2f} s; "
            f"recording {figures['record_ms_per_return']:.1f} ms a return (batches of 1,000); "
            f"{figures.get('bytes_per_return', 0) / 1024:.1f} KB a return")
    log(f"[ledger] {note}; cchc status {seconds:.2f} s")
    return [Row(STATUS_STEP, units, figures["returns"], seconds, 0, 0, note=note, ok=done.returncode == 0)], figures


def ledger_budgets(rows: list[Row], figures: dict) -> list[tuple[str, bool | None, str]]:
    row = next(r for r in rows if r.step == STATUS_STEP)
    return [(f"cchc status < {BUDGET_STATUS_S:.0f} s ({row.n:,} units x {LEDGER_PERIODS} periods)",
             row.ok and row.seconds < BUDGET_STATUS_S, f"{row.seconds:.2f} s (the query alone "
                                                       f"{figures['status_s_median']:.2f} s)"),
            ("ledger size per return", INFO, f"{figures.get('bytes_per_return', 0) / 1024:.1f} KB (SQLite)")]


def web_budgets(rows: list[Row], first_progress: dict[int, tuple]) -> list[tuple[str, bool | None, str]]:
    """The web upload against validate on the same files, and its first progress, per N."""
    by = {(r.step, r.n): r for r in rows}
    results = []
    for (step, n), row in by.items():
        validate = by.get(("validate --json", n))
        if step == WEB_STEP and validate:
            ratio = row.seconds / validate.seconds
            results.append((f"web upload < {BUDGET_WEB_RATIO:.0f}× cchc validate (N={n:,})",
                            row.ok and ratio < BUDGET_WEB_RATIO, f"{ratio:.2f}× ({row.seconds:.2f} s / "
                                                                  f"{validate.seconds:.2f} s)"))
    for n, (shown, first) in sorted(first_progress.items()):
        results.append((f"web upload shows progress < {BUDGET_WEB_PROGRESS_S:.0f} s (N={n:,})",
                        None if shown is None else shown < BUDGET_WEB_PROGRESS_S,
                        "no progress" if shown is None else f"bar with the file count after {shown:.2f} s"))
        results.append((f"web upload: first file checked (N={n:,})", INFO,
                        "none" if first is None else f"{first:.2f} s (validate hands reports back in chunks)"))
    return results


# --------------------------------------------------------------------------- main


def memory_reference(run: SizeRun, baseline_sample: int) -> list[Row]:
    """validate and merge on a tenth of the same returns, to show memory does not grow with N."""
    small = SizeRun(run.n // 10, run.workdir / "tenth", form_id=run.form_id)
    small.workdir.mkdir(exist_ok=True)
    keep = {u["code"] for i, u in enumerate(csv.DictReader(run.units_csv.open(encoding="utf-8"))) if i % 10 == 0}
    units = [u for u in csv.DictReader(run.units_csv.open(encoding="utf-8")) if u["code"] in keep]
    small.units_csv = write_units_csv(small.workdir / "units.csv", units)
    small.returns = [p for p, plan in zip(run.returns, run.plans) if plan.unit_code in keep]
    paths = [str(p.resolve()) for p in small.returns]
    work = small.workdir
    small.empty_cache()
    return [
        _row("validate --json", small.n, len(paths), run_measured(cchc("validate", *small.form_args, *paths, "--json"),
                                                                  work / "validate.json",
                                                                  work, small.cache_dir),
             "tenth of the same returns, empty report cache"),
        _row("merge", small.n, len(paths), run_measured(cchc("merge", *small.form_args, *paths, "--units",
                                                             str(small.units_csv), "--period",
                                                             PERIOD, "--out", "merged.xlsx"), work / "merge.out", work,
                                                        small.cache_dir),
             "tenth of the same returns, after validate"),
    ]


def bench_size(n: int, workdir: Path, baseline_sample: int = BASELINE_SAMPLE, log=print,
               form_id: str | None = None, repeat: int = 1) -> tuple[SizeRun, list[Row]]:
    """Everything for one N: template (timed), returns (not timed), the four commands and the baseline."""
    layout = L.Layout(load_form(form_id))
    run, template_row = generate(n, workdir, form_id=form_id)
    log(f"[N={n:,}] template: {template_row.seconds:.2f} s")
    if not template_row.ok:
        raise RuntimeError(f"cchc template failed: {template_row.note}")
    fill(run, layout)
    log(f"[N={n:,}] {len(run.returns):,} returns written in {run.generation_seconds:.1f} s (not measured)")
    rows = [template_row] + measure_commands(run, baseline_sample, repeat)
    for row in rows[1:]:
        log(f"[N={n:,}] {row.step}: {row.seconds:.2f} s, {row.tree_rss_mb:.0f} MB {row.note}")
    run.rows = rows
    return run, rows


def parse_args(argv):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--n", type=int, nargs="+", default=[100, 1000], help="numbers of units (default 100 1000)")
    parser.add_argument("--out", type=Path, default=None, help="work folder (default: a temporary folder)")
    parser.add_argument("--keep", action="store_true", help="keep the generated files")
    parser.add_argument("--baseline-sample", type=int, default=BASELINE_SAMPLE,
                        help="time the pandas loop on at most this many files and extrapolate (default 1000)")
    parser.add_argument("--template-sample", type=int, default=20, help="random templates re-opened for the structural check")
    parser.add_argument("--report", type=Path, default=REPO / "BENCHMARKS.md", help="file the table is appended to")
    parser.add_argument("--no-report", action="store_true", help="print only, do not append to the report")
    parser.add_argument("--form", default=None, metavar="ID",
                        help="form pack to benchmark (default: the bundled tuyen-truyen-cchc); "
                             "e.g. ket-qua-giai-quyet-tthc")
    parser.add_argument("--ledger", type=int, nargs="?", const=10_000, default=None, metavar="UNITS",
                        help="also a ledger of UNITS units x 6 periods (default 10,000): `cchc status` and size per return")
    parser.add_argument("--web", action="store_true",
                        help="also upload every return at once to `cchc web` and compare with validate")
    parser.add_argument("--repeat", type=int, default=1, metavar="K",
                        help="rounds of validate, merge and the reading floor at each N, the median kept (default 1)")
    parser.add_argument("--profile", action="store_true",
                        help="profile (cProfile) the commands behind every budget missed, at the largest N")
    return parser.parse_args(argv)


@dataclass
class BenchResult:
    rows: list[Row]
    help_seconds: float
    structure: tuple[int, list[str]] | None
    budgets: list[tuple[str, bool | None, str]]
    profiles: list[str] = field(default_factory=list)

    @property
    def table(self) -> str:
        return format_table(self.rows)


def check_results(run: SizeRun, log=print) -> tuple[int, list[str]]:
    """Both consolidated workbooks of the run (after validate, and in one pass) against the plans."""
    checked, problems = 0, []
    for step, name in MERGED_OUTPUTS.items():
        units, found = check_merge_results(run, run.workdir / name)
        checked += units
        problems += [f"{name}: {problem}" for problem in found]
        log(f"[N={run.n:,}] numbers in {name} ({step}): {units:,} units checked, {len(found)} problems")
    return checked, problems


def run_bench(sizes: list[int], root: Path, baseline_sample: int = BASELINE_SAMPLE,
              template_sample: int = 20, log=print, profile: bool = False, form_id: str | None = None,
              web: bool = False, ledger: int | None = None, repeat: int = 1) -> BenchResult:
    """Every N in ``sizes`` under ``root``; the structural check on the largest run.

    ``form_id``: the pack to benchmark (None: the bundled one). ``web``: also the upload to ``cchc web``.
    """
    rows, structure, numbers, root = [], None, None, Path(root).resolve()
    sizes, first_progress = sorted(set(sizes)), {}
    for n in sizes:
        run, size_rows = bench_size(n, root / f"n{n}", baseline_sample, log, form_id, repeat)
        rows += size_rows
        if web:
            web_row, first_progress[n] = measure_web_upload(run, log)
            rows.append(web_row)
        if n == sizes[-1]:
            largest = run
            structure = check_template_sample(run, template_sample)
            log(f"[N={n:,}] structural check: {structure[0]} templates re-opened, {len(structure[1])} problems")
            numbers = check_results(run, log)
            if n >= 100 and not any(m * 10 == n for m in sizes):
                rows += memory_reference(run, baseline_sample)
    help_s = help_seconds()
    rows = add_ratios(rows)
    budgets = check_budgets(rows, help_s, structure, numbers, load_form(form_id))
    budgets += web_budgets(rows, first_progress) if web else []
    if ledger:
        ledger_rows, figures = measure_ledger(root, ledger, log)
        rows += ledger_rows
        budgets += ledger_budgets(ledger_rows, figures)
    rows.append(Row("cchc --help (median of 5)", 0, 1, help_s, 0, 0))
    result = BenchResult(rows, help_s, structure, budgets)
    if profile:
        for step in steps_to_profile(budgets):
            log(f"profiling {step} …")
            result.profiles.append(profile_step(step, largest))
        if any(ok is False and "--help" in name for name, ok, _ in budgets):
            result.profiles.append(import_profile())
    return result


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    root = args.out or Path(tempfile.mkdtemp(prefix="cchc-bench-"))
    machine = machine_description()
    print(f"Machine: {machine}\nWork folder: {root}", flush=True)
    try:
        result = run_bench(args.n, root, args.baseline_sample, args.template_sample,
                           log=lambda text: print(text, flush=True), profile=args.profile, form_id=args.form,
                           web=args.web, ledger=args.ledger, repeat=args.repeat)
    finally:
        if not args.keep:
            for n in set(args.n):
                shutil.rmtree(root / f"n{n}", ignore_errors=True)
            if args.out is None:
                shutil.rmtree(root, ignore_errors=True)
    budgets = format_budgets(result.budgets)
    print("\n" + result.table + "\n\n" + budgets)
    if result.structure and result.structure[1]:
        print("\nStructural problems:\n" + "\n".join(result.structure[1][:50]))
    profiles = "\n\n".join(f"```\n{text}\n```" for text in result.profiles)
    if profiles:
        print("\nProfiles of the budgets missed:\n" + profiles)
    if not args.no_report:
        command = "python scripts/bench.py " + " ".join(argv if argv is not None else sys.argv[1:])
        append_report(args.report, machine, command, result.table, budgets, profiles)
    return 0 if all(ok is not False for _, ok, _ in result.budgets) else 1


if __name__ == "__main__":
    sys.exit(main())
