"""The one catalogue of message codes.

Every message a commune officer or a district/province officer reads comes from
here: a stable kebab-case code, a severity, and a Vietnamese and an English
template (``str.format`` fields). Code elsewhere refers to messages only by code,
so wording can change without touching logic, and tests assert codes, not prose.

Severities:
- ``fatal``: the command cannot go on (bad form pack, bad units file, ...): exit 2.
- ``error``: a returned workbook cannot be counted until the commune fixes it.
- ``warning``: counted, but an officer should look.
- ``info``: a fact worth telling, no action needed.
"""
from __future__ import annotations

import errno
import os
import unicodedata
from dataclasses import dataclass

LANGUAGES = ("vi", "en")


@dataclass(frozen=True)
class Message:
    severity: str
    vi: str
    en: str


def _m(severity: str, vi: str, en: str) -> Message:
    return Message(severity, unicodedata.normalize("NFC", vi), en)


CATALOGUE: dict[str, Message] = {
    # --- usage and set-up (fatal) -------------------------------------------
    "form-not-found": _m(
        "fatal",
        "Không tìm thấy biểu mẫu “{form}”. Các biểu mẫu có sẵn: {available}. "
        "Hãy kiểm tra tên biểu mẫu (--form) hoặc đường dẫn tới thư mục biểu mẫu.",
        "Form “{form}” not found. Available forms: {available}. "
        "Check the form name (--form) or the path to the form pack folder.",
    ),
    "form-invalid": _m(
        "fatal",
        "Biểu mẫu {path} có lỗi:\n{problems}",
        "Form pack {path} has problems:\n{problems}",
    ),
    "units-file-not-found": _m(
        "fatal",
        "Không đọc được danh sách đơn vị {path}: {reason}.",
        "Cannot read the units list {path}: {reason}.",
    ),
    "units-invalid": _m(
        "fatal",
        "Danh sách đơn vị {path} có lỗi:\n{problems}",
        "The units list {path} has problems:\n{problems}",
    ),
    "units-missing-column": _m(
        "fatal",
        "thiếu cột “{column}” (chấp nhận: {accepted})",
        "missing column “{column}” (accepted: {accepted})",
    ),
    "units-duplicate-code": _m(
        "fatal",
        "dòng {line}: mã đơn vị “{code}” bị trùng với dòng {first_line}",
        "line {line}: unit code “{code}” repeats line {first_line}",
    ),
    "units-empty-code": _m(
        "fatal",
        "dòng {line}: thiếu mã đơn vị",
        "line {line}: unit code is empty",
    ),
    "units-empty-name": _m(
        "fatal",
        "dòng {line}: thiếu tên đơn vị (mã “{code}”)",
        "line {line}: unit name is empty (code “{code}”)",
    ),
    "units-bad-email": _m(
        "fatal",
        "dòng {line}: địa chỉ email “{email}” không hợp lệ (mã “{code}”)",
        "line {line}: email address “{email}” is not valid (code “{code}”)",
    ),
    "units-empty": _m(
        "fatal",
        "danh sách không có đơn vị nào",
        "the list has no units",
    ),
    "period-invalid": _m(
        "fatal",
        "Kỳ báo cáo “{period}” không hợp lệ. Dùng dạng 2020-H1 (6 tháng đầu năm), "
        "2020-H2 (6 tháng cuối năm), 2020 (cả năm), 2020-Q3 (quý), 2020-9M (9 tháng) "
        "hoặc 2020-06 (tháng).",
        "Reporting period “{period}” is not valid. Use 2020-H1 (first half), "
        "2020-H2 (second half), 2020 (year), 2020-Q3 (quarter), 2020-9M (nine months) "
        "or 2020-06 (month).",
    ),
    "date-invalid": _m(
        "fatal",
        "Ngày “{value}” không hợp lệ ({option}). Dùng dạng YYYY-MM-DD, ví dụ 2020-06-14.",
        "Date “{value}” is not valid ({option}). Use YYYY-MM-DD, e.g. 2020-06-14.",
    ),
    "password-empty": _m(
        "fatal",
        "Mật khẩu bảo vệ trang tính không được để trống.",
        "The sheet protection password must not be empty.",
    ),
    "output-unwritable": _m(
        "fatal",
        "Không ghi được vào {path}: {reason}. Hãy chọn thư mục khác hoặc kiểm tra quyền ghi.",
        "Cannot write to {path}: {reason}. Choose another folder or check permissions.",
    ),
    "input-not-found": _m(
        "fatal",
        "Không tìm thấy tệp hoặc thư mục {path}.",
        "File or folder {path} not found.",
    ),
    "no-input-files": _m(
        "fatal",
        "Không có tệp bảng tính nào (.xlsx, .xlsm, .xls, .ods) trong {paths}.",
        "No spreadsheet files (.xlsx, .xlsm, .xls, .ods) found in {paths}.",
    ),
    # --- reading a returned file ---------------------------------------------
    "file-empty": _m(
        "error",
        "Tệp rỗng (0 byte). Hãy gửi lại tệp báo cáo.",
        "The file is empty (0 bytes). Please send the report file again.",
    ),
    "file-too-large": _m(
        "error",
        "Tệp quá lớn ({size} MB, giới hạn {limit} MB). Biểu mẫu báo cáo chỉ vài chục KB; "
        "hãy gửi đúng tệp biểu mẫu đã điền.",
        "The file is too large ({size} MB, limit {limit} MB). The report form is a few "
        "tens of KB; send the filled-in form itself.",
    ),
    "not-a-spreadsheet": _m(
        "error",
        "Tệp không phải là bảng tính Excel/LibreOffice ({detail}). Hãy gửi tệp .xlsx, .xls "
        "hoặc .ods đã điền.",
        "The file is not an Excel/LibreOffice spreadsheet ({detail}). Send the filled-in "
        ".xlsx, .xls or .ods file.",
    ),
    "file-unreadable": _m(
        "error",
        "Không đọc được tệp: {reason}. Tệp có thể bị hỏng khi lưu hoặc gửi; hãy mở lại "
        "trong Excel, lưu lại và gửi lại.",
        "The file cannot be read: {reason}. It may have been damaged when saved or sent; "
        "open it in Excel, save it again and resend.",
    ),
    "file-password-protected": _m(
        "error",
        "Tệp được đặt mật khẩu mở tệp nên không đọc được. Hãy bỏ mật khẩu mở tệp "
        "(Tệp > Thông tin > Bảo vệ sổ làm việc) rồi gửi lại.",
        "The file is encrypted with an open password and cannot be read. Remove the "
        "password (File > Info > Protect Workbook) and resend.",
    ),
    "file-bomb": _m(
        "error",
        "Tệp có cấu trúc bất thường ({detail}) nên không được mở để bảo đảm an toàn. "
        "Hãy dùng đúng biểu mẫu đã được gửi.",
        "The file has an abnormal structure ({detail}) and was not opened, for safety. "
        "Use the form that was sent to you.",
    ),
    "file-unsupported-format": _m(
        "error",
        "Định dạng {format} chưa được hỗ trợ. Hãy lưu lại thành .xlsx (Excel Workbook) "
        "rồi gửi lại.",
        "Format {format} is not supported. Save the file as .xlsx (Excel Workbook) and resend.",
    ),
    "not-a-cchc-form": _m(
        "error",
        "Tệp không phải là biểu mẫu báo cáo của hệ thống (không tìm thấy thông tin nhận "
        "dạng hay bảng chỉ tiêu). Hãy điền vào đúng tệp biểu mẫu đã được gửi.",
        "The file is not one of our report forms (no identity sheet or indicator table "
        "found). Fill in the form file that was sent to you.",
    ),
    "metadata-missing": _m(
        "warning",
        "Tệp không còn trang thông tin nhận dạng ẩn (có thể dữ liệu đã được dán sang sổ "
        "làm việc mới); đơn vị và kỳ báo cáo được nhận dạng từ tiêu đề trang. Lần sau hãy "
        "điền trực tiếp vào tệp biểu mẫu.",
        "The hidden identity sheet is gone (the data may have been pasted into a new "
        "workbook); unit and period were identified from the visible heading. Next time "
        "fill in the form file itself.",
    ),
    "wrong-form": _m(
        "error",
        "Tệp là biểu mẫu “{found}”, không phải biểu mẫu “{expected}” đang tổng hợp. "
        "Hãy gửi đúng biểu mẫu.",
        "The file is form “{found}”, not the form “{expected}” being merged. Send the right form.",
    ),
    "form-version-old": _m(
        "error",
        "Tệp dùng phiên bản biểu mẫu cũ ({found}); phiên bản hiện hành là {expected}. "
        "Hãy điền vào biểu mẫu mới đã được gửi.",
        "The file uses an old form version ({found}); the current version is {expected}. "
        "Fill in the new form that was sent.",
    ),
    "form-version-newer": _m(
        "warning",
        "Tệp dùng phiên bản biểu mẫu {found}, mới hơn phiên bản {expected} của công cụ; "
        "hãy cập nhật bộ biểu mẫu.",
        "The file uses form version {found}, newer than the tool's {expected}; update the form pack.",
    ),
    "unknown-unit": _m(
        "error",
        "Mã đơn vị “{unit}” không có trong danh sách đơn vị. Hãy dùng biểu mẫu đã gửi "
        "riêng cho đơn vị mình.",
        "Unit code “{unit}” is not in the units list. Use the form sent to your own unit.",
    ),
    "unit-unexpected": _m(
        "error",
        "Tệp là báo cáo của đơn vị “{found}”, không phải “{expected}” như mong đợi.",
        "The file is the report of unit “{found}”, not “{expected}” as expected.",
    ),
    "period-mismatch": _m(
        "error",
        "Tệp là báo cáo kỳ “{found}”, không phải kỳ “{expected}” đang tổng hợp. Hãy điền "
        "biểu mẫu của kỳ {expected}.",
        "The file reports period “{found}”, not “{expected}” being merged. Fill in the "
        "form for {expected}.",
    ),
    "layout-altered": _m(
        "error",
        "Bố cục biểu mẫu đã bị thay đổi ({detail}). Không chèn, xóa dòng/cột hay sửa tên "
        "chỉ tiêu; hãy nhập lại số liệu vào tệp biểu mẫu gốc.",
        "The form layout was changed ({detail}). Do not insert or delete rows/columns or "
        "edit indicator labels; re-enter the data in the original form file.",
    ),
    "label-changed": _m(
        "error",
        "Tên chỉ tiêu ở ô {cell} đã bị sửa thành “{value}” (đúng là “{expected}”). "
        "Hãy trả lại tên chỉ tiêu như biểu mẫu.",
        "The indicator label in {cell} was changed to “{value}” (expected “{expected}”). "
        "Restore the label as in the form.",
    ),
    "row-moved": _m(
        "error",
        "Chỉ tiêu {indicator} nằm ở dòng {found_row} thay vì dòng {expected_row} (đã chèn "
        "hoặc xóa dòng). Số liệu vẫn được đọc theo tên chỉ tiêu; hãy dùng biểu mẫu gốc.",
        "Indicator {indicator} is on row {found_row} instead of row {expected_row} (rows "
        "were inserted or deleted). The value was read by its label; use the original form.",
    ),
    "row-missing": _m(
        "error",
        "Không tìm thấy dòng chỉ tiêu {indicator} “{label}” (có thể đã bị xóa). Hãy nhập "
        "lại số liệu vào tệp biểu mẫu gốc.",
        "The row for indicator {indicator} “{label}” is missing (perhaps deleted). Re-enter "
        "the data in the original form file.",
    ),
    "protection-removed": _m(
        "warning",
        "Trang “{sheet}” đã bị bỏ bảo vệ. Số liệu vẫn được đọc, nhưng lần sau hãy không "
        "bỏ bảo vệ biểu mẫu.",
        "Sheet “{sheet}” is no longer protected. The data was read, but please keep the "
        "form protected next time.",
    ),
    "duplicate-unit": _m(
        "warning",
        "Đơn vị {unit} gửi nhiều tệp: dùng tệp mới hơn {newer}; tệp {older} bị thay thế "
        "({difference}).",
        "Unit {unit} sent several files: using the newer {newer}; {older} is superseded "
        "({difference}).",
    ),
    # --- cell values -----------------------------------------------------------
    "required-missing": _m(
        "error",
        "Chưa nhập “{label}”. Hãy nhập số liệu (nhập 0 nếu không có).",
        "“{label}” is empty. Enter a value (0 if there is none).",
    ),
    "not-a-number": _m(
        "error",
        "Ô này cần một con số, nhưng đang có chữ “{value}”. Hãy nhập số vào cột Số lượng "
        "và chuyển phần chữ sang cột Ghi chú.",
        "This cell needs a number but holds the text “{value}”. Enter the number under "
        "Số lượng and move the words to Ghi chú.",
    ),
    "not-a-whole-number": _m(
        "error",
        "“{label}” phải là số nguyên (không có phần thập phân), đang là {value}.",
        "“{label}” must be a whole number, found {value}.",
    ),
    "negative-number": _m(
        "error",
        "“{label}” không được là số âm, đang là {value}.",
        "“{label}” must not be negative, found {value}.",
    ),
    "below-minimum": _m(
        "error",
        "“{label}” phải từ {minimum} trở lên, đang là {value}.",
        "“{label}” must be at least {minimum}, found {value}.",
    ),
    "above-maximum": _m(
        "error",
        "“{label}” không được vượt quá {maximum}, đang là {value}. Hãy kiểm tra lại số liệu.",
        "“{label}” must not exceed {maximum}, found {value}. Check the figure.",
    ),
    "date-in-number-cell": _m(
        "error",
        "Ô này cần một con số nhưng đang chứa ngày tháng ({value}); có thể Excel đã tự đổi "
        "định dạng. Hãy định dạng ô là Số và nhập lại.",
        "This cell needs a number but holds a date ({value}); Excel may have reformatted "
        "it. Format the cell as Number and re-enter.",
    ),
    "boolean-in-number-cell": _m(
        "error",
        "Ô này cần một con số nhưng đang chứa giá trị đúng/sai ({value}). Hãy nhập số.",
        "This cell needs a number but holds a true/false value ({value}). Enter a number.",
    ),
    "formula-error": _m(
        "error",
        "Công thức trong ô cho kết quả lỗi {value}. Hãy nhập trực tiếp con số.",
        "The formula in this cell gives the error {value}. Enter the number directly.",
    ),
    "number-with-remark": _m(
        "warning",
        "Đã đọc số {number} từ “{value}”; phần chú thích “{remark}” được chuyển sang Ghi chú. "
        "Lần sau hãy chỉ nhập số vào cột Số lượng.",
        "Read the number {number} from “{value}”; the remark “{remark}” was moved to Ghi "
        "chú. Next time enter only the number under Số lượng.",
    ),
    "number-as-text": _m(
        "info",
        "Số được nhập dạng chữ (“{value}”), đã đọc là {number}.",
        "The number was typed as text (“{value}”); read as {number}.",
    ),
    "text-too-long": _m(
        "error",
        "Nội dung dài {length} ký tự, vượt giới hạn {limit} ký tự. Hãy rút gọn.",
        "The text is {length} characters long, over the limit of {limit}. Shorten it.",
    ),
    "legacy-encoding": _m(
        "warning",
        "Nội dung “{value}” có vẻ được gõ bằng bảng mã cũ (TCVN3/VNI) nên hiển thị sai "
        "dấu. Hãy gõ lại bằng Unicode.",
        "The text “{value}” looks typed in a legacy encoding (TCVN3/VNI) and shows "
        "garbled accents. Retype it in Unicode.",
    ),
    "rule-failed": _m(
        "warning",
        "{rule_message}",
        "{rule_message}",
    ),
    "outlier": _m(
        "warning",
        "“{label}” = {value} cao bất thường so với các đơn vị khác (trung vị {median}, "
        "ngưỡng {threshold}). Hãy kiểm tra lại số liệu.",
        "“{label}” = {value} is unusually high compared with other units (median {median}, "
        "threshold {threshold}). Check the figure.",
    ),
    # --- template ----------------------------------------------------------------
    # Texts written into the commune workbook itself (always rendered in Vietnamese).
    "template-instructions": _m(
        "info",
        "Hướng dẫn: chỉ nhập vào các ô nền vàng nhạt (cột Số lượng, cột Ghi chú, thông tin "
        "người báo cáo và trang “Ý kiến”); các ô khác đã được khóa. Cột Số lượng chỉ nhập số "
        "nguyên (nhập 0 nếu không có); lời giải thích ghi ở cột Ghi chú.",
        "Instructions: type only into the light-yellow cells (Số lượng, Ghi chú, the reporter "
        "details and the “Ý kiến” sheet); all other cells are locked. Số lượng takes whole "
        "numbers only (0 if none); explanations go under Ghi chú.",
    ),
    "template-value-prompt-title": _m("info", "Chỉ tiêu {code}", "Indicator {code}"),
    "template-value-error-title": _m("info", "Số liệu không hợp lệ", "Invalid figure"),
    "template-whole-range-error": _m(
        "info",
        "Chỉ nhập số nguyên từ {minimum} đến {maximum}. Lời giải thích (ví dụ “lồng ghép”, "
        "“lượt người”) hãy ghi ở cột Ghi chú.",
        "Enter a whole number from {minimum} to {maximum}. Put explanations (e.g. “lồng ghép”) "
        "under Ghi chú.",
    ),
    "template-whole-minimum-error": _m(
        "info",
        "Chỉ nhập số nguyên từ {minimum} trở lên. Lời giải thích hãy ghi ở cột Ghi chú.",
        "Enter a whole number of at least {minimum}. Put explanations under Ghi chú.",
    ),
    "template-decimal-range-error": _m(
        "info",
        "Chỉ nhập số từ {minimum} đến {maximum} (dấu phẩy là dấu thập phân). Lời giải thích "
        "hãy ghi ở cột Ghi chú.",
        "Enter a number from {minimum} to {maximum}. Put explanations under Ghi chú.",
    ),
    "template-note-prompt-title": _m("info", "Ghi chú", "Note"),
    "template-note-prompt": _m(
        "info",
        "Ghi chú, giải thích cho số liệu của dòng này (ví dụ “lồng ghép”, “lượt người”); "
        "tối đa {limit} ký tự.",
        "A note explaining this row's figure; at most {limit} characters.",
    ),
    "template-text-error-title": _m("info", "Nội dung quá dài", "Text too long"),
    "template-text-error": _m(
        "info",
        "Nội dung tối đa {limit} ký tự. Hãy rút gọn.",
        "At most {limit} characters. Please shorten the text.",
    ),
    "template-reporter-prompt": _m(
        "info",
        "Nhập {label} (người lập báo cáo).",
        "Enter the {label} (the person who prepared the report).",
    ),
    "template-answers-title": _m(
        "info",
        "Ý KIẾN, ĐÁNH GIÁ CỦA ĐƠN VỊ – {period_label}",
        "THE UNIT'S COMMENTS – {period_label}",
    ),
    "template-answers-hint": _m(
        "info",
        "Nhập câu trả lời vào các ô nền vàng nhạt ở cột B; mỗi ý một dòng (Alt+Enter để xuống "
        "dòng trong ô), tối đa {limit} ký tự mỗi ô.",
        "Type the answers into the light-yellow cells of column B; one point per line "
        "(Alt+Enter for a new line), at most {limit} characters per cell.",
    ),
    # Messages to the officer who runs `cchc template`.
    "template-done": _m(
        "info",
        "Đã tạo {count} biểu mẫu kỳ {period_label} trong {out}; danh sách tệp: {manifest}.",
        "Wrote {count} templates for {period_label} to {out}; file list: {manifest}.",
    ),
    "template-not-a-workbook": _m(
        "fatal",
        "Tệp {path} không phải là biểu mẫu do cchc tạo (thiếu trang thông tin nhận dạng).",
        "{path} is not a template written by cchc (the identity sheet is missing).",
    ),
    # --- libreoffice -------------------------------------------------------------
    "libreoffice-missing": _m(
        "fatal",
        "Không tìm thấy LibreOffice (lệnh soffice) trên máy này. Hãy cài LibreOffice "
        "(Debian/Ubuntu: apt-get install libreoffice-calc-nogui libreoffice-writer-nogui) "
        "hoặc đặt biến môi trường CCHC_SOFFICE là đường dẫn tới soffice.",
        "LibreOffice (the soffice command) was not found on this machine. Install LibreOffice "
        "(Debian/Ubuntu: apt-get install libreoffice-calc-nogui libreoffice-writer-nogui) "
        "or set CCHC_SOFFICE to the path of soffice.",
    ),
    "libreoffice-failed": _m(
        "fatal",
        "LibreOffice không chuyển được tệp {path} sang định dạng {format}: {reason}. "
        "Hãy mở thử tệp bằng LibreOffice để kiểm tra tệp có bị hỏng không.",
        "LibreOffice could not convert {path} to {format}: {reason}. "
        "Open the file in LibreOffice to check whether it is damaged.",
    ),
    "libreoffice-timeout": _m(
        "fatal",
        "LibreOffice chạy quá {seconds} giây khi chuyển tệp {path} nên đã bị dừng. "
        "Hãy thử lại; nếu vẫn lỗi, hãy đóng các cửa sổ LibreOffice đang mở.",
        "LibreOffice took more than {seconds} seconds converting {path} and was stopped. "
        "Try again; if it still fails, close any open LibreOffice windows.",
    ),
    # --- merge ---
    "merge-same-content": _m(
        "info",
        "cùng nội dung, gửi trùng",
        "identical content, sent twice",
    ),
    "merge-newer-time": _m(
        "info",
        "tệp dùng nhận lúc {newer_time}, tệp bị thay thế lúc {older_time}",
        "the file used arrived {newer_time}, the superseded one {older_time}",
    ),
    "merge-completeness": _m(
        "info",
        "{count}/{expected} đơn vị, {rate}",
        "{count}/{expected} units, {rate}",
    ),
    "merge-summary-submitted": _m(
        "info",
        "Đã nộp: {submitted}. Tính vào tổng hợp: {counted} đơn vị.",
        "Submitted: {submitted}. Counted in the totals: {counted} units.",
    ),
    "merge-summary-on-time": _m(
        "info",
        "Đúng hạn (hạn {deadline}): {on_time}.",
        "On time (deadline {deadline}): {on_time}.",
    ),
    "merge-summary-missing": _m(
        "warning",
        "Chưa nộp ({count}): {units}.",
        "Not submitted ({count}): {units}.",
    ),
    "merge-summary-invalid": _m(
        "warning",
        "Có lỗi, chưa tính vào tổng hợp ({count}): {units}.",
        "With errors, left out of the totals ({count}): {units}.",
    ),
    "merge-summary-other-files": _m(
        "info",
        "Tệp không dùng: {superseded} bị thay thế, {unmatched} không khớp đơn vị/kỳ/biểu mẫu, "
        "{unreadable} không đọc được (xem trang “Tình hình nộp”).",
        "Files not used: {superseded} superseded, {unmatched} matching no unit/period/form, "
        "{unreadable} unreadable (see the “Tình hình nộp” sheet).",
    ),
    "merge-written": _m(
        "info",
        "Đã ghi sổ tổng hợp: {path}",
        "Consolidated workbook written: {path}",
    ),
    "merge-long-written": _m(
        "info",
        "Đã ghi bảng số liệu dạng dài: {path}",
        "Long export written: {path}",
    ),
    "long-format-unsupported": _m(
        "fatal",
        "Không ghi được {path}: --long chỉ nhận tệp .csv hoặc .parquet.",
        "Cannot write {path}: --long takes a .csv or .parquet file only.",
    ),
    "merged-workbook-invalid": _m(
        "fatal",
        "Tệp {path} không phải là sổ tổng hợp do “cchc merge” tạo ({reason}). Hãy chạy lại "
        "“cchc merge” rồi dùng tệp kết quả.",
        "{path} is not a consolidated workbook written by “cchc merge” ({reason}). Run "
        "“cchc merge” again and use its output.",
    ),
    "merged-workbook-other-form": _m(
        "fatal",
        "Sổ tổng hợp {path} là của biểu mẫu “{found}”, không phải “{expected}”.",
        "The consolidated workbook {path} is for form “{found}”, not “{expected}”.",
    ),
    "received-csv-unusable": _m(
        "warning",
        "Không dùng được {path} ({reason}); thời điểm nhận sẽ lấy theo thời gian của tệp.",
        "Cannot use {path} ({reason}); the time received falls back to the file time.",
    ),
    "received-time-invalid": _m(
        "warning",
        "{path}, dòng {line}: thời điểm nhận “{value}” không đúng dạng ISO 8601 có múi giờ; "
        "tệp {file} sẽ lấy theo thời gian của tệp.",
        "{path}, line {line}: time received “{value}” is not ISO 8601 with a time zone; "
        "{file} falls back to the file time.",
    ),
    # --- validation ---------------------------------------------------------------
    "layout-detail-pack-edition": _m(
        "info",
        "tệp được tạo từ một bản khác của bộ biểu mẫu cùng phiên bản; hãy gửi lại biểu mẫu mới cho đơn vị",
        "the file was made from another edition of the form pack with the same version; send the unit the new form",
    ),
    "layout-detail-cell": _m(
        "info",
        "ô {sheet}!{cell} đang là “{found}”, đúng là “{expected}”",
        "cell {sheet}!{cell} holds “{found}”, expected “{expected}”",
    ),
    "layout-detail-more": _m(
        "info",
        "và {count} ô khác",
        "and {count} more cells",
    ),
    "layout-detail-column-moved": _m(
        "info",
        "cột “{heading}” đang ở cột {found} thay vì cột {expected} (đã chèn hoặc xóa cột)",
        "column “{heading}” is in column {found} instead of {expected} (columns were inserted or deleted)",
    ),
    "layout-detail-column-missing": _m(
        "info",
        "không thấy cột “{heading}” (cột {column})",
        "column “{heading}” (column {column}) is missing",
    ),
    "duplicate-different-values": _m(
        "info",
        "số liệu khác nhau ở chỉ tiêu {codes}",
        "figures differ for indicators {codes}",
    ),
    "duplicate-different-text": _m(
        "info",
        "số liệu giống nhau, phần ghi chú hoặc ý kiến khác nhau",
        "same figures, notes or comments differ",
    ),
    "duplicate-same-content": _m(
        "info",
        "nội dung hai tệp giống nhau",
        "both files have the same contents",
    ),
    "status-valid": _m("info", "hợp lệ", "valid"),
    "status-warnings": _m("info", "có cảnh báo", "warnings"),
    "status-invalid": _m("info", "có lỗi", "errors"),
    "status-unreadable": _m("info", "không đọc được", "unreadable"),
    "severity-error": _m("info", "Lỗi", "Error"),
    "severity-warning": _m("info", "Cảnh báo", "Warning"),
    "severity-info": _m("info", "Thông tin", "Info"),
    "validate-file-line": _m(
        "info",
        "{status} {unit} — {file}: {errors} lỗi, {warnings} cảnh báo",
        "{status} {unit} — {file}: {errors} errors, {warnings} warnings",
    ),
    "validate-summary": _m(
        "info",
        "Tổng cộng {files} tệp: {valid} hợp lệ, {warnings} có cảnh báo, {invalid} có lỗi, "
        "{unreadable} không đọc được.",
        "{files} files: {valid} valid, {warnings} with warnings, {invalid} with errors, "
        "{unreadable} unreadable.",
    ),
    "validate-valid-not-listed": _m(
        "info",
        "{count} tệp hợp lệ, không có phát hiện nào, không liệt kê ở trên (thêm --all để liệt kê từng tệp).",
        "{count} valid files without any finding are not listed above (add --all to list every file).",
    ),
    "validate-progress": _m("info", "Đang kiểm tra", "Checking"),
    "merge-progress": _m("info", "Đang đọc và kiểm tra các tệp", "Reading and checking the files"),
    "validate-unit-unknown": _m("info", "(chưa rõ đơn vị)", "(unit unknown)"),
    "validate-report-written": _m(
        "info",
        "Đã ghi bảng kết quả kiểm tra: {path}",
        "Findings workbook written: {path}",
    ),
    "validate-feedback-written": _m(
        "info",
        "Đã ghi {count} bản đánh dấu để gửi lại cho đơn vị vào {path}",
        "Wrote {count} marked-up copies for units to {path}",
    ),
    "validate-feedback-skipped": _m(
        "info",
        "Không tạo được bản đánh dấu cho {file} (tệp không đọc được); hãy báo đơn vị gửi lại tệp.",
        "No marked-up copy for {file} (the file cannot be read); ask the unit to send it again.",
    ),
    "findings-report-columns": _m(
        "info",
        "Tệp|Mã đơn vị|Tên đơn vị|Trạng thái|Mã lỗi|Mức độ|Trang|Ô|Chỉ tiêu|Giá trị|Nội dung",
        "File|Unit code|Unit name|Status|Code|Severity|Sheet|Cell|Indicator|Value|Message",
    ),
    "findings-report-sheet": _m("info", "Kết quả kiểm tra", "Findings"),
    "findings-report-no-findings": _m("info", "Không có lỗi hay cảnh báo.", "No errors or warnings."),
    "feedback-sheet": _m("info", "Cần sửa", "To fix"),
    "feedback-title": _m(
        "info",
        "CÁC ĐIỂM CẦN SỬA TRONG BÁO CÁO — {unit}",
        "POINTS TO FIX IN THE REPORT — {unit}",
    ),
    "feedback-intro": _m(
        "info",
        "Ô tô đỏ là lỗi phải sửa, ô tô vàng là cảnh báo cần xem lại; rê chuột vào ô để xem ghi chú. "
        "Sửa ngay trong tệp này (không chèn, xóa dòng hay cột) rồi gửi lại. Không cần xóa trang này.",
        "Red cells are errors to fix, yellow cells are warnings to check; hover a cell to read its comment. "
        "Fix them in this file (do not insert or delete rows or columns) and send it back. No need to delete this sheet.",
    ),
    "feedback-columns": _m(
        "info",
        "STT|Mức độ|Trang|Ô|Chỉ tiêu|Nội dung",
        "No.|Severity|Sheet|Cell|Indicator|Message",
    ),
    "feedback-recreated": _m(
        "info",
        "Tệp gốc ({format}) không sửa trực tiếp được nên bản này được tạo lại từ biểu mẫu với số liệu đã đọc; "
        "hãy điền tiếp vào bản này.",
        "The original ({format}) cannot be edited directly, so this copy was rebuilt from the form with the "
        "values read; continue in this copy.",
    ),
    # --- narrative (cchc draft) ---
    "draft-template-error": _m(
        "fatal",
        "Mẫu lời văn “{template}” của biểu mẫu có lỗi: {reason}. "
        "Hãy sửa tệp trong thư mục narrative/ của biểu mẫu.",
        "The wording template “{template}” of the form pack has an error: {reason}. "
        "Fix the file in the form pack's narrative/ folder.",
    ),
    "draft-input-unknown": _m(
        "fatal",
        "Không nhận ra tệp {path}: đây không phải sổ tổng hợp (cchc merge) cũng không phải "
        "biểu mẫu báo cáo của xã. Hãy chọn tệp do cchc merge tạo ra hoặc tệp biểu mẫu xã đã điền.",
        "Cannot tell what {path} is: neither a consolidated workbook (cchc merge) nor a commune's "
        "report template. Choose a file made by cchc merge or a filled commune template.",
    ),
    "draft-input-unreadable": _m(
        "fatal",
        "Không đọc được tệp {path}: {reason}",
        "Cannot read {path}: {reason}",
    ),
    "draft-written": _m(
        "info",
        "Đã ghi bản dự thảo báo cáo “{subject}”: {path}",
        "Wrote the report draft “{subject}”: {path}",
    ),
    "draft-previous-mismatch": _m(
        "fatal",
        "Không so sánh được với {previous}: {reason}. Hãy chọn (--previous) sổ tổng hợp cùng cấp, "
        "cùng biểu mẫu, của một kỳ trước {period}.",
        "Cannot compare with {previous}: {reason}. Choose (--previous) a workbook of the same level "
        "and form, from a period before {period}.",
    ),
    "draft-output-format": _m(
        "fatal",
        "Tệp kết quả {path} phải có đuôi .docx (Word) hoặc .md (Markdown).",
        "The output {path} must end in .docx (Word) or .md (Markdown).",
    ),
    "draft-source-has-errors": _m(
        "warning",
        "Lưu ý: tệp {path} còn {errors} lỗi; bản dự thảo chỉ dùng các số đọc được, "
        "ô lỗi để trống. Hãy chạy “cchc validate” để xem chi tiết.",
        "Note: {path} still has {errors} error(s); the draft uses only the figures that could be "
        "read and leaves the others blank. Run “cchc validate” for details.",
    ),
    # --- mail (cchc send / cchc collect) ---------------------------------------------
    "mail-manifest-invalid": _m(
        "fatal",
        "Danh sách gửi thư {path} có lỗi:\n{problems}\nHãy dùng tệp manifest.csv do lệnh cchc template tạo ra.",
        "The mailing list {path} has problems:\n{problems}\nUse the manifest.csv written by cchc template.",
    ),
    "mail-manifest-columns": _m(
        "fatal",
        "thiếu cột {columns}",
        "missing column(s) {columns}",
    ),
    "mail-template-invalid": _m(
        "fatal",
        "Mẫu nội dung thư trong {path} bị thiếu hoặc có lỗi: {reason}. Hãy kiểm tra các tệp "
        "email/subject.j2 và email/body.txt.j2 của bộ biểu mẫu.",
        "The e-mail wording in {path} is missing or broken: {reason}. Check email/subject.j2 "
        "and email/body.txt.j2 in the form pack.",
    ),
    "mail-period-unknown": _m(
        "fatal",
        "Không xác định được kỳ báo cáo cho thư (manifest.csv và tệp {path} đều không ghi kỳ). "
        "Hãy thêm tùy chọn --period, ví dụ --period 2020-H1.",
        "Cannot tell the reporting period for the e-mails (neither manifest.csv nor {path} "
        "records it). Add --period, e.g. --period 2020-H1.",
    ),
    "mail-from-missing": _m(
        "fatal",
        "Chưa có địa chỉ người gửi. Hãy thêm --from dia-chi@co-quan.gov.vn.",
        "No sender address. Add --from address@office.gov.vn.",
    ),
    "mail-smtp-host-missing": _m(
        "fatal",
        "Chưa có máy chủ gửi thư. Hãy thêm --smtp-host (ví dụ --smtp-host smtp.co-quan.gov.vn) "
        "hoặc dùng --dry-run --out THƯ_MỤC để chỉ ghi thư ra tệp .eml.",
        "No mail server given. Add --smtp-host (e.g. --smtp-host smtp.office.gov.vn) or use "
        "--dry-run --out DIR to write the messages as .eml files only.",
    ),
    "mail-no-email": _m(
        "warning",
        "Đơn vị {unit} “{name}” chưa có địa chỉ email hợp lệ (“{email}”) nên chưa được gửi "
        "biểu mẫu. Hãy bổ sung cột email trong danh sách đơn vị, tạo lại biểu mẫu hoặc gửi tay.",
        "Unit {unit} “{name}” has no valid e-mail address (“{email}”), so its template was not "
        "sent. Add the email column in the units list and regenerate, or send it by hand.",
    ),
    "mail-attachment-missing": _m(
        "error",
        "Không đọc được tệp biểu mẫu của đơn vị {unit} ({path}): {reason}. Hãy chạy lại cchc template.",
        "Cannot read the template of unit {unit} ({path}): {reason}. Run cchc template again.",
    ),
    "mail-attachment-changed": _m(
        "error",
        "Tệp biểu mẫu của đơn vị {unit} ({path}) đã bị thay đổi sau khi tạo (mã sha256 khác "
        "với manifest.csv) nên không được gửi. Hãy chạy lại cchc template.",
        "The template of unit {unit} ({path}) changed after it was made (sha256 differs from "
        "manifest.csv), so it was not sent. Run cchc template again.",
    ),
    "mail-send-log-unreadable": _m(
        "fatal",
        "Không đọc được nhật ký gửi thư {path}: {reason}. Hãy đổi tên tệp này rồi chạy lại.",
        "Cannot read the send log {path}: {reason}. Rename that file and run again.",
    ),
    "mail-smtp-connect-failed": _m(
        "fatal",
        "Không kết nối được máy chủ gửi thư {server}: {reason}. Hãy kiểm tra --smtp-host, "
        "--smtp-port, --ssl/--starttls và kết nối mạng.",
        "Cannot connect to the mail server {server}: {reason}. Check --smtp-host, --smtp-port, "
        "--ssl/--starttls and the network.",
    ),
    "mail-smtp-login-failed": _m(
        "fatal",
        "Máy chủ gửi thư {server} từ chối đăng nhập của “{user}”: {reason}. Hãy kiểm tra tên "
        "đăng nhập và mật khẩu (biến môi trường CCHC_SMTP_PASSWORD).",
        "The mail server {server} refused the login of “{user}”: {reason}. Check the user name "
        "and password (environment variable CCHC_SMTP_PASSWORD).",
    ),
    "mail-smtp-no-tls": _m(
        "fatal",
        "Máy chủ gửi thư {server} không hỗ trợ mã hóa (STARTTLS) nên mật khẩu không được gửi "
        "đi. Hãy dùng --ssl (thường là cổng 465) hoặc máy chủ khác.",
        "The mail server {server} offers no encryption (STARTTLS), so the password was not "
        "sent. Use --ssl (usually port 465) or another server.",
    ),
    "mail-recipient-refused": _m(
        "error",
        "Máy chủ không nhận thư gửi đơn vị {unit} ({email}): {reason}. Hãy kiểm tra địa chỉ "
        "email; lần chạy sau chỉ gửi lại các thư chưa gửi được.",
        "The server refused the message to unit {unit} ({email}): {reason}. Check the address; "
        "the next run sends only what has not gone out.",
    ),
    "mail-smtp-disconnected": _m(
        "fatal",
        "Mất kết nối với máy chủ gửi thư {server} khi gửi cho đơn vị {unit}: {reason}. Đã gửi "
        "{sent} thư và ghi vào nhật ký {log}; hãy chạy lại lệnh để gửi các thư còn lại.",
        "Lost the connection to the mail server {server} while sending to unit {unit}: {reason}. "
        "{sent} message(s) went out and are in the log {log}; run the command again to send the rest.",
    ),
    "mail-send-summary": _m(
        "info",
        "Đã gửi {sent} thư; {already} đơn vị đã nhận từ lần trước (không gửi lại); {failed} thư "
        "không gửi được; {no_email} đơn vị chưa có email. Nhật ký: {log}",
        "Sent {sent} message(s); {already} unit(s) already had theirs (not sent again); {failed} "
        "failed; {no_email} unit(s) without e-mail. Log: {log}",
    ),
    "mail-draft-summary": _m(
        "info",
        "Đã ghi {count} thư (.eml) vào {out}; mở bằng Outlook hoặc Thunderbird để gửi. "
        "{no_email} đơn vị chưa có email; {failed} đơn vị có lỗi tệp biểu mẫu.",
        "Wrote {count} message(s) (.eml) to {out}; open them in Outlook or Thunderbird to send. "
        "{no_email} unit(s) without e-mail; {failed} with a template file problem.",
    ),
    "mail-source-unknown": _m(
        "fatal",
        "Không nhận ra nguồn thư {source}. Dùng một thư mục chứa tệp .eml, một tệp mbox, một "
        "thư mục Maildir, hoặc địa chỉ imaps://ten-dang-nhap@may-chu/INBOX.",
        "Cannot tell what mail source {source} is. Use a folder of .eml files, an mbox file, a "
        "Maildir folder, or imaps://user@host/INBOX.",
    ),
    "mail-imap-url-invalid": _m(
        "fatal",
        "Địa chỉ hộp thư {source} không hợp lệ. Dùng dạng imaps://ten-dang-nhap@may-chu[:cổng]/INBOX.",
        "The mailbox address {source} is not valid. Use imaps://user@host[:port]/INBOX.",
    ),
    "mail-imap-connect-failed": _m(
        "fatal",
        "Không kết nối được hộp thư {source}: {reason}. Hãy kiểm tra tên máy chủ, cổng và kết nối mạng.",
        "Cannot connect to the mailbox {source}: {reason}. Check the host name, port and network.",
    ),
    "mail-imap-no-tls": _m(
        "fatal",
        "Máy chủ {source} không hỗ trợ mã hóa (STARTTLS) nên mật khẩu không được gửi đi. "
        "Hãy dùng imaps:// (cổng 993).",
        "The server {source} offers no encryption (STARTTLS), so the password was not sent. "
        "Use imaps:// (port 993).",
    ),
    "mail-imap-login-failed": _m(
        "fatal",
        "Hộp thư {source} từ chối đăng nhập của “{user}”: {reason}. Hãy kiểm tra tên đăng nhập "
        "và mật khẩu (biến môi trường CCHC_IMAP_PASSWORD). Chưa có tệp nào được lưu.",
        "The mailbox {source} refused the login of “{user}”: {reason}. Check the user name and "
        "password (environment variable CCHC_IMAP_PASSWORD). Nothing was saved.",
    ),
    "mail-imap-mailbox-not-found": _m(
        "fatal",
        "Không mở được thư mục “{mailbox}” của hộp thư {source}: {reason}. Hãy kiểm tra tên thư "
        "mục ở cuối địa chỉ (thường là INBOX).",
        "Cannot open the folder “{mailbox}” of {source}: {reason}. Check the folder name at the "
        "end of the address (usually INBOX).",
    ),
    "mail-imap-disconnected": _m(
        "fatal",
        "Mất kết nối với hộp thư {source}: {reason}.",
        "Lost the connection to the mailbox {source}: {reason}.",
    ),
    "mail-collect-interrupted": _m(
        "fatal",
        "Việc lấy thư từ {source} bị dừng giữa chừng: {reason} {saved} tệp đã lưu vẫn nằm "
        "trong {inbox} và đã ghi vào received.csv; hãy chạy lại lệnh để lấy tiếp (tệp trùng sẽ "
        "được bỏ qua).",
        "Collecting from {source} stopped part way: {reason} The {saved} file(s) already saved "
        "stay in {inbox} and are listed in received.csv; run the command again to continue "
        "(duplicates are skipped).",
    ),
    "mail-message-unreadable": _m(
        "warning",
        "Không đọc được thư {origin}: {reason}. Thư này bị bỏ qua; hãy mở bằng trình đọc thư để xem.",
        "Cannot read the message {origin}: {reason}. It was skipped; open it in a mail client to look.",
    ),
    "mail-message-too-large": _m(
        "warning",
        "Thư {origin} quá lớn ({size} MB, giới hạn {limit} MB) nên không được tải về. Hãy xem "
        "thư bằng trình đọc thư hoặc tăng --max-size.",
        "The message {origin} is too large ({size} MB, limit {limit} MB) and was not downloaded. "
        "Look at it in a mail client or raise --max-size.",
    ),
    "mail-attachment-too-large": _m(
        "warning",
        "Tệp đính kèm “{name}” trong thư {origin} quá lớn ({size} MB, giới hạn {limit} MB) nên "
        "không được lưu. Biểu mẫu chỉ vài chục KB; hãy đề nghị đơn vị gửi lại đúng tệp.",
        "The attachment “{name}” in {origin} is too large ({size} MB, limit {limit} MB) and was "
        "not saved. The form is a few tens of KB; ask the unit to send the right file.",
    ),
    "mail-attachment-empty": _m(
        "warning",
        "Tệp đính kèm “{name}” trong thư {origin} rỗng nên không được lưu.",
        "The attachment “{name}” in {origin} is empty and was not saved.",
    ),
    "mail-zip-unsafe": _m(
        "warning",
        "Tệp nén “{name}” trong thư {origin} không được giải nén ({detail}). Hãy đề nghị đơn vị "
        "gửi trực tiếp tệp bảng tính, không nén.",
        "The archive “{name}” in {origin} was not unpacked ({detail}). Ask the unit to send the "
        "spreadsheet itself, not zipped.",
    ),
    "mail-received-csv-unreadable": _m(
        "fatal",
        "Không đọc được {path}: {reason}. Tệp này ghi các thư đã lấy về; hãy sửa hoặc đổi tên "
        "nó rồi chạy lại (không có tệp nào bị ghi đè).",
        "Cannot read {path}: {reason}. It lists the mail already collected; fix or rename it "
        "and run again (nothing is overwritten).",
    ),
    "mail-sent-line": _m(
        "info",
        "Đã gửi: {unit} {name} → {email}",
        "Sent: {unit} {name} → {email}",
    ),
    "mail-drafted-line": _m(
        "info",
        "Đã ghi thư: {unit} {name} → {path}",
        "Wrote message: {unit} {name} → {path}",
    ),
    "mail-saved-line": _m(
        "info",
        "Đã lưu: {file} (từ {sender}, {received})",
        "Saved: {file} (from {sender}, {received})",
    ),
    "mail-collect-summary": _m(
        "info",
        "Đã đọc {messages} thư từ {source}: lưu {saved} tệp mới vào {inbox}; bỏ qua {duplicates} "
        "tệp trùng và {ignored} tệp đính kèm không phải bảng tính.",
        "Read {messages} message(s) from {source}: saved {saved} new file(s) into {inbox}; "
        "skipped {duplicates} duplicate(s) and {ignored} non-spreadsheet attachment(s).",
    ),
    # --- merge (console summary) ---
    "merge-summary-more-units": _m(
        "info",
        "{units} … và {count} đơn vị khác (xem trang “Tình hình nộp”)",
        "{units} … and {count} more units (see the sheet “Tình hình nộp”)",
    ),
    # --- mail (TLS) ---
    "tls-reason-unknown-issuer": _m(
        "info", "chứng chỉ do một tổ chức mà máy này không tin cậy cấp ({openssl})",
        "the certificate comes from an authority this computer does not trust ({openssl})"),
    "tls-reason-self-signed": _m(
        "info", "chứng chỉ tự ký, không do tổ chức cấp chứng chỉ nào xác nhận ({openssl})",
        "the certificate is self-signed, vouched for by no certificate authority ({openssl})"),
    "tls-reason-expired": _m("info", "chứng chỉ đã hết hạn ({openssl})", "the certificate has expired ({openssl})"),
    "tls-reason-not-yet-valid": _m(
        "info", "chứng chỉ chưa đến ngày có hiệu lực; hãy kiểm tra ngày giờ của máy tính ({openssl})",
        "the certificate is not valid yet; check this computer's date and time ({openssl})"),
    "tls-reason-wrong-name": _m(
        "info", "chứng chỉ cấp cho tên máy chủ khác, không phải tên đã nhập ({openssl})",
        "the certificate was issued for another server name than the one given ({openssl})"),
    "mail-tls-untrusted": _m(
        "fatal",
        "Không tin được chứng chỉ bảo mật (TLS) của máy chủ thư {server}: {reason}. Đã dừng "
        "kết nối, mật khẩu chưa được gửi đi. Nếu máy chủ của tỉnh dùng chứng chỉ do cơ quan tự "
        "cấp (CA riêng), hãy đặt biến môi trường SSL_CERT_FILE trỏ tới tệp chứng chỉ CA đó "
        "(.pem) rồi chạy lại; nếu không, hãy báo bộ phận CNTT vì kết nối có thể đang bị giả mạo.",
        "The TLS certificate of the mail server {server} is not trusted: {reason}. The connection "
        "was stopped and no password was sent. If the province's server uses a certificate from "
        "its own CA, set the environment variable SSL_CERT_FILE to that CA's certificate file "
        "(.pem) and run again; otherwise tell your IT staff, the connection may be intercepted.",
    ),
}


# Operating-system errors people meet, in Vietnamese (others keep the system's own text).
_OS_REASONS_VI = {
    errno.ENOENT: "không tồn tại",
    errno.ENOTDIR: "một phần của đường dẫn là tệp, không phải thư mục",
    errno.EISDIR: "đây là thư mục, không phải tệp",
    errno.EACCES: "không có quyền truy cập",
    errno.EPERM: "không được phép",
    errno.ENOSPC: "ổ đĩa đã đầy",
    errno.EROFS: "ổ đĩa chỉ cho đọc",
}


def os_reason(exc: BaseException) -> str:
    """Why an OS call failed, for a message: Vietnamese for the common cases, else the system's text."""
    code = getattr(exc, "errno", None)
    if current_lang() != "en" and code in _OS_REASONS_VI:
        return _OS_REASONS_VI[code]
    return getattr(exc, "strerror", None) or str(exc)


def current_lang() -> str:
    """Language for messages: CCHC_LANG (set by ``--lang``), Vietnamese by default."""
    lang = os.environ.get("CCHC_LANG", "vi").strip().lower()[:2]
    return lang if lang in LANGUAGES else "vi"


def severity(message_code: str) -> str:
    return CATALOGUE[message_code].severity


def render(message_code: str, lang: str | None = None, /, **params: object) -> str:
    """The message for ``message_code`` in ``lang`` (default: current), NFC-normalised.

    Positional-only so that a field may itself be called ``code``.
    """
    message = CATALOGUE[message_code]
    template = message.en if (lang or current_lang()) == "en" else message.vi
    return unicodedata.normalize("NFC", template.format(**params))


class CchcError(Exception):
    """A problem that stops a command; carries a catalogue code and its fields."""

    def __init__(self, message_code: str, /, **params: object):
        super().__init__(message_code)
        self.code = message_code
        self.params = params

    def message(self, lang: str | None = None) -> str:
        return render(self.code, lang, **self.params)

    def __str__(self) -> str:
        return self.message()
