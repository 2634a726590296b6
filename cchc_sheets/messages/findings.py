"""Catalogue part: findings about a returned file (reading, cell values, validation, merge).

These are what a commune or an officer reads about one return, in reports, workbooks and copies.
"""
from ._message import _m

FINDINGS = {
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
    "file-reader-gave-up": _m(
        "error",
        "Chương trình đọc bảng tính đã phải dừng với tệp này (tệp đòi quá nhiều bộ nhớ hoặc làm bộ "
        "đọc ngừng đột ngột), nên không kiểm tra được; các tệp khác vẫn được kiểm tra bình thường. "
        "Tệp có thể bị hỏng hoặc không phải biểu mẫu đã gửi: hãy đề nghị đơn vị nhập số liệu vào "
        "biểu mẫu gốc, lưu lại và gửi lại.",
        "The spreadsheet reader had to give up on this file (it needed too much memory or made the "
        "reader stop), so it could not be checked; the other files were checked as usual. It may be "
        "damaged or not the template that was sent: ask the unit to enter its figures in the original "
        "template, save it and resend.",
    ),
    "not-a-regular-file": _m(
        "error",
        "Đường dẫn này không phải một tệp bảng tính thông thường mà là {kind}, nên không được mở. "
        "Hãy lưu bảng tính của đơn vị thành một tệp .xlsx rồi đặt vào thư mục cần kiểm tra.",
        "This path is not an ordinary spreadsheet file but {kind}, so it was not opened. "
        "Save the unit's spreadsheet as an .xlsx file and put it in the folder to check.",
    ),
    "file-permission-denied": _m(
        "error",
        "Không có quyền đọc tệp (hoặc thư mục) này, nên không kiểm tra được; tệp không hề bị hỏng vì lý do đó. "
        "Hãy đề nghị người quản lý máy cấp quyền đọc, hoặc sao chép tệp sang một thư mục của mình rồi kiểm tra lại.",
        "You are not allowed to read this file (or folder), so it could not be checked; that does not mean "
        "it is damaged. Ask whoever manages the computer for read access, or copy the file to a folder of "
        "your own and check it again.",
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
    "sheet-renamed": _m(
        "warning",
        "Trang “{expected}” của biểu mẫu đã bị đổi tên thành “{found}”; số liệu vẫn được đọc "
        "từ trang này. Lần sau hãy giữ nguyên tên trang của biểu mẫu.",
        "The form's sheet “{expected}” was renamed “{found}”; the data was still read from it. "
        "Next time keep the form's sheet names.",
    ),
    "metadata-invalid": _m(
        "error",
        "Thông tin nhận dạng ẩn của tệp không hợp lệ: {field} {found}. Tệp có thể đã bị "
        "sửa ngoài biểu mẫu; hãy điền vào đúng tệp biểu mẫu đã được gửi.",
        "The file's hidden identity is not valid: {field} {found}. The file may have been "
        "edited outside the form; fill in the form file that was sent to you.",
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
    "period-contradicts-heading": _m(
        "error",
        "Tiêu đề trang ghi kỳ “{found}”, nhưng thông tin nhận dạng ẩn của tệp là kỳ “{expected}”: "
        "tệp đã bị sửa ngoài biểu mẫu. Hãy điền vào đúng tệp biểu mẫu của kỳ báo cáo.",
        "The heading says period “{found}” but the file's hidden identity says “{expected}”: "
        "the file was edited outside the form. Fill in the form file sent for the period.",
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
    "sheets-added-more": _m(
        "warning",
        "Tệp còn có thêm {count} trang khác không thuộc biểu mẫu; các trang này không được đọc.",
        "The file has {count} more sheets that are not part of the form; they were not read.",
    ),
    "sheet-added": _m(
        "warning",
        "Tệp có thêm trang “{name}” không thuộc biểu mẫu; trang này không được đọc. Lần sau "
        "hãy không thêm trang vào biểu mẫu.",
        "The file has an extra sheet “{name}” that is not part of the form; it was not read. "
        "Next time do not add sheets to the form.",
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
    "number-too-long": _m(
        "error",
        "Ô này có một dãy {digits} chữ số (“{value}”), dài hơn mọi số liệu báo cáo (tối đa {limit}). "
        "Hãy kiểm tra và nhập lại con số.",
        "This cell holds a run of {digits} digits (“{value}”), longer than any reported figure "
        "(at most {limit}). Check it and enter the number again.",
    ),
    "number-not-finite": _m(
        "error",
        "Ô này chứa giá trị {what}, không phải một con số; thường do công thức lỗi hoặc tệp bị một "
        "chương trình khác sửa. Hãy nhập lại con số.",
        "This cell holds {what}, not a number; usually a failed formula or a file changed by another "
        "program. Enter the number again.",
    ),
    "not-a-number": _m(
        "error",
        "Ô này cần một con số, nhưng đang có chữ “{value}”. Hãy chỉ nhập số vào ô này "
        "và chuyển phần chữ sang cột Ghi chú.",
        "This cell needs a number but holds the text “{value}”. Enter only the number in this "
        "cell and move the words to Ghi chú.",
    ),
    "not-yes-no": _m(
        "error",
        "Ô “{label}” chỉ nhận Có hoặc Không, nhưng đang có “{value}”. Hãy chọn Có hoặc Không từ danh sách.",
        "The cell “{label}” takes Có (yes) or Không (no) but holds “{value}”. Choose one from the list.",
    ),
    "not-a-choice": _m(
        "error",
        "“{value}” không có trong danh sách của ô “{label}” ({choices}). Hãy chọn một giá trị từ danh sách.",
        "“{value}” is not in the list of the cell “{label}” ({choices}). Choose a value from the list.",
    ),
    "not-a-date": _m(
        "error",
        "Ô “{label}” cần một ngày, nhưng đang có “{value}”. Hãy nhập theo dạng ngày/tháng/năm, ví dụ 05/06/2020.",
        "The cell “{label}” needs a date but holds “{value}”. Enter it as day/month/year, e.g. 05/06/2020.",
    ),
    "computed-cell-changed": _m(
        "error",
        "Ô “{label}” được tính tự động bằng {expected}, nhưng trong tệp là {found} (đã bị nhập đè). "
        "Số liệu được tính lại từ các ô nhập; hãy dùng biểu mẫu gốc và không nhập vào ô nền xám.",
        "The cell “{label}” is computed as {expected} but the file holds {found} (it was typed over). "
        "The figure is recomputed from the input cells; use the original form and leave the grey cells alone.",
    ),
    "column-moved": _m(
        "error",
        "Cột “{column}” của bảng “{table}” nằm ở cột {found_column} thay vì cột {expected_column} (đã chèn "
        "hoặc xóa cột). Số liệu vẫn được đọc theo tiêu đề cột; hãy dùng biểu mẫu gốc.",
        "Column “{column}” of table “{table}” is in column {found_column} instead of {expected_column} "
        "(columns were inserted or deleted). Values were read by their header; use the original form.",
    ),
    "column-missing": _m(
        "error",
        "Không tìm thấy cột “{column}” của bảng “{table}” (tiêu đề cột đã bị xóa hoặc sửa). Hãy dùng biểu mẫu gốc.",
        "Column “{column}” of table “{table}” was not found (its header was deleted or edited). Use the original form.",
    ),
    "table-missing": _m(
        "error",
        "Không tìm thấy bảng “{table}” (trang “{sheet}”). Hãy dùng biểu mẫu gốc và không xóa, đổi tên trang.",
        "Table “{table}” (sheet “{sheet}”) was not found. Use the original form; do not delete or rename sheets.",
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
    "macros-present": _m(
        "info",
        "Tệp có kèm macro (VBA hoặc LibreOffice Basic). Macro không được chạy; số liệu được đọc đúng như "
        "đã lưu. Biểu mẫu gốc không có macro: nên dùng lại biểu mẫu gốc cho lần báo cáo sau.",
        "The file carries macros (VBA or LibreOffice Basic). They were not run; the figures were read as "
        "saved. The original template has no macros: use it again for the next report.",
    ),
    "formula-without-value": _m(
        "error",
        "Ô “{label}” có công thức nhưng kết quả chưa từng được tính và lưu (tệp được tạo hoặc lưu bằng "
        "một chương trình không tính công thức), nên không đọc được {entry}. Hãy nhập trực tiếp {entry} vào ô.",
        "The cell “{label}” holds a formula whose result was never calculated and saved (the file was made "
        "or saved by a program that does not calculate formulas), so {entry} cannot be read. Type {entry} "
        "into the cell instead.",
    ),
    "formula-error": _m(
        "error",
        "Công thức trong ô cho kết quả lỗi {value}. Hãy nhập trực tiếp con số.",
        "The formula in this cell gives the error {value}. Enter the number directly.",
    ),
    "number-with-remark": _m(
        "warning",
        "Đã đọc số {number} từ “{value}”; phần chú thích “{remark}” được chuyển sang Ghi chú. "
        "Lần sau hãy chỉ nhập số vào ô số liệu.",
        "Read the number {number} from “{value}”; the remark “{remark}” was moved to Ghi "
        "chú. Next time enter only the number in the figure's cell.",
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
    "rule-failed-at": _m(
        "warning",
        "{rule_message} (ô {cells})",
        "{rule_message} (cells {cells})",
    ),
    "outlier": _m(
        "warning",
        "“{label}” = {value} cao bất thường so với các đơn vị khác (trung vị {median}, "
        "ngưỡng {threshold}). Hãy kiểm tra lại số liệu.",
        "“{label}” = {value} is unusually high compared with other units (median {median}, "
        "threshold {threshold}). Check the figure.",
    ),
    "outlier-own-history": _m(
        "warning",
        "“{label}” = {value} khác xa các kỳ trước của chính đơn vị ({history}). Hãy kiểm tra lại số liệu.",
        "“{label}” = {value} is far from this unit's own earlier returns ({history}). Check the figure.",
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
    "merge-previous-compared": _m(
        "info",
        "So sánh với {period} (cột previous_value của bảng số liệu dạng dài): số liệu kỳ trước của "
        "{count} đơn vị hình thành sau sắp xếp là tổng số liệu của các đơn vị cũ hợp thành.",
        "Compared with {period} (column previous_value of the long export): the earlier figures of "
        "{count} units formed by a merger are the sums of the former units they were formed from.",
    ),
    "long-format-unsupported": _m(
        "fatal",
        "Không ghi được {path}: --long chỉ nhận tệp .csv hoặc .parquet.",
        "Cannot write {path}: --long takes a .csv or .parquet file only.",
    ),
    # --- a consolidated workbook read as the return of the unit it consolidates (lower_level)
    "lower-total-edited": _m(
        "error",
        "Ô {sheet}!{cell} của sổ tổng hợp cấp dưới ghi {value}, nhưng phần dữ liệu của sổ ghi {expected}: "
        "số liệu đã bị sửa tay sau khi tổng hợp. Hãy đề nghị cấp dưới chạy lại “cchc merge” và gửi lại sổ mới, "
        "không sửa số trên sổ.",
        "Cell {sheet}!{cell} of the lower-level consolidated workbook shows {value}, but its data part says "
        "{expected}: the figure was edited by hand after the merge. Ask the lower level to run “cchc merge” "
        "again and send the new workbook; do not edit figures on it.",
    ),
    "lower-records-mismatch": _m(
        "error",
        "Tổng của chỉ tiêu {indicator} trong sổ tổng hợp cấp dưới là {total}, nhưng cộng số liệu các đơn vị "
        "trong sổ được {added}. Hãy đề nghị cấp dưới chạy lại “cchc merge” và gửi lại sổ mới.",
        "The total of indicator {indicator} in the lower-level consolidated workbook is {total}, but its units' "
        "own figures add up to {added}. Ask the lower level to run “cchc merge” again and send the new workbook.",
    ),
    "lower-data-part-lost": _m(
        "warning",
        "Sổ tổng hợp cấp dưới đã được lưu lại bằng một chương trình làm mất phần dữ liệu (customXml); số liệu "
        "được đọc từ các bảng hiển thị (Tổng hợp, Chi tiết). Nên đề nghị cấp dưới gửi lại đúng tệp do "
        "“cchc merge” tạo.",
        "The lower-level consolidated workbook was re-saved by a program that dropped its data part "
        "(customXml); its figures were read from the visible tables (Tổng hợp, Chi tiết). Better ask the lower "
        "level for the file “cchc merge” wrote.",
    ),
    "lower-data-damaged": _m(
        "error",
        "Không đọc được phần dữ liệu của sổ tổng hợp cấp dưới ({reason}). Hãy đề nghị cấp dưới chạy lại "
        "“cchc merge” và gửi lại sổ mới.",
        "The data part of the lower-level consolidated workbook cannot be read ({reason}). Ask the lower level "
        "to run “cchc merge” again and send the new workbook.",
    ),
    "lower-form-version": _m(
        "error",
        "Sổ tổng hợp cấp dưới được lập theo phiên bản {found} của biểu mẫu, không phải phiên bản {expected} "
        "đang tổng hợp. Hãy đề nghị cấp dưới tổng hợp lại theo biểu mẫu phiên bản {expected}.",
        "The lower-level consolidated workbook was made with version {found} of the form, not version "
        "{expected} being merged. Ask the lower level to merge again with version {expected}.",
    ),
    "unit-merged": _m(
        "warning",
        "Tệp là báo cáo trên biểu mẫu của đơn vị cũ “{old}”, nay đã sáp nhập vào {unit}. Số liệu chỉ được "
        "tính cho {unit} khi cán bộ tổng hợp chấp nhận (--accept-predecessors); tốt nhất hãy đề nghị "
        "{unit} báo cáo trên biểu mẫu mới.",
        "The file is a return on the template of former unit “{old}”, now merged into {unit}. Its figures "
        "count for {unit} only when the officer accepts them (--accept-predecessors); better ask {unit} "
        "to report on its new template.",
    ),
    "lower-unit-twice": _m(
        "warning",
        "Đơn vị {unit} có trong sổ tổng hợp {file} và cả trong sổ {first}: chỉ tính một lần (theo sổ {first}).",
        "Unit {unit} is in consolidated workbook {file} and also in {first}: counted once (as in {first}).",
    ),
    "lower-units-not-counted": _m(
        "warning",
        "{count} đơn vị cấp dưới trong sổ này không được tính vào tổng hợp, qua sổ này hay bất kỳ sổ hoặc "
        "báo cáo nào khác: {units}. Lý do: {why} Hãy đề nghị cấp dưới gửi lại sổ đúng, hoặc các đơn vị "
        "này gửi báo cáo riêng.",
        "{count} lower units in this workbook are not counted, through it or through any other workbook "
        "or return: {units}. Why: {why} Ask the lower level to send a correct workbook, or these units "
        "to send their own returns.",
    ),
    "lower-left-out-counted-nowhere": _m(
        "info",
        "các đơn vị này có cả trong sổ {first}, nhưng sổ {first} không được tính; số liệu của chúng "
        "được tính qua sổ này.",
        "these units are also in {first}, which is not counted; their figures count through this workbook.",
    ),
    "lower-rejected-older-used": _m(
        "warning",
        "Sổ tổng hợp mới hơn này của {unit} không được tính ({why}); số liệu của {unit} lấy từ sổ {used} "
        "gửi trước đó, không có lỗi. Hãy đề nghị {unit} gửi lại sổ đúng nếu sổ {used} đã cũ.",
        "This newer consolidated workbook of {unit} is not counted ({why}); {unit}'s figures are taken "
        "from {used}, sent earlier, which has no errors. Ask {unit} to send a correct workbook if {used} "
        "is out of date.",
    ),
    "lower-from-direct-returns": _m(
        "warning",
        "Số liệu của {unit} được cộng từ báo cáo riêng của {counted}/{expected} đơn vị cấp dưới, vì sổ "
        "tổng hợp của {unit} không được tính ({why}). Hãy đề nghị {unit} gửi sổ tổng hợp đúng.",
        "{unit}'s figures are added up from the own returns of {counted}/{expected} lower units, because "
        "{unit}'s consolidated workbook is not counted ({why}). Ask {unit} to send a correct consolidated "
        "workbook.",
    ),
    "lower-direct-returns-invalid": _m(
        "error",
        "Chưa tính {unit}: sổ tổng hợp của {unit} không được tính ({why}), và báo cáo riêng của {count} đơn "
        "vị cấp dưới gửi trực tiếp đều có lỗi ({units}). Hãy xem lỗi của từng tệp trong danh sách tệp đầu vào.",
        "{unit} is not counted: {unit}'s consolidated workbook is not counted ({why}), and the own returns of "
        "the {count} lower units sent directly all have errors ({units}). See each file's errors in the list "
        "of input files.",
    ),
    "lower-workbook-not-received": _m(
        "info",
        "chưa nhận được sổ tổng hợp",
        "no consolidated workbook received",
    ),
    "lower-replaced-by-returns": _m(
        "warning",
        "Sổ tổng hợp này của {unit} không được tính ({why}); số liệu của {unit} được cộng từ báo cáo "
        "riêng của các đơn vị cấp dưới gửi trực tiếp.",
        "This consolidated workbook of {unit} is not counted ({why}); {unit}'s figures are added up from "
        "the returns its lower units sent directly.",
    ),
    "lower-unit-counted-via": _m(
        "info",
        "Đơn vị {unit} đã được tính trong sổ tổng hợp của {via} ({file}); báo cáo riêng này không cộng "
        "thêm để khỏi tính hai lần.",
        "Unit {unit} is already counted in {via}'s consolidated workbook ({file}); this return of its own "
        "is not added again, so nothing counts twice.",
    ),
    "lower-unit-not-in-workbook": _m(
        "warning",
        "Đơn vị {unit} thuộc {via}, nhưng sổ tổng hợp của {via} ({file}) không tính đơn vị này, và báo cáo "
        "riêng không thể cộng vào sổ đó: đơn vị này chưa được tính. Hãy đề nghị {via} tổng hợp lại có "
        "cả {unit}.",
        "Unit {unit} belongs to {via}, but {via}'s consolidated workbook ({file}) does not count it, and a "
        "return of its own cannot be added into that workbook: this unit is not counted. Ask {via} to merge "
        "again including {unit}.",
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
    "validate-unit-merged-accepted": _m(
        "info",
        "{old} → tính cho {unit} (--accept-predecessors)",
        "{old} → counted for {unit} (--accept-predecessors)",
    ),
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
}
