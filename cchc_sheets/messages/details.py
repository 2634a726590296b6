"""Catalogue part: phrases that go inside other messages (a reason, a detail, an OS error).

Their severity is ``detail``: they are never a finding or a screen line on their own.
"""
from ._message import _m


def _d(vi: str, en: str):
    return _m("detail", vi, en)


DETAILS = {
    # --- operating-system errors -------------------------------------------
    "os-not-found": _d("không tồn tại", "no such file or directory"),
    "os-not-a-directory": _d("một phần của đường dẫn là tệp, không phải thư mục",
                             "part of the path is a file, not a folder"),
    "os-is-a-directory": _d("đây là thư mục, không phải tệp", "this is a folder, not a file"),
    "os-access-denied": _d("không có quyền truy cập", "permission denied"),
    "os-not-permitted": _d("không được phép", "operation not permitted"),
    "os-disk-full": _d("ổ đĩa đã đầy", "no space left on the disk"),
    "os-read-only": _d("ổ đĩa chỉ cho đọc", "the disk is read-only"),
    # --- why a file could not be read (fields of file-unreadable, file-bomb, not-a-spreadsheet)
    "detail-structure-damaged": _d("cấu trúc bảng tính bị hỏng", "the workbook structure is damaged"),
    "detail-content-pdf": _d("nội dung là tệp PDF", "the content is a PDF file"),
    "detail-content-html": _d("nội dung là trang HTML/XML", "the content is an HTML/XML page"),
    "detail-zip-damaged": _d("tệp nén ZIP hỏng", "a damaged ZIP file"),
    "detail-content-image": _d("nội dung là ảnh", "the content is an image"),
    "detail-content-rtf": _d("nội dung là văn bản RTF", "the content is an RTF document"),
    "detail-content-text": _d("nội dung là văn bản thuần (CSV/TXT)", "the content is plain text (CSV/TXT)"),
    "detail-content-unknown": _d("định dạng không nhận ra", "unrecognised format"),
    "detail-content-docx": _d("nội dung là văn bản Word (.docx)", "the content is a Word document (.docx)"),
    "detail-content-pptx": _d("nội dung là bản trình chiếu (.pptx)", "the content is a presentation (.pptx)"),
    "detail-content-doc": _d("tài liệu Word (.doc)", "a Word document (.doc)"),
    "detail-ole-no-workbook": _d("tệp OLE không chứa bảng tính", "an OLE file without a workbook"),
    "detail-zip-no-spreadsheet": _d("tệp nén ZIP không chứa bảng tính", "a ZIP archive without a spreadsheet"),
    "detail-opendocument-type": _d("tài liệu OpenDocument loại {type}", "an OpenDocument of type {type}"),
    "detail-grid-too-large": _d("trang tính khai báo vùng {rows:,} dòng × {cols:,} cột",
                                "a sheet declares a grid of {rows:,} rows × {cols:,} columns"),
    "detail-zip-truncated": _d("tệp nén ZIP hỏng hoặc bị cắt cụt ({error})", "damaged or truncated ZIP ({error})"),
    "detail-xml-entities": _d("khai báo thực thể XML trong {part}", "XML entity declarations in {part}"),
    "detail-too-many-members": _d("{count} thành phần trong tệp nén", "{count} members in the package"),
    "detail-inflates-to": _d("giải nén ra {size} MB", "declares {size} MB uncompressed"),
    "detail-member-ratio": _d("{part} nén {ratio} lần", "{part} compressed {ratio}:1"),
    "detail-compression-unsupported": _d("kiểu nén {method} không được hỗ trợ",
                                         "compression method {method} not supported"),
    "detail-member-crc": _d("thành phần {part} bị hỏng (CRC)", "member {part} is damaged (CRC)"),
    "detail-member-damaged": _d("thành phần {part} bị hỏng", "member {part} is damaged"),
    "detail-member-damaged-because": _d("thành phần {part} bị hỏng ({error})", "member {part} is damaged ({error})"),
    "detail-truncated": _d("tệp bị cắt cụt", "the file is truncated"),
    "detail-member-beyond-size": _d("{part} giải nén ra nhiều hơn kích thước khai báo ({size} byte)",
                                    "{part} inflates beyond its declared size ({size} bytes)"),
    # --- problems of a form pack (a list in form-invalid) ---------------------
    "pack-problem": _d("{place}: {problem}", "{place}: {problem}"),
    "pack-missing": _d("thiếu {what}", "missing {what}"),
    "pack-not-text": _d("{what} phải là chữ", "{what} must be text"),
    "pack-not-mapping": _d("phải là một bảng khóa: giá trị", "must be a mapping"),
    "pack-not-list": _d("phải là một danh sách", "must be a list"),
    "pack-bad-version": _d("phiên bản phải là số nguyên ≥ 1", "version must be an integer ≥ 1"),
    "pack-subject-period": _d("trích yếu cần chứa {{period_label}}", "subject needs {{period_label}}"),
    "pack-five-columns": _d("cần đúng 5 cột (TT, Chỉ tiêu, Đơn vị tính, Số lượng, Ghi chú)",
                            "needs exactly 5 columns (TT, label, unit, value, note)"),
    "pack-no-indicators": _d("cần ít nhất một chỉ tiêu", "needs at least one indicator"),
    "pack-bad-code": _d("mã “{code}” chỉ gồm chữ, số và dấu chấm", "code “{code}” must be letters, digits and dots"),
    "pack-code-repeats": _d("mã “{code}” bị trùng", "code “{code}” repeats"),
    "pack-bad-kind": _d("loại “{kind}” không hợp lệ ({kinds})", "kind “{kind}” is not one of {kinds}"),
    "pack-bad-aggregate": _d("cách tổng hợp “{aggregate}” không hợp lệ", "aggregate “{aggregate}” is not valid"),
    "pack-parent-later": _d("chỉ tiêu cha “{parent}” phải đứng trước", "parent “{parent}” must come earlier"),
    "pack-max-below-min": _d("max nhỏ hơn min", "max is below min"),
    "pack-not-number": _d("{key} phải là số", "{key} must be a number"),
    "pack-bad-severity": _d("mức “{severity}” không hợp lệ (error, warning)", "severity “{severity}” is not error or warning"),
    "pack-unknown-indicators": _d("chỉ tiêu không tồn tại: {codes}", "unknown indicators: {codes}"),
    "pack-bad-condition": _d("điều kiện không hợp lệ ({error})", "condition not valid ({error})"),
    # --- other reasons ---------------------------------------------------------
    "detail-missing-columns": _d("thiếu cột {columns}", "missing columns {columns}"),
    "detail-data-too-large": _d("phần dữ liệu quá lớn ({size} byte)", "the data part is too large ({size} bytes)"),
    "detail-data-damaged": _d("phần dữ liệu hỏng ({error})", "the data part is damaged ({error})"),
    "detail-no-data-part": _d("thiếu phần dữ liệu của cchc merge (customXml)", "the cchc merge data part (customXml) is missing"),
    "detail-data-format": _d("phần dữ liệu theo định dạng {found}, phiên bản này chỉ đọc định dạng {expected}",
                             "the data part is in format {found}; this version reads format {expected} only"),
}
