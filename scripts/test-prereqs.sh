#!/usr/bin/env bash
# What the test suite needs beyond Python packages: Debian's Chromium (Playwright cannot
# download browsers here), the CJK fonts certificates print with, and a PostgreSQL server
# on 127.0.0.1:5432, and nginx (the reverse proxy the topology and fault tests put in front of two
# app replicas; installed, never started as a service). In CI (CI=true) a missing piece is an error; on a developer's machine
# we install what we can and the tests that still lack something skip with a message.
set -u
need_apt=()
command -v chromium >/dev/null 2>&1 || need_apt+=(chromium)
[ -e /usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc ] || need_apt+=(fonts-noto-cjk)
command -v nginx >/dev/null 2>&1 || [ -x /usr/sbin/nginx ] || need_apt+=(nginx)
if [ ${#need_apt[@]} -gt 0 ]; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "test-prereqs: installing ${need_apt[*]} from Debian's packages"
    (apt-get update -qq && apt-get install -y -qq "${need_apt[@]}") >/tmp/cpd-apt.log 2>&1 \
      || { echo "test-prereqs: apt-get failed, see /tmp/cpd-apt.log"; [ "${CI:-}" = true ] && exit 1; }
  else
    echo "test-prereqs: missing ${need_apt[*]}; install them (sudo apt-get install ${need_apt[*]}) or the tests that need them will skip"
    [ "${CI:-}" = true ] && exit 1
  fi
fi
if ! pg_isready -q -h 127.0.0.1 -p 5432 2>/dev/null; then
  if command -v pg_ctlcluster >/dev/null 2>&1 && [ "$(id -u)" = 0 ]; then
    echo "test-prereqs: starting the local PostgreSQL cluster"
    pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | head -n1)" main start || true
    for _ in $(seq 1 20); do pg_isready -q -h 127.0.0.1 -p 5432 && break; sleep 0.5; done
  fi
  if ! pg_isready -q -h 127.0.0.1 -p 5432 2>/dev/null; then
    echo "test-prereqs: no PostgreSQL on 127.0.0.1:5432; the store tests will skip (they fail in CI)"
    [ "${CI:-}" = true ] && exit 1
  fi
fi
exit 0
