#!/usr/bin/env bash
# django-otp.sh: the issue-10 throughput workload, django-otp against ours,
# in one run.
#
#   - django-otp: TOTPDevice.verify_token with right codes, every success a
#     write (last_t, drift, throttle reset: device.save()), one process, on
#     SQLite with Django's default rollback journal and again with WAL.
#     The devices are read before the clock starts: only verify_token is
#     timed (no lookup, no HTTP, no audit row), which favours django-otp.
#   - ours: BenchmarkHTTPVerifyAccepted (verifier/bench_test.go), right
#     codes over HTTP from parallel clients through the SQLite store, with
#     group commit (as `two-factor serve`) and with one transaction each.
#
# It installs nothing. Needs Debian's Django and django-otp:
#   apt-get install python3-django python3-django-otp
# (bookworm: Django 3.2, django-otp 1.1.3), run with /usr/bin/python3.
#
# Usage: bench/django-otp.sh [-n DEVICES]   (default 2000, at most 4000)
set -euo pipefail

n=2000
if [[ "${1:-}" == "-n" && -n "${2:-}" ]]; then n=$2; fi
py=/usr/bin/python3
if ! "$py" -c 'import django, django_otp' 2>/dev/null; then
	echo "django-otp.sh: needs Debian's python3-django and python3-django-otp (apt-get install python3-django python3-django-otp)" >&2
	exit 2
fi

cd "$(dirname "$0")/.."
work=$(mktemp -d "${TMPDIR:-/tmp}/django-otp-bench.XXXXXX")
trap 'rm -rf "$work"' EXIT

echo "== machine"
echo "date:       $(date -u +%Y-%m-%dT%H:%M:%SZ)"
echo "nproc:      $(nproc)"
echo "go:         $(go version)"
echo "django:     $("$py" -c 'import django; print(django.get_version())')"
echo "django-otp: $(dpkg-query -W -f='${Version}' python3-django-otp 2>/dev/null || echo unknown)"
echo "load:       $(cut -d' ' -f1-3 /proc/loadavg) (shared machine: expect noise)"
echo

# A throwaway Django project: settings plus the timing script.
cat >"$work/benchsettings.py" <<'PY'
import os
SECRET_KEY = "bench-only"
USE_TZ = True
INSTALLED_APPS = ["django.contrib.contenttypes", "django.contrib.auth",
                  "django_otp", "django_otp.plugins.otp_totp"]
DATABASES = {"default": {"ENGINE": "django.db.backends.sqlite3",
                         "NAME": os.environ["BENCH_DB"]}}
DEFAULT_AUTO_FIELD = "django.db.models.AutoField"
PY
cat >"$work/verify.py" <<'PY'
import os, sys, time
import django
from django.conf import settings
django.setup()
from django.core.management import call_command
from django.db import connection
from django.db.backends.signals import connection_created

journal = sys.argv[1]
n = int(sys.argv[2])

def set_journal(sender, connection, **kw):
    if journal == "wal":
        with connection.cursor() as c:
            c.execute("PRAGMA journal_mode=WAL")
connection_created.connect(set_journal)

call_command("migrate", verbosity=0)
from django.contrib.auth.models import User
from django_otp.plugins.otp_totp.models import TOTPDevice
from django_otp.oath import totp

users = User.objects.bulk_create([User(username="u%05d" % i) for i in range(n)])
users = list(User.objects.order_by("id"))
TOTPDevice.objects.bulk_create([TOTPDevice(user=u, name="phone", key=os.urandom(20).hex()) for u in users])
devices = list(TOTPDevice.objects.order_by("id"))
with connection.cursor() as c:
    mode = c.execute("PRAGMA journal_mode").fetchone()[0]
    sync = c.execute("PRAGMA synchronous").fetchone()[0]

# Codes for now; the run takes seconds, and tolerance 1 covers a step change.
codes = [totp(d.bin_key) for d in devices]
start = time.perf_counter()
ok = 0
for d, code in zip(devices, codes):
    if d.verify_token(code):
        ok += 1
elapsed = time.perf_counter() - start
if ok != n:
    sys.exit("only %d of %d right codes accepted" % (ok, n))
replays = sum(1 for d, code in zip(devices[:100], codes) if d.verify_token(code))
if replays:
    sys.exit("%d replayed codes accepted" % replays)
print("django-otp journal=%-6s synchronous=%s: %d verifications in %.3f s = %.0f verifications/s"
      % (mode, sync, n, elapsed, n / elapsed))
PY

declare -A django
for journal in default wal; do
	line=$(cd "$work" && BENCH_DB="$work/$journal.sqlite3" DJANGO_SETTINGS_MODULE=benchsettings PYTHONPATH="$work" "$py" verify.py "$journal" "$n")
	echo "$line"
	django[$journal]=$(sed -E 's/.* = ([0-9]+) verifications\/s/\1/' <<<"$line")
done
echo

echo "== ours: go test ./verifier -run '^\$' -bench HTTPVerifyAccepted -benchtime ${n}x -count 1"
ours=$(go test ./verifier -run '^$' -bench HTTPVerifyAccepted -benchtime "${n}x" -count 1 | tee /dev/stderr | grep '^Benchmark')
echo
rate() { grep -- "$1" <<<"$ours" | sed -E 's/.* ([0-9.]+) verifications\/s.*/\1/'; }
group=$(rate group-commit)
each=$(rate one-transaction-each)
awk -v g="$group" -v e="$each" -v d="${django[default]}" -v w="${django[wal]}" 'BEGIN {
	printf "== side by side (verifications/s)\n"
	printf "django-otp verify_token, default journal: %8.0f\n", d
	printf "django-otp verify_token, WAL:             %8.0f\n", w
	printf "ours over HTTP, one transaction each:     %8.0f  (%.1fx django-otp WAL)\n", e, e / w
	printf "ours over HTTP, group commit (serve):     %8.0f  (%.1fx django-otp WAL, %.1fx default journal)\n", g, g / w, g / d
}'
