"""The starter form workbook written by ``cchc form init``: the seven sheets of ``form.xlsx``
with their header keys, a small worked example that passes ``cchc form check`` as written,
and a ``ghi-chu`` sheet explaining, in Vietnamese, every sheet and every key.

The example is data (``EXAMPLE``) so a test can read the same rows the officer sees;
``starter_workbook`` builds the workbook in memory and ``write_starter`` saves it atomically.
"""
from __future__ import annotations

import os
from pathlib import Path

from ..fileio import write_with
from ..messages import CchcError

HEADERS = {
    "settings": ("key", "value"),
    "tables": ("table", "title", "sheet", "row_header", "unit_column", "note_column"),
    "columns": ("table", "code", "label", "group", "kind", "min", "max", "required", "formula", "aggregate",
                "choices", "help"),
    "rows": ("table", "code", "label", "parent", "unit", "kind", "total", "required", "min", "max", "choices",
             "formula", "help"),
    "questions": ("code", "label", "section", "help", "required"),
    "rules": ("code", "when", "severity", "message", "message_en", "table", "cells"),
    "choices": ("list", "value", "label"),
}

# A small two-table form: receipts of files (two-level header, computed total, percent, total row)
# and the commune's one-stop shop (yes/no, choice, date, number rows). Every row is one sheet row.
EXAMPLE = {
    "settings": [
        {"key": "form_id", "value": "vi-du-bieu-mau"},
        {"key": "version", "value": 1},
        {"key": "title", "value": "BÁO CÁO KẾT QUẢ TIẾP NHẬN HỒ SƠ (VÍ DỤ)"},
        {"key": "subject", "value": "Kết quả tiếp nhận hồ sơ {period_label}"},
        {"key": "appendix_title", "value": "BIỂU MẪU"},
    ],
    "tables": [
        {"table": "ho-so", "title": "Tiếp nhận hồ sơ thủ tục hành chính", "sheet": "Báo cáo",
         "row_header": "Lĩnh vực", "unit_column": "không", "note_column": "có"},
        {"table": "mot-cua", "title": "Bộ phận Một cửa", "sheet": "Một cửa",
         "row_header": "Nội dung", "unit_column": "có", "note_column": "có"},
    ],
    "columns": [
        {"table": "ho-so", "code": "tong", "label": "Tổng số", "group": "Số hồ sơ tiếp nhận", "kind": "count",
         "formula": "[:truc-tuyen] + [:truc-tiep]", "help": "Tự tính: trực tuyến cộng trực tiếp."},
        {"table": "ho-so", "code": "truc-tuyen", "label": "Trực tuyến", "group": "Số hồ sơ tiếp nhận",
         "kind": "count", "max": 100000, "help": "Hồ sơ nộp qua Cổng dịch vụ công."},
        {"table": "ho-so", "code": "truc-tiep", "label": "Trực tiếp, bưu chính", "group": "Số hồ sơ tiếp nhận",
         "kind": "count", "max": 100000, "help": "Hồ sơ nộp tại Bộ phận Một cửa hoặc qua bưu chính."},
        {"table": "ho-so", "code": "ty-le", "label": "Tỷ lệ trực tuyến (%)", "kind": "percent",
         "formula": "ratio([:truc-tuyen], [:tong])", "help": "Tự tính: trực tuyến chia tổng số."},
        {"table": "mot-cua", "code": "gia-tri", "label": "Thông tin", "kind": "number", "aggregate": "none"},
    ],
    "rows": [
        {"table": "ho-so", "code": "1", "label": "Hộ tịch"},
        {"table": "ho-so", "code": "2", "label": "Chứng thực"},
        {"table": "ho-so", "code": "3", "label": "Lĩnh vực khác"},
        {"table": "ho-so", "code": "tong", "label": "Tổng cộng", "total": "có"},
        {"table": "mot-cua", "code": "1", "label": "Có Bộ phận Một cửa riêng", "kind": "yesno"},
        {"table": "mot-cua", "code": "2", "label": "Mức độ số hóa hồ sơ", "kind": "choice",
         "choices": "muc-do-so-hoa"},
        {"table": "mot-cua", "code": "3", "label": "Ngày kiểm tra gần nhất", "kind": "date",
         "required": "không"},
        {"table": "mot-cua", "code": "4", "label": "Số công chức làm việc tại Bộ phận Một cửa",
         "unit": "người", "kind": "number", "min": 0, "max": 50},
    ],
    "questions": [
        {"code": "kien-nghi", "label": "Kiến nghị, đề xuất", "section": "kien-nghi",
         "help": "Kiến nghị với cấp trên; mỗi ý một dòng.", "required": "không"},
    ],
    "rules": [
        {"code": "co-ho-so-khong-truc-tuyen", "when": "[:tong] > 0 and [:truc-tuyen] == 0", "severity": "warning",
         "message": "Có hồ sơ nhưng không có hồ sơ trực tuyến nào. Hãy kiểm tra lại.",
         "message_en": "Files were received but none online. Check the figures.",
         "table": "ho-so", "cells": ":truc-tuyen"},
        {"code": "ho-so-khong-can-bo", "when": "[ho-so!tong:tong] > 0 and [mot-cua!4] == 0",
         "severity": "error",
         "message": "Có hồ sơ tiếp nhận nhưng số công chức Bộ phận Một cửa bằng 0.",
         "message_en": "Files were received but the one-stop shop has no staff.",
         "cells": "mot-cua!4, ho-so!tong:tong"},
    ],
    "choices": [
        {"list": "muc-do-so-hoa", "value": "chua", "label": "Chưa số hóa"},
        {"list": "muc-do-so-hoa", "value": "mot-phan", "label": "Số hóa một phần"},
        {"list": "muc-do-so-hoa", "value": "toan-bo", "label": "Số hóa toàn bộ"},
    ],
}

NOTES_SHEET = "ghi-chu"
REFERENCES = (
    ("[DÒNG:CỘT]", "ô của dòng DÒNG dưới cột CỘT, cùng bảng", "[1:truc-tuyen]"),
    ("[:CỘT]", "ô của chính dòng đang xét dưới cột CỘT (công thức cột, quy tắc kiểm tra mọi dòng)",
     "[:truc-tuyen] + [:truc-tiep]"),
    ("[DÒNG]", "ô của dòng DÒNG khi bảng chỉ có một cột số liệu; trong công thức dòng: dòng đó, cùng cột",
     "[mot-cua!4], [4]"),
    ("[BẢNG!DÒNG:CỘT]", "ô của một bảng khác (biểu mẫu nhiều bảng); bỏ :CỘT khi bảng đó có một cột",
     "[ho-so!tong:tong], [mot-cua!4]"),
    ("ratio(a, b)", "a chia b, bằng 0 khi b bằng 0; dùng cho cột tỷ lệ (loại percent)",
     "ratio([:truc-tuyen], [:tong])"),
)

# (sheet, key, meaning, allowed values, example); key "" describes the sheet itself.
NOTES = (
    ("settings", "", "Thông tin chung của biểu mẫu: mỗi dòng một khóa (key) và giá trị (value).", "", ""),
    ("settings", "form_id", "Mã biểu mẫu, dùng trong tên tệp và khi nhận báo cáo.",
     "chữ không dấu, số, dấu chấm, gạch ngang", "vi-du-bieu-mau"),
    ("settings", "version", "Phiên bản; tăng lên mỗi khi thêm, bớt hoặc đổi thứ tự bảng, dòng, cột.",
     "số nguyên ≥ 1", "1"),
    ("settings", "title", "Tiêu đề báo cáo in ở đầu biểu mẫu.", "chữ", "BÁO CÁO KẾT QUẢ TIẾP NHẬN HỒ SƠ"),
    ("settings", "subject", "Trích yếu của báo cáo; phải chứa {period_label} (kỳ báo cáo).", "chữ",
     "Kết quả tiếp nhận hồ sơ {period_label}"),
    ("settings", "appendix_title", "Tiêu đề phụ lục (không bắt buộc).", "chữ", "BIỂU MẪU"),
    ("settings", "note_max_length", "Số ký tự tối đa của một ô Ghi chú (không bắt buộc, mặc định 500).",
     "số nguyên", "500"),
    ("tables", "", "Các bảng của biểu mẫu, mỗi dòng một bảng; bảng đầu tiên nằm ở trang “Báo cáo”.", "", ""),
    ("tables", "table", "Mã bảng; các trang columns và rows dùng mã này.", "chữ không dấu, số, gạch ngang",
     "ho-so"),
    ("tables", "title", "Tên bảng in phía trên bảng.", "chữ", "Tiếp nhận hồ sơ thủ tục hành chính"),
    ("tables", "sheet", "Tên trang tính của bảng trong biểu mẫu gửi xã.",
     "tối đa 31 ký tự, không có [ ] : * ? / \\; bảng đầu tiên: Báo cáo", "Một cửa"),
    ("tables", "row_header", "Tiêu đề cột tên dòng (mặc định “Chỉ tiêu”).", "chữ", "Lĩnh vực"),
    ("tables", "unit_column", "Có cột Đơn vị tính hay không. Mọi khóa có / không đều nhận cả x, 1 (có) "
     "và 0 (không).", "có / không", "không"),
    ("tables", "note_column", "Có cột Ghi chú hay không.", "có / không", "có"),
    ("columns", "", "Các cột số liệu của từng bảng, theo thứ tự từ trái sang phải.", "", ""),
    ("columns", "table", "Mã bảng chứa cột.", "một mã ở trang tables", "ho-so"),
    ("columns", "code", "Mã cột, không trùng trong một bảng; dùng trong công thức [:CỘT].",
     "chữ không dấu, số, gạch ngang", "truc-tuyen"),
    ("columns", "label", "Tên cột ở tầng tiêu đề dưới cùng.", "chữ", "Trực tuyến"),
    ("columns", "group", "Các tầng tiêu đề phía trên, ngăn cách bằng “ / ” (tối đa 3 tầng cả tên cột).",
     "chữ", "Số hồ sơ tiếp nhận"),
    ("columns", "kind", "Loại số liệu của cột (dòng có thể ghi loại riêng).",
     "count (số nguyên), number (số), percent (tỷ lệ %), yesno (Có/Không), choice (chọn trong danh sách), "
     "date (ngày), text (chữ)", "count"),
    ("columns", "min", "Giá trị nhỏ nhất được nhập (tỷ lệ ghi theo %).", "số", "0"),
    ("columns", "max", "Giá trị lớn nhất được nhập; không nhỏ hơn min.", "số", "100000"),
    ("columns", "required", "Bắt buộc nhập (mặc định có).", "có / không", "có"),
    ("columns", "formula", "Công thức tự tính ô của cột trên mỗi dòng; ô có công thức không cần nhập.",
     "tham chiếu và + - * /, ratio, abs, min, max", "[:truc-tuyen] + [:truc-tiep]"),
    ("columns", "aggregate", "Cách tổng hợp khi gộp báo cáo các xã.",
     "sum (cộng; chỉ cho count, number, yesno), none (không cộng)", "sum"),
    ("columns", "choices", "Tên danh sách lựa chọn (trang choices), cho cột loại choice.", "tên ở cột list",
     "muc-do-so-hoa"),
    ("columns", "help", "Hướng dẫn hiện khi xã chọn ô.", "chữ", "Hồ sơ nộp qua Cổng dịch vụ công."),
    ("rows", "", "Các dòng của từng bảng, theo thứ tự từ trên xuống.", "", ""),
    ("rows", "table", "Mã bảng chứa dòng.", "một mã ở trang tables", "mot-cua"),
    ("rows", "code", "Mã dòng, không trùng trong một bảng; in ở cột TT. Mã có số 0 ở đầu hoặc dấu chấm "
     "(05, 05.1) phải gõ dạng chữ: thêm dấu ' phía trước ('05), nếu không Excel đổi thành số 5.",
     "chữ không dấu, số, dấu chấm", "1, 05.1"),
    ("rows", "label", "Tên dòng.", "chữ", "Hộ tịch"),
    ("rows", "parent", "Mã dòng cha (dòng con “trong đó”); dòng cha phải đứng trước.", "mã một dòng ở trên",
     "05"),
    ("rows", "unit", "Đơn vị tính, in ở cột Đơn vị tính.", "chữ", "người"),
    ("rows", "kind", "Loại số liệu riêng của dòng (thay loại của cột).", "như kind ở trang columns", "yesno"),
    ("rows", "total", "Dòng tổng cộng: tự cộng các dòng cấp trên cùng của bảng; mỗi bảng tối đa một dòng.",
     "có / không", "có"),
    ("rows", "required", "Bắt buộc nhập (để trống: theo cột).", "có / không", "không"),
    ("rows", "min", "Giá trị nhỏ nhất riêng của dòng.", "số", "0"),
    ("rows", "max", "Giá trị lớn nhất riêng của dòng.", "số", "50"),
    ("rows", "choices", "Tên danh sách lựa chọn, cho dòng loại choice.", "tên ở cột list", "muc-do-so-hoa"),
    ("rows", "formula", "Công thức của dòng theo các dòng khác, tính riêng cho từng cột.",
     "tham chiếu [DÒNG]", "[1] + [2]"),
    ("rows", "help", "Hướng dẫn hiện khi xã chọn ô.", "chữ", "Tính cả công chức kiêm nhiệm."),
    ("questions", "", "Các câu hỏi lời văn ở trang “Ý kiến”.", "", ""),
    ("questions", "code", "Mã câu hỏi.", "chữ không dấu, số, gạch ngang", "kien-nghi"),
    ("questions", "label", "Nội dung câu hỏi.", "chữ", "Kiến nghị, đề xuất"),
    ("questions", "section", "Mục của báo cáo dự thảo chứa câu trả lời.", "chữ không dấu", "kien-nghi"),
    ("questions", "help", "Hướng dẫn trả lời.", "chữ", "Mỗi ý một dòng."),
    ("questions", "required", "Bắt buộc trả lời (mặc định không).", "có / không", "không"),
    ("rules", "", "Quy tắc kiểm tra số liệu: khi điều kiện đúng, báo cáo của xã có lỗi hoặc cảnh báo.", "", ""),
    ("rules", "code", "Mã quy tắc.", "chữ không dấu, số, gạch ngang", "co-ho-so-khong-truc-tuyen"),
    ("rules", "when", "Điều kiện báo lỗi; dùng [:CỘT] để kiểm tra trên mọi dòng của bảng.",
     "tham chiếu, so sánh (== != < <= > >=), and, or, not", "[:tong] > 0 and [:truc-tuyen] == 0"),
    ("rules", "severity", "Mức độ.", "error (lỗi, phải sửa), warning (cảnh báo)", "warning"),
    ("rules", "message", "Thông báo cho xã, nói rõ cách sửa.", "chữ", "Hãy kiểm tra lại số hồ sơ trực tuyến."),
    ("rules", "message_en", "Thông báo bằng tiếng Anh (không bắt buộc).", "chữ", "Check the online figures."),
    ("rules", "table", "Bảng mà quy tắc [:CỘT] kiểm tra (bắt buộc khi biểu mẫu có nhiều bảng).",
     "một mã ở trang tables", "ho-so"),
    ("rules", "cells", "Các ô được đánh dấu khi vi phạm, ngăn cách bằng dấu phẩy (để trống: các ô trong điều kiện).",
     "tham chiếu không cần ngoặc", ":truc-tuyen"),
    ("choices", "", "Các danh sách lựa chọn cho ô loại choice; mỗi dòng một lựa chọn.", "", ""),
    ("choices", "list", "Tên danh sách; cột choices ở trang columns, rows dùng tên này.", "chữ không dấu",
     "muc-do-so-hoa"),
    ("choices", "value", "Giá trị lưu khi tổng hợp, không trùng trong một danh sách.", "chữ", "mot-phan"),
    ("choices", "label", "Nhãn xã nhìn thấy khi chọn.", "chữ", "Số hóa một phần"),
)


def starter_workbook():
    """The starter form workbook, in memory (an openpyxl Workbook)."""
    from openpyxl import Workbook

    workbook = Workbook()
    workbook.remove(workbook.active)
    for name, headers in HEADERS.items():
        rows = [[item.get(key) for key in headers] for item in EXAMPLE[name]]
        _write_sheet(workbook.create_sheet(name), headers, rows)
    notes = [[sheet, key, meaning, allowed, example] for sheet, key, meaning, allowed, example in NOTES]
    notes.append([])
    notes.append(["Tham chiếu trong công thức (formula) và điều kiện (when)", None, None, None, None])
    notes.extend([["tham chiếu", syntax, meaning, None, example] for syntax, meaning, example in REFERENCES])
    _write_sheet(workbook.create_sheet(NOTES_SHEET), ("trang", "khóa", "ý nghĩa", "giá trị được dùng", "ví dụ"),
                 notes)
    return workbook


def write_starter(target: str | os.PathLike, overwrite: bool = False) -> Path:
    """Save the starter workbook at ``target`` atomically; CchcError when it exists and ``overwrite`` is false."""
    target = Path(target)
    if target.exists() and not overwrite:
        raise CchcError("form-init-exists", path=target)
    workbook = starter_workbook()
    write_with(target, lambda temporary: workbook.save(temporary))
    return target


def _write_sheet(sheet, headers, rows) -> None:
    from openpyxl.styles import Font

    sheet.append(list(headers))
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for row in rows:
        sheet.append(list(row))
    for index, key in enumerate(headers):
        widest = max([len(str(r[index])) for r in rows if len(r) > index and r[index] is not None] + [len(key)])
        sheet.column_dimensions[_letter(index + 1)].width = min(60, widest + 2)
    sheet.freeze_panes = "A2"


def _letter(column: int) -> str:
    from ..a1 import column_letter

    return column_letter(column)
