"""Simulated commune returns for the bundled demo, made the way communes make them.

Deterministic for a seed. Most returns are clean; some carry the reference
report's own messy entries; one is late, one unit never answers, one inserts a
row, one sends twice, one is re-saved as .xls/.ods by LibreOffice when present.
A form with tables (any pack but the bundled one) gets the same cases and, instead of
the reference report's entries, one return per kind of messy entry its cells allow.
"""
from __future__ import annotations

import os
import random
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta, timezone
from pathlib import Path

from .fileio import write_bytes_atomic
from .forms import Form
from .units import Unit

# The reference report's own entries (UBND xã An Hòa Thịnh, 6 tháng đầu năm 2020).
REFERENCE_VALUES = {"01": 12, "02": 0, "03": 0, "04": 18, "05": "6(lồng ghép)",
                    "05.1": "600 (Lượt người)", "06": "02", "07": 3, "08": 3}
REFERENCE_NOTES = {"08": "Hội nghị; mạng xã hội; TT miệng…"}
REFERENCE_ANSWERS = {
    "hinh-thuc": "Phổ biến, quán triệt nội dung, hoạt động CCHC thông qua các hội nghị, cuộc họp giao ban; "
                 "cập nhật tin, bài về CCHC trên Cổng TTĐT của xã; tuyên truyền qua hệ thống loa truyền thanh xã.",
    "thuan-loi": "Công tác cải cách hành chính luôn nhận được sự quan tâm, chỉ đạo quyết liệt của cấp ủy Đảng, "
                 "chính quyền, sự đồng thuận của mặt trận và nhân dân.",
    "kho-khan": "Cơ sở vật chất phục vụ công tác tuyên truyền chưa đáp ứng được yêu cầu (đặc biệt là hệ thống "
                "truyền thanh; hạ tầng mạng Internet).\nNguồn kinh phí cho công tác tuyên truyền cải cách hành chính "
                "còn hạn chế.",
    "kien-nghi": "Quan tâm đầu tư trang thiết bị để đáp ứng yêu cầu công việc tuyên truyền (xâu nối hệ thống "
                 "truyền thanh 3 xã cũ thành một hệ thống; đầu tư, bảo dưỡng thường xuyên hệ thống mạng Internet).",
    "phuong-huong": "Tăng cường số lượng các tin bài về công tác cải cách hành chính trên hệ thống loa truyền thanh "
                    "xã và Cổng thông tin điện tử xã. Tuyên truyền thực hiện dịch vụ công mức độ 3, 4.",
}

ANSWER_POOL = {
    "hinh-thuc": [
        "Tuyên truyền qua hệ thống loa truyền thanh xã và các cuộc họp thôn, tổ dân phố.",
        "Lồng ghép nội dung CCHC trong các hội nghị giao ban tháng và sinh hoạt của các đoàn thể.",
        "Đăng tải tin, bài trên Trang thông tin điện tử và nhóm Zalo của xã.",
    ],
    "thuan-loi": [
        "Được sự quan tâm chỉ đạo của cấp ủy, chính quyền; cán bộ, công chức nhiệt tình.",
        "Ứng dụng công nghệ thông tin giúp tuyên truyền kịp thời, hiệu quả.",
        "Có sự phối hợp tốt của Mặt trận và các đoàn thể.",
    ],
    "kho-khan": [
        "Nguồn kinh phí cho công tác tuyên truyền cải cách hành chính còn hạn chế.",
        "Hệ thống loa truyền thanh xuống cấp, nhiều cụm loa không hoạt động.",
        "Một bộ phận người dân, nhất là vùng sâu, chưa quan tâm đến dịch vụ công trực tuyến.",
    ],
    "kien-nghi": [
        "Đề nghị cấp trên hỗ trợ kinh phí nâng cấp hệ thống truyền thanh cơ sở.",
        "Đề nghị tổ chức tập huấn nghiệp vụ tuyên truyền CCHC cho cán bộ xã.",
        "Đề nghị cung cấp tài liệu, tờ rơi mẫu về dịch vụ công trực tuyến.",
    ],
    "phuong-huong": [
        "Tiếp tục tuyên truyền sâu rộng về dịch vụ công trực tuyến mức độ 3, 4.",
        "Tăng cường tin, bài về CCHC trên hệ thống truyền thanh và Trang thông tin điện tử.",
        "Rà soát, công khai đầy đủ thủ tục hành chính tại Bộ phận một cửa.",
    ],
}


REPORTERS = ["Nguyễn Văn Hùng", "Trần Thị Lan", "Lê Văn Minh", "Phạm Thị Hoa", "Hoàng Văn Nam",
             "Võ Thị Hằng", "Đặng Văn Tuấn", "Bùi Thị Thu", "Đỗ Văn Phúc", "Hồ Thị Mai"]


@dataclass
class SimulatedReturn:
    unit: Unit
    path: Path
    received: datetime
    scenario: str


@dataclass
class Simulation:
    returns: list[SimulatedReturn] = field(default_factory=list)
    missing: list[Unit] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


def random_values(rng: random.Random) -> tuple[dict, dict]:
    """Plausible counts for one commune (participants follow the conferences)."""
    conferences = rng.randint(1, 8)
    values = {
        "01": rng.randint(2, 15), "02": rng.choice([0, 0, 1]), "03": rng.randint(0, 4),
        "04": rng.randint(6, 30), "05": conferences, "05.1": conferences * rng.randint(40, 120),
        "06": rng.randint(1, 3), "07": rng.choice([0, 50, 100, 200, 300]), "08": rng.randint(0, 5),
    }
    notes = {"08": "Hội nghị; mạng xã hội; tuyên truyền miệng"} if values["08"] else {}
    return values, notes


def random_answers(rng: random.Random) -> dict[str, str]:
    return {code: rng.choice(pool) for code, pool in ANSWER_POOL.items()}


def received_time(deadline, rng: random.Random, late: bool) -> datetime:
    """A plausible mail time: within the five days before the deadline, or two days after."""
    tz = timezone(timedelta(hours=7))
    day = deadline + timedelta(days=2) if late else deadline - timedelta(days=rng.randint(0, 5))
    return datetime.combine(day, time(rng.randint(7, 16), rng.randint(0, 59)), tz)


def simulate_returns(templates: dict[str, Path], units: list[Unit], form: Form, deadline,
                     out_dir: Path, seed: int = 2020, resave=None) -> Simulation:
    """Fill templates as communes would and write the files they send back into ``out_dir``.

    ``templates`` maps unit code -> template path. ``resave(path, fmt) -> Path`` (LibreOffice)
    re-saves one return as .ods and one as .xls when given.
    """
    from .template.fill import fill_workbook

    if not form.simple:
        return simulate_table_returns(templates, units, form, deadline, out_dir, seed=seed, resave=resave)
    rng = random.Random(seed)
    simulation = Simulation()
    roles = _assign_roles(units)
    for unit in units:
        role = roles.get(unit.code, "clean")
        if role == "missing":
            simulation.missing.append(unit)
            continue
        values, notes = (dict(REFERENCE_VALUES), dict(REFERENCE_NOTES)) if role == "reference" else random_values(rng)
        answers = dict(REFERENCE_ANSWERS) if role == "reference" else random_answers(rng)
        if role == "messy":
            values["06"] = f"0{values['06']}"
            values["05"] = f"{values['05']}(lồng ghép)"
        reporter = {"reporter": rng.choice(REPORTERS), "phone": f"09{rng.randint(10000000, 99999999)}",
                    "report_date": deadline.strftime("%d/%m/%Y")}
        data = fill_workbook(templates[unit.code], values, notes, answers, reporter)
        target = out_dir / templates[unit.code].name.replace(".xlsx", "_da-dien.xlsx")
        write_bytes_atomic(target, data)
        received = received_time(deadline, rng, late=(role == "late"))
        scenario = role
        if role == "inserted-row":
            _insert_row(target)
        elif role == "twice":
            first = received - timedelta(days=1)
            older_values = dict(values, **{"04": values["04"] + 5})
            older = out_dir / target.name.replace("_da-dien", "_lan-1")
            write_bytes_atomic(older, fill_workbook(templates[unit.code], older_values, notes, answers, reporter))
            simulation.returns.append(SimulatedReturn(unit, older, first, "twice (older)"))
        else:
            target, scenario = _resaved(target, role, scenario, resave)
        simulation.returns.append(SimulatedReturn(unit, target, received, scenario))
        _set_mtime(target, received)
    return simulation


def _assign_roles(units: list[Unit]) -> dict[str, str]:
    """Fixed roles by position so the demo always shows every case."""
    roles = ["reference", "messy", "late", "inserted-row", "twice", "ods", "xls", "missing"]
    by_code: dict[str, str] = {}
    reference = next((u for u in units if "An Hòa Thịnh" in u.name), units[0])
    by_code[reference.code] = "reference"
    others = [u for u in units if u.code != reference.code]
    for unit, role in zip(others[::2], roles[1:]):
        by_code[unit.code] = role
    return by_code


def _insert_row(path: Path) -> None:
    """A commune inserts a row above indicator 03 (the layout check must catch it)."""
    from openpyxl import load_workbook

    from .layout import FIRST_INDICATOR_ROW, MAIN_SHEET

    workbook = load_workbook(path)
    sheet = workbook[MAIN_SHEET]
    sheet.protection.sheet = False
    sheet.insert_rows(FIRST_INDICATOR_ROW + 2)
    sheet.cell(FIRST_INDICATOR_ROW + 2, 2, "Tin, bài trên mạng xã hội (xã tự thêm)")
    sheet.cell(FIRST_INDICATOR_ROW + 2, 4, 7)
    workbook.save(path)


def _set_mtime(path: Path, when: datetime) -> None:
    stamp = when.timestamp()
    os.utime(path, (stamp, stamp))


# --------------------------------------------------------------------------- forms with tables
# Any form but the bundled one-column appendix: cells are keyed ``ROW:COL`` (see forms.model).
# Clean returns satisfy every error rule of the form; each messy role plants the entries of
# one kind, on cells found by their kind and formula rather than by code, so a new pack gets
# a demo without code here (only the TTHC pack has its own, realistic, number maker).

TABLE_ANSWER_POOL = {
    "ket-qua": [
        "Tiếp nhận, giải quyết hồ sơ TTHC đúng quy trình tại Bộ phận Một cửa; công khai đầy đủ TTHC.",
        "Số hồ sơ tiếp nhận trực tuyến tăng; phần lớn hồ sơ được trả trước và đúng hạn.",
    ],
    "ton-tai": [
        "Còn một số hồ sơ đất đai trả quá hạn do phải xác minh nguồn gốc đất.",
        "Tỷ lệ hồ sơ nộp trực tuyến còn thấp; một số người dân chưa quen dùng Cổng dịch vụ công.",
    ],
    "kien-nghi": [
        "Đề nghị cấp trên nâng cấp đường truyền và thiết bị cho Bộ phận Một cửa xã.",
        "Đề nghị tập huấn sử dụng Hệ thống thông tin giải quyết TTHC cho công chức xã.",
    ],
    "phuong-huong": [
        "Tiếp tục hướng dẫn người dân nộp hồ sơ trực tuyến; giảm hồ sơ trả quá hạn.",
        "Rà soát, công khai đầy đủ, kịp thời TTHC tại Bộ phận Một cửa và trên Cổng thông tin điện tử xã.",
    ],
}

# New files received per half year by a commune, per row of the TTHC pack (Hộ tịch … Khác).
TTHC_NEW_FILES = {"1": (40, 250), "2": (1000, 1600), "3": (10, 80), "4": (15, 120), "5": (0, 40)}


def _input_cells(form: Form) -> list:
    """The cells a commune types: not computed, not on a total row."""
    return [item for item in form.indicators if not item.computed and not item.total]


def tthc_values(form: Form, rng: random.Random) -> dict[str, object]:
    """One commune's TTHC figures: received = resolved + pending on every row, mostly on time."""
    values: dict[str, object] = {}
    for row, (low, high) in TTHC_NEW_FILES.items():
        new = rng.randint(low, high)
        online = round(new * rng.uniform(0.1, 0.5))
        carried = rng.randint(0, max(1, new // 20))
        received = carried + new
        pending = rng.randint(0, received // 10)
        overdue_pending = min(pending, rng.choice([0, 0, 0, 1]))
        resolved = received - pending
        late = min(resolved, rng.choice([0, 0, 0, 1, 2]))
        early = round((resolved - late) * rng.uniform(0.3, 0.7))
        values.update({f"{row}:ky-truoc": carried, f"{row}:truc-tuyen": online, f"{row}:truc-tiep": new - online,
                       f"{row}:truoc-han": early, f"{row}:dung-han": resolved - late - early, f"{row}:qua-han": late,
                       f"{row}:chua-den-han": pending - overdue_pending, f"{row}:dang-qua-han": overdue_pending})
    return values


def generic_values(form: Form, rng: random.Random, period_end=None) -> dict[str, object]:
    """Plausible entries for any pack, by kind, within each cell's range; redrawn until no error rule fails."""
    for _ in range(50):
        values = {item.code: _random_entry(form, item, rng, period_end) for item in _input_cells(form)}
        if not _failed_rules(form, values):
            return values
    return values


def _random_entry(form: Form, item, rng: random.Random, period_end) -> object:
    low = int(item.min or 0)
    high = int(min(item.max, low + 100)) if item.max is not None else low + 100
    if item.kind == "count":
        return rng.randint(low, high)
    if item.kind == "number":
        return round(rng.uniform(low, high), 1)
    if item.kind == "percent":
        return round(rng.uniform(0.5, 1.0), 3)
    if item.kind == "yesno":
        return rng.choice(("Có", "Không"))
    if item.kind == "choice":
        choices = form.choices.get(item.choices, ())
        return rng.choice(choices).value if choices else ""
    if item.kind == "date":
        day = (period_end or datetime(2020, 6, 30).date()) - timedelta(days=rng.randint(0, 150))
        return day.strftime("%d/%m/%Y")
    return "Không có"


TABLE_VALUE_MAKERS = {"ket-qua-giai-quyet-tthc": tthc_values}


def table_values(form: Form, rng: random.Random) -> dict[str, object]:
    maker = TABLE_VALUE_MAKERS.get(form.id)
    return maker(form, rng) if maker else generic_values(form, rng)


def _numbers(form: Form, values: dict[str, object]) -> dict[str, object]:
    """The values as the validator will hold them (Có = 1, percents as fractions), computed cells worked out."""
    held = {}
    for item in form.indicators:
        value = values.get(item.code)
        if item.kind == "yesno":
            value = 1 if value == "Có" else 0 if value == "Không" else None
        held[item.code] = value if isinstance(value, (int, float)) else None
    return form.recompute(held)


def _failed_rules(form: Form, values: dict[str, object]) -> list:
    numbers = _numbers(form, values)
    return [rule for rule in form.rules if rule.severity == "error" and rule.applies(numbers)]


def _with_dots(number: int) -> str:
    return f"{number:,}".replace(",", ".")


def plant_messy_numbers(form: Form, values: dict, rng: random.Random) -> bool:
    """The largest count typed with dots ('1.200'), a small one with words ('12 hồ sơ'): same numbers meant."""
    counts = sorted((item for item in _input_cells(form) if item.kind == "count"
                     and isinstance(values.get(item.code), int)), key=lambda item: values[item.code])
    if not counts:
        return False
    largest = counts[-1]
    values[largest.code] = _with_dots(values[largest.code]) if values[largest.code] >= 1000 else f" {values[largest.code]} "
    small = next((item for item in counts[:-1] if values[item.code] >= 5), None)
    if small is not None:
        values[small.code] = f"{values[small.code]} {small.unit or 'hồ sơ'}"
    return True


def plant_typed_over(form: Form, values: dict, rng: random.Random) -> bool:
    """A computed total typed over with a number that is not the sum of its inputs."""
    numbers = _numbers(form, values)
    item = next((item for item in form.computed if item.kind == "count" and not item.total
                 and numbers.get(item.code) is not None), None)
    if item is None:
        return False
    values[item.code] = int(numbers[item.code]) + 10
    return True


def plant_broken_rule(form: Form, values: dict, rng: random.Random) -> bool:
    """One input changed so that a row rule of the form (an error) fails."""
    for item in _input_cells(form):
        if item.kind != "count" or not isinstance(values.get(item.code), int):
            continue
        trial = dict(values, **{item.code: values[item.code] + 7})
        if _failed_rules(form, trial):
            values[item.code] = trial[item.code]
            return True
    return False


def plant_percent(form: Form, values: dict, rng: random.Random) -> bool:
    """'95,5%' typed as text: into a percent input cell, else over a computed percent (as communes do)."""
    inputs = [item for item in _input_cells(form) if item.kind == "percent"]
    computed = [item for item in form.computed if item.kind == "percent" and not item.total]
    target = (inputs or computed or [None])[0]
    if target is None:
        return False
    values[target.code] = "95,5%"
    return True


def plant_kinds(form: Form, values: dict, rng: random.Random) -> bool:
    """Yes/no typed 'x' and 'có', a choice typed by its label, a date typed '5/6/2020'."""
    planted = False
    yes_no = [item for item in _input_cells(form) if item.kind == "yesno"]
    for item, text in zip(yes_no, ("x", "có")):
        values[item.code], planted = text, True
    for item in _input_cells(form):
        if item.kind == "choice" and form.choices.get(item.choices):
            values[item.code], planted = rng.choice(form.choices[item.choices]).label, True
            break
    date_cell = next((item for item in _input_cells(form) if item.kind == "date"), None)
    if date_cell is not None:
        values[date_cell.code], planted = "5/6/2020", True
    return planted


TABLE_PLANTS = {"messy-numbers": plant_messy_numbers, "typed-over": plant_typed_over,
                "broken-rule": plant_broken_rule, "percent": plant_percent, "kinds": plant_kinds}
TABLE_ROLES = ("messy-numbers", "typed-over", "broken-rule", "percent", "kinds", "late", "twice", "ods", "xls",
               "missing")


def table_roles(form: Form, units: list[Unit]) -> dict[str, str]:
    """Every second unit has a role; a messy role the form has no cell for is left out."""
    probe, rng = table_values(form, random.Random(0)), random.Random(0)
    roles = [role for role in TABLE_ROLES
             if role not in TABLE_PLANTS or TABLE_PLANTS[role](form, dict(probe), rng)]
    return {unit.code: role for unit, role in zip(units[::2], roles)}


def _resaved(target: Path, role: str, scenario: str, resave) -> tuple[Path, str]:
    """The return re-saved as .ods/.xls for those roles (by LibreOffice when there is one; else it stays clean)."""
    if role not in ("ods", "xls"):
        return target, scenario
    if resave is None:
        return target, "clean"
    converted = resave(target, role)
    target.unlink()
    return converted, scenario


def table_answers(form: Form, rng: random.Random) -> dict[str, str]:
    pools = {**ANSWER_POOL, **TABLE_ANSWER_POOL}
    return {q.code: rng.choice(pools.get(q.code, ["Không có ý kiến thêm."])) for q in form.questions}


def simulate_table_returns(templates: dict[str, Path], units: list[Unit], form: Form, deadline,
                           out_dir: Path, seed: int = 2020, resave=None) -> Simulation:
    """``simulate_returns`` for a form with tables: clean returns keep every rule; one messy role per unit."""
    from .template.fill import fill_workbook

    rng = random.Random(seed)
    simulation = Simulation()
    roles = table_roles(form, units)
    for unit in units:
        role = roles.get(unit.code, "clean")
        if role == "missing":
            simulation.missing.append(unit)
            continue
        values, answers = table_values(form, rng), table_answers(form, rng)
        if role in TABLE_PLANTS:
            TABLE_PLANTS[role](form, values, rng)
        reporter = {"reporter": rng.choice(REPORTERS), "phone": f"09{rng.randint(10000000, 99999999)}",
                    "report_date": deadline.strftime("%d/%m/%Y")}
        target = out_dir / templates[unit.code].name.replace(".xlsx", "_da-dien.xlsx")
        write_bytes_atomic(target, fill_workbook(templates[unit.code], values, {}, answers, reporter, form=form))
        received = received_time(deadline, rng, late=(role == "late"))
        scenario = role
        if role == "twice":
            older = out_dir / target.name.replace("_da-dien", "_lan-1")
            older_values = table_values(form, rng)
            write_bytes_atomic(older, fill_workbook(templates[unit.code], older_values, {}, answers, reporter, form=form))
            simulation.returns.append(SimulatedReturn(unit, older, received - timedelta(days=1), "twice (older)"))
            _set_mtime(older, received - timedelta(days=1))
        else:
            target, scenario = _resaved(target, role, scenario, resave)
        simulation.returns.append(SimulatedReturn(unit, target, received, scenario))
        _set_mtime(target, received)
    return simulation
