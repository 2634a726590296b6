"""Catalogue part: what commands say (fatal set-up errors, template, LibreOffice, drafts, mail, screen lines)."""
from ._message import _m

COMMANDS = {
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
    "units-predecessor-listed": _m(
        "fatal",
        "dòng {line}: đơn vị cũ “{old}” của “{code}” vẫn còn là một đơn vị trong danh sách; đơn vị đã "
        "sáp nhập chỉ ghi ở cột đơn vị cũ (predecessors)",
        "line {line}: predecessor “{old}” of “{code}” is still a unit of the list; a merged unit belongs "
        "only in the predecessors column",
    ),
    "units-predecessor-twice": _m(
        "fatal",
        "dòng {line}: đơn vị cũ “{old}” được ghi cho cả “{first}” và “{code}”; mỗi đơn vị cũ chỉ sáp nhập vào "
        "một đơn vị mới (số liệu không chia được)",
        "line {line}: predecessor “{old}” is given for both “{first}” and “{code}”; an old unit merges into "
        "one new unit only (its figures cannot be split)",
    ),
    "units-crosswalk-unknown": _m(
        "fatal",
        "dòng {line}: mã mới “{code}” (của đơn vị cũ “{old}”) không có trong danh sách đơn vị",
        "line {line}: new code “{code}” (of old unit “{old}”) is not in the units list",
    ),
    "units-crosswalk-bad-line": _m(
        "fatal",
        "dòng {line}: cần mã cũ, mã mới và ngày sắp xếp dạng YYYY-MM-DD hoặc dd/mm/yyyy (có thể để trống)",
        "line {line}: needs the old code, the new code and a date of change as YYYY-MM-DD or dd/mm/yyyy "
        "(may be blank)",
    ),
    "units-two-parents": _m(
        "fatal",
        "dòng {line}: đơn vị “{code}” đã có ở dòng {first_line} với cấp trên “{first_parent}”, nay lại "
        "thuộc “{parent}”; mỗi đơn vị chỉ thuộc một cấp trên",
        "line {line}: unit “{code}” is already on line {first_line} under “{first_parent}”, here under "
        "“{parent}”; a unit has one parent only",
    ),
    "units-unknown-parent": _m(
        "fatal",
        "dòng {line}: cấp trên “{parent}” của đơn vị “{code}” không phải mã đơn vị nào trong danh sách, "
        "cũng không phải cơ quan cấp trên “{office}”",
        "line {line}: the parent “{parent}” of unit “{code}” is neither a unit code in the list nor the "
        "office above it, “{office}”",
    ),
    "units-parent-cycle": _m(
        "fatal",
        "dòng {line}: cấp trên của đơn vị “{code}” tạo thành vòng ({cycle}); hãy sửa cột cấp trên",
        "line {line}: the parents of unit “{code}” go round in a cycle ({cycle}); fix the parent column",
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
    "template-instructions-tables": _m(
        "info",
        "Hướng dẫn: chỉ nhập vào các ô nền vàng nhạt; các ô nền xám (tổng số, tỷ lệ) được tính tự động, "
        "không nhập đè. Ô số chỉ nhập số (nhập 0 nếu không có); ô Có/Không và ô lựa chọn chọn từ danh sách; "
        "ngày nhập theo dạng ngày/tháng/năm; lời giải thích ghi ở cột Ghi chú.",
        "Instructions: type only into the light-yellow cells; the grey cells (totals, ratios) are computed, "
        "do not type over them. Number cells take numbers only (0 if none); yes/no and choice cells take a value "
        "from their list; dates as day/month/year; explanations go under Ghi chú.",
    ),
    "template-cell-prompt-title": _m("info", "Dòng {row}, cột {column}", "Row {row}, column {column}"),
    "template-decimal-minimum-error": _m(
        "info",
        "Chỉ nhập số từ {minimum} trở lên (dấu phẩy là dấu thập phân). Lời giải thích hãy ghi ở cột Ghi chú.",
        "Enter a number of at least {minimum}. Put explanations under Ghi chú.",
    ),
    "template-choice-error": _m("info", "Chỉ chọn một trong các giá trị: {choices}.",
                                "Choose one of: {choices}."),
    "template-date-error": _m("info", "Nhập ngày theo dạng ngày/tháng/năm, ví dụ 05/06/2020.",
                              "Enter a date as day/month/year, e.g. 05/06/2020."),
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
    # --- cchc demo ------------------------------------------------------------
    "demo-output-templates": _m("info", "Biểu mẫu gửi xã", "Templates for the communes"),
    "demo-output-manifest": _m("info", "Danh sách gửi thư", "Mailing manifest"),
    "demo-output-returns": _m("info", "Báo cáo xã gửi về (mô phỏng)", "Simulated returns"),
    "demo-output-findings": _m("info", "Kết quả kiểm tra", "Findings workbook"),
    "demo-output-feedback": _m("info", "Bản đánh dấu gửi lại xã", "Marked-up copies for the communes"),
    "demo-output-merged": _m("info", "Sổ tổng hợp", "Consolidated workbook"),
    "demo-output-long": _m("info", "Dữ liệu dạng dài", "Long export"),
    "demo-output-draft": _m("info", "Dự thảo báo cáo huyện", "District report draft"),
    "demo-output-commune-draft": _m("info", "Dự thảo báo cáo của một xã", "One commune's report draft"),
    "demo-summary-units": _m(
        "info",
        "Đơn vị: {expected}; đã gửi: {submitted}; được tổng hợp: {counted}; chưa gửi: {missing}",
        "Units: {expected}; submitted: {submitted}; counted: {counted}; not submitted: {missing}",
    ),
    "demo-summary-files": _m(
        "info",
        "Tệp nhận: {files} (hợp lệ {valid}, có cảnh báo {warnings}, có lỗi {invalid}, không đọc được {unreadable})",
        "Files received: {files} (valid {valid}, with warnings {warnings}, with errors {invalid}, "
        "unreadable {unreadable})",
    ),
    "demo-summary-totals": _m("info", "Tổng: {totals}", "Totals: {totals}"),
    "demo-summary-scenarios": _m("info", "Tình huống mô phỏng: {scenarios}; chưa gửi: {missing}",
                                 "Simulated cases: {scenarios}; not submitted: {missing}"),
    "demo-scenario": _m("info", "{unit}: {scenario}", "{unit}: {scenario}"),
    "demo-scenario-clean": _m("info", "điền đúng", "filled in correctly"),
    "demo-scenario-reference": _m("info", "số liệu như báo cáo mẫu (6(lồng ghép), 600 (Lượt người), 02)",
                                  "figures as in the reference report (6(lồng ghép), 600 (Lượt người), 02)"),
    "demo-scenario-messy": _m("info", "nhập lẫn chữ và số 0 ở đầu", "text mixed with numbers, leading zeros"),
    "demo-scenario-late": _m("info", "gửi muộn", "sent late"),
    "demo-scenario-inserted-row": _m("info", "tự chèn thêm dòng", "a row inserted"),
    "demo-scenario-twice-older": _m("info", "gửi lần 1", "first sending"),
    "demo-scenario-twice": _m("info", "gửi lần 2 (thay lần 1)", "second sending (replaces the first)"),
    "demo-scenario-ods": _m("info", "lưu lại bằng LibreOffice dạng .ods", "re-saved by LibreOffice as .ods"),
    "demo-scenario-xls": _m("info", "lưu lại dạng .xls", "re-saved as .xls"),
    "merge-previous-needs-long": _m("fatal", "--previous cần --long TỆP.csv (so sánh nằm ở cột previous_value).",
                                    "--previous needs --long FILE.csv (the comparison is its previous_value column)."),
    "demo-scenario-messy-numbers": _m("info", "số có dấu chấm ngăn cách (1.200) và số kèm chữ (12 hồ sơ)",
                                      "numbers typed with dots (1.200) and with words (12 hồ sơ)"),
    "demo-scenario-typed-over": _m("info", "gõ đè lên ô tổng tự tính", "a computed total typed over"),
    "demo-scenario-broken-rule": _m("info", "số nhận khác số đã giải quyết cộng đang giải quyết (sai quy tắc dòng)",
                                    "a row rule broken"),
    "demo-scenario-percent": _m("info", "tỷ lệ gõ dạng chữ '95,5%'", "a percent typed as '95,5%'"),
    "demo-scenario-kinds": _m("info", "Có/Không gõ 'x', 'có'; lựa chọn gõ theo tên; ngày gõ '5/6/2020'",
                              "yes/no typed 'x', 'có'; a choice by its label; a date typed '5/6/2020'"),
    "demo-step-failed": _m("warning", "Chưa làm được bước {step}: {reason}", "Step {step} could not be done: {reason}"),
    "mail-dry-run-needs-out": _m("fatal", "--dry-run cần --out THƯ_MỤC (nơi ghi các thư .eml).",
                                 "--dry-run needs --out DIR (where the .eml messages are written)."),
    "mail-smtp-password-prompt": _m("info", "Mật khẩu email của {user}", "E-mail password of {user}"),
    "mail-imap-password-prompt": _m("info", "Mật khẩu hộp thư của {user}", "Mailbox password of {user}"),
    # --- cchc form (check, init, list) ---------------------------------------
    "form-init-exists": _m(
        "fatal",
        "Tệp {path} đã có. Hãy chọn tên khác hoặc thêm --force để ghi đè.",
        "{path} already exists. Choose another name or add --force to overwrite it.",
    ),
    "form-init-done": _m(
        "info",
        "Đã tạo biểu mẫu mẫu {path}. Sửa các trang theo hướng dẫn ở trang “ghi-chu”, rồi chạy: cchc form check {path}",
        "Wrote the starter form {path}. Edit its sheets as the “ghi-chu” sheet explains, then run: cchc form check {path}",
    ),
    "form-check-clean": _m(
        "info",
        "{path}: biểu mẫu {form_id} phiên bản {version} hợp lệ: {tables} bảng, {cells} ô "
        "({computed} ô tự tính), {rules} quy tắc kiểm tra.",
        "{path}: form {form_id} version {version} is valid: {tables} table(s), {cells} cell(s) "
        "({computed} computed), {rules} rule(s).",
    ),
    "form-check-problems": _m(
        "info",
        "{path}: có {count} lỗi cần sửa:",
        "{path}: {count} problem(s) to fix:",
    ),
    "form-check-unreadable": _m(
        "info",
        "không đọc được tệp ({error})",
        "the file cannot be read ({error})",
    ),
    "form-list-line": _m(
        "info",
        "{form_id} (phiên bản {version}): {title}; {tables} bảng, {cells} ô; {path}",
        "{form_id} (version {version}): {title}; {tables} table(s), {cells} cell(s); {path}",
    ),
    "form-list-broken": _m(
        "info",
        "{form_id}: có lỗi, chạy cchc form check {form_id}; {path}",
        "{form_id}: has problems, run cchc form check {form_id}; {path}",
    ),
    "form-list-empty": _m(
        "info",
        "Không có biểu mẫu nào trong {root}.",
        "No form packs in {root}.",
    ),
    # --- workspace and ledger (cchc_sheets.workspace, cchc_sheets.ledger) ------
    "workspace-not-empty": _m(
        "fatal",
        "Thư mục {path} đã có tệp; không tạo không gian làm việc đè lên. "
        "Hãy chọn một thư mục mới hoặc thư mục trống.",
        "Folder {path} is not empty; a workspace is not made over it. Choose a new or empty folder.",
    ),
    "workspace-not-found": _m(
        "fatal",
        "Không tìm thấy không gian làm việc (tệp cchc.yaml) tại {path} hay thư mục cha nào của nó. "
        "Tạo bằng cchc init, hoặc chỉ đúng thư mục bằng --workspace hay CCHC_WORKSPACE.",
        "No workspace (a cchc.yaml file) at {path} or any folder above it. "
        "Make one with cchc init, or name the right folder with --workspace or CCHC_WORKSPACE.",
    ),
    "workspace-settings-invalid": _m(
        "fatal",
        "Tệp thiết lập {path} có lỗi: {reason}. Hãy sửa tệp hoặc tạo lại không gian làm việc.",
        "The settings file {path} has a problem: {reason}. Fix the file or make the workspace again.",
    ),
    "workspace-password-in-url": _m(
        "fatal",
        "Địa chỉ sổ theo dõi {url} có chứa mật khẩu; tệp thiết lập không bao giờ lưu mật khẩu. "
        "Bỏ mật khẩu khỏi địa chỉ và đặt nó trong PGPASSWORD hoặc tệp ~/.pgpass.",
        "The ledger address {url} holds a password; the settings file never keeps a password. "
        "Leave it out of the address and put it in PGPASSWORD or ~/.pgpass.",
    ),
    "workspace-busy": _m(
        "fatal",
        "Không gian làm việc {path} đang được một lệnh khác dùng ({holder}). "
        "Hãy đợi lệnh đó xong rồi chạy lại.",
        "Workspace {path} is in use by another command ({holder}). Wait for it to finish, then run again.",
    ),
    "ledger-newer-schema": _m(
        "fatal",
        "Sổ theo dõi {path} được tạo bởi phiên bản cchc-sheets mới hơn (lược đồ {found}, "
        "phiên bản này đọc tới {supported}). Sổ không bị thay đổi; hãy cập nhật cchc-sheets.",
        "Ledger {path} was made by a newer cchc-sheets (schema {found}, this version reads up to "
        "{supported}). It was left untouched; update cchc-sheets.",
    ),
    "ledger-damaged": _m(
        "fatal",
        "Sổ theo dõi {path} bị hỏng hoặc không phải cơ sở dữ liệu ({reason}). Sổ không bị ghi đè; "
        "hãy khôi phục từ bản sao lưu (cchc backup).",
        "Ledger {path} is damaged or not a database ({reason}). It was not overwritten; "
        "restore it from a backup (cchc backup).",
    ),
    "ledger-unreachable": _m(
        "fatal",
        "Không kết nối được sổ theo dõi {path}: {reason}.",
        "Cannot reach the ledger {path}: {reason}.",
    ),
    "ledger-period-locked": _m(
        "fatal",
        "Kỳ {period} của biểu mẫu {form} đã được khóa bởi {by} lúc {at}. Mở khóa trước (cchc unlock) nếu cần khóa lại.",
        "Period {period} of form {form} was already locked by {by} at {at}. Unlock it first (cchc unlock) to lock it again.",
    ),
    "ledger-period-not-locked": _m(
        "fatal",
        "Kỳ {period} của biểu mẫu {form} chưa bị khóa; không có gì để mở khóa.",
        "Period {period} of form {form} is not locked; there is nothing to unlock.",
    ),
    "ledger-unlock-needs-reason": _m(
        "fatal",
        "Mở khóa kỳ {period} cần ghi lý do (--reason) và người mở khóa (--by).",
        "Unlocking period {period} needs a reason (--reason) and who does it (--by).",
    ),
    "ledger-backup-unsupported": _m(
        "fatal",
        "Sổ theo dõi {path} nằm trên máy chủ PostgreSQL; cchc backup chỉ sao lưu sổ SQLite. "
        "Hãy dùng pg_dump trên máy chủ.",
        "Ledger {path} is on a PostgreSQL server; cchc backup copies only an SQLite ledger. "
        "Use pg_dump on the server.",
    ),
    # --- workspace commands (cchc init, status, history, audit, lock, unlock, backup) ---
    "workspace-init-done": _m(
        "info",
        "Đã tạo không gian làm việc {path}: biểu mẫu {form}, {units} đơn vị, sổ theo dõi {ledger}.",
        "Made the workspace {path}: form {form}, {units} units, ledger {ledger}.",
    ),
    "workspace-recorded": _m(
        "info",
        "Sổ theo dõi: ghi nhận {new} báo cáo mới, {known} đã có từ trước, {other} tệp khác.",
        "Ledger: {new} new returns recorded, {known} already there, {other} other files.",
    ),
    "workspace-draft-needs-source": _m(
        "fatal",
        "Cần chỉ tệp nguồn (SOURCE) cho dự thảo, hoặc chạy trong một không gian làm việc với --period.",
        "Name the draft's SOURCE file, or run inside a workspace with --period.",
    ),
    "status-period-none": _m(
        "fatal",
        "Sổ theo dõi chưa có báo cáo nào của biểu mẫu {form}; hãy chỉ kỳ bằng --period.",
        "The ledger has no return of form {form} yet; name the period with --period.",
    ),
    "status-header": _m(
        "info",
        "Kỳ {period} – biểu mẫu {form}{locked}: đã nộp {submitted}/{expected} ({completeness}), "
        "đúng hạn {on_time}/{expected} ({on_time_rate}), hạn {deadline}.",
        "Period {period} – form {form}{locked}: {submitted}/{expected} sent ({completeness}), "
        "{on_time}/{expected} on time ({on_time_rate}), deadline {deadline}.",
    ),
    "status-locked-mark": _m("info", " (đã khóa)", " (locked)"),
    "status-unit-line": _m(
        "info",
        "  {code}  {name}: {status}; {versions} lần gửi; {on_time}; thay đổi cuối {last_change}{after_lock}",
        "  {code}  {name}: {status}; {versions} versions; {on_time}; last change {last_change}{after_lock}",
    ),
    "status-after-lock-mark": _m(
        "info", "; {count} bản nhận sau khi khóa sổ (chưa tính)", "; {count} received after lock (not counted)"),
    "status-on-time": _m("info", "đúng hạn", "on time"),
    "status-late": _m("info", "trễ hạn", "late"),
    "status-not-sent": _m("info", "chưa nộp", "not sent"),
    "status-received-after-lock": _m("info", "nhận sau khi khóa sổ", "received after lock"),
    "history-none": _m("info", "Đơn vị {unit} chưa có báo cáo nào trong sổ theo dõi.",
                       "Unit {unit} has no return in the ledger."),
    "history-line": _m(
        "info",
        "{period} #{seq}  {received}  {status}{counted}  {file}",
        "{period} #{seq}  {received}  {status}{counted}  {file}",
    ),
    "history-counted-mark": _m("info", " (được tính)", " (counted)"),
    "history-predecessor-mark": _m(
        "info",
        "  (đơn vị cũ {old}, sáp nhập vào {unit} ngày {date})",
        "  (former unit {old}, merged into {unit} on {date})",
    ),
    "history-predecessor-mark-undated": _m(
        "info",
        "  (đơn vị cũ {old}, nay đã sáp nhập vào {unit})",
        "  (former unit {old}, since merged into {unit})",
    ),
    "audit-line": _m("info", "{at}  {kind}  {actor}  {period} {unit}  {detail}",
                     "{at}  {kind}  {actor}  {period} {unit}  {detail}"),
    "audit-none": _m("info", "Chưa có sự kiện nào.", "No events yet."),
    "merge-locked-workbook": _m(
        "info",
        "Kỳ {period} đã khóa sổ: số liệu trên là số đã khóa; sổ tổng hợp đã báo cáo lên được giữ tại {path}.",
        "Period {period} is locked: the figures above are the locked ones; the consolidated workbook reported "
        "upward is kept at {path}.",
    ),
    "merge-locked-workbook-lost": _m(
        "warning",
        "Kỳ {period} đã khóa sổ: số liệu trên là số đã khóa, nhưng bản sổ tổng hợp đã báo cáo lên (SHA-256 "
        "{sha256}) không còn trong thư mục làm việc và không dựng lại được đúng từng byte (phiên bản công cụ, "
        "danh sách đơn vị hoặc hạn nộp đã khác lúc khóa).",
        "Period {period} is locked: the figures above are the locked ones, but the consolidated workbook "
        "reported upward (SHA-256 {sha256}) is no longer in the workspace and could not be rebuilt byte for "
        "byte (the tool version, units list or deadline differ from the lock's).",
    ),
    "lock-done": _m(
        "info",
        "Đã khóa kỳ {period} ({by}); sổ tổng hợp báo cáo lên: {path} (SHA-256 {sha256}).",
        "Locked period {period} ({by}); the consolidated workbook reported upward: {path} (SHA-256 {sha256}).",
    ),
    "unlock-done": _m(
        "info",
        "Đã mở khóa kỳ {period} ({by}, lý do: {reason}); {changed} báo cáo đổi trạng thái.",
        "Unlocked period {period} ({by}, reason: {reason}); {changed} returns changed standing.",
    ),
    "backup-done": _m(
        "info",
        "Đã sao lưu sổ theo dõi vào {path}: {returns} báo cáo, {events} sự kiện.",
        "Backed up the ledger to {path}: {returns} returns, {events} events.",
    ),
    "remind-nobody": _m(
        "info",
        "Kỳ {period}: mọi đơn vị đã nộp và báo cáo không còn lỗi; không có ai cần nhắc.",
        "Period {period}: every unit has sent a return without errors; nobody to remind.",
    ),
    "feedback-nobody": _m(
        "info",
        "Kỳ {period}: không đơn vị nào có báo cáo còn lỗi; không có bản sửa lỗi nào để gửi.",
        "Period {period}: no unit's return has errors; no marked-up copy to send.",
    ),
}
