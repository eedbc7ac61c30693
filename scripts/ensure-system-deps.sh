#!/usr/bin/env bash
# Installs what the test suite needs from Debian and npm, only where it is missing:
# PostgreSQL (a real server for the store tests), Chromium (browser tests), Pango (the
# board pack's PDF renderer), Apache with mod_auth_openidc and Node.js (the single sign-on
# example, tests/browser/test_sso_browser.py; its npm packages are installed by the
# Makefile with `npm ci` in deploy/sso/idp) and
# axe-core (accessibility checks, served to the browser from .tools/).
set -euo pipefail
cd "$(dirname "$0")/.."

missing=()
compgen -G "/usr/lib/postgresql/*/bin/initdb" >/dev/null || missing+=(postgresql)
[ -x /usr/bin/chromium ] || missing+=(chromium)
command -v npm >/dev/null || missing+=(npm)
command -v node >/dev/null || missing+=(nodejs)
[ -x /usr/sbin/apache2 ] || missing+=(apache2)
[ -f /usr/lib/apache2/modules/mod_auth_openidc.so ] || missing+=(libapache2-mod-auth-openidc)
# The board pack's PDF renderer (WeasyPrint) needs Pango; the font is shipped in the package.
ldconfig -p 2>/dev/null | grep -q "libpango-1.0.so" || missing+=(libpango-1.0-0)
ldconfig -p 2>/dev/null | grep -q "libpangoft2-1.0.so" || missing+=(libpangoft2-1.0-0)

if [ ${#missing[@]} -gt 0 ]; then
  if [ "$(id -u)" != 0 ]; then
    echo "The tests need these Debian packages: ${missing[*]}." >&2
    echo "Install them with: sudo apt-get install -y ${missing[*]}  (then run make test again)" >&2
    exit 1
  fi
  echo "Installing ${missing[*]} (apt)..."
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  # The tests run their own Apache on a loopback port (deploy/sso/apache-standalone.conf):
  # the system service Debian starts on port 80 after installing it is not wanted.
  if [[ " ${missing[*]} " == *" apache2 "* ]] && [ -d /run/systemd/system ]; then
    systemctl disable --now apache2 >/dev/null 2>&1 || true
  fi
fi

if [ ! -f .tools/node_modules/axe-core/axe.min.js ]; then
  echo "Installing axe-core (npm) into .tools/ ..."
  mkdir -p .tools
  npm install --silent --no-audit --no-fund --prefix .tools axe-core@4 >/dev/null
fi
