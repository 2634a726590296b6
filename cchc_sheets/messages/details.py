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
}
