"""Simulated commune returns for the bundled demo, made the way communes make them.

Deterministic for a seed. Most returns are clean; some carry the reference
report's own messy entries; one is late, one unit never answers, one inserts a
row, one sends twice, one is re-saved as .xls/.ods by LibreOffice when present.
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
        elif role in ("ods", "xls") and resave:
            converted = resave(target, role)
            target.unlink()
            target = converted
        elif role in ("ods", "xls"):
            scenario = "clean"
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
