#!/usr/bin/env bash
# Set up a fresh machine for cchc-sheets: a virtual environment in .venv with the
# package and its test extras, plus (when run as root on Debian/Ubuntu and
# missing) LibreOffice, poppler-utils, Liberation fonts (fonts-liberation2 has the
# Vietnamese letters; metric-compatible with Times New Roman), Dovecot for the
# real-client and mail tests, and PostgreSQL (a private cluster is started by the tests
# for the ledger's store; the system service is not used) and Chromium with its driver
# for the web page's browser tests (Debian's build: nothing downloads a browser).
# Safe to run again: it only installs what is missing.
set -euo pipefail
cd "$(dirname "$0")/.."

need_system_packages() {
  ! command -v soffice >/dev/null || ! command -v pdftotext >/dev/null \
    || ! /usr/bin/python3 -c "import uno" 2>/dev/null \
    || ! command -v dovecot >/dev/null \
    || ! ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 \
    || ! command -v chromium >/dev/null || ! command -v chromedriver >/dev/null \
    || ! fc-list ':charset=1ec7' family 2>/dev/null | grep -qi "Liberation Serif"   # ệ: Vietnamese glyphs
}

if need_system_packages && [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
  echo "== installing LibreOffice, poppler-utils, Liberation fonts, dovecot-imapd, postgresql, chromium (Debian packages)"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends \
    libreoffice-calc-nogui libreoffice-writer-nogui python3-uno \
    poppler-utils fonts-liberation fonts-liberation2 dovecot-imapd postgresql \
    chromium chromium-driver fonts-dejavu-core >/dev/null
fi

PYTHON=${PYTHON:-python3}
if [ ! -x .venv/bin/python ]; then
  echo "== creating .venv"
  "$PYTHON" -m venv .venv
fi
echo "== installing cchc-sheets into .venv"
.venv/bin/python -m pip install -q -e '.[test]'
