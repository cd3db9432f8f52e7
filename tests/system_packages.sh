#!/bin/sh
# What `make test` needs outside Python, set up before any test runs (usage: system_packages.sh PYTHON SANDBOX):
#   bubblewrap  the sandbox that isolates graded code: the security tests run inside it;
#   chromium    the browser of the site tests (or Playwright's own Chromium, where it can be downloaded);
#   postgresql  the server of the gradebook test on PostgreSQL.
# As root on Debian, apt-get installs what is missing. Otherwise the Python side's fallback is tried, and
# if something is still missing the run stops here with the one command that installs it.
set -eu
python=$1
sandbox=${2:-required}

missing=""
command -v bwrap >/dev/null 2>&1 || missing="$missing bubblewrap"
[ -x /usr/bin/chromium ] || missing="$missing chromium"
ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || missing="$missing postgresql"
[ -n "$missing" ] || exit 0

if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
  echo "make test: installing with apt-get:$missing"
  export DEBIAN_FRONTEND=noninteractive
  if apt-get update -qq && apt-get install -y -qq --no-install-recommends $missing >/dev/null; then
    echo "make test: installed$missing"
    exit 0
  fi
  echo "make test: apt-get could not install$missing (see its message above)" >&2
  exit 1
fi

still=""
for package in $missing; do
  case $package in
    chromium)
      if "$python" -m playwright install chromium >/dev/null 2>&1; then
        echo "make test: no Debian chromium; the site tests use Playwright's own Chromium"
      else
        still="$still chromium"
      fi ;;
    bubblewrap)
      if [ "$sandbox" = optional ]; then
        echo "make test: no bubblewrap; SANDBOX=optional, so the sandbox tests will be skipped"
      else
        still="$still bubblewrap"
      fi ;;
    *) still="$still $package" ;;
  esac
done
[ -n "$still" ] || exit 0
echo "make test: missing system packages:$still. Install them, then run make test again:" >&2
echo "    sudo apt-get install -y --no-install-recommends$still" >&2
case $still in
  *bubblewrap*) echo "(or run without the sandbox tests, knowing graded code is then not isolated: make test SANDBOX=optional)" >&2 ;;
esac
exit 1
