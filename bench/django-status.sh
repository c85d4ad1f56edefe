#!/usr/bin/env bash
# django-status.sh: issue 11's performance target, measured side by side.
#
# `two-factor --django DB status NAMES...` against the management command
# that does what django-two-factor-auth's two_factor_status does
# (re-implemented in internal/djangosite/python/twofactorcmds, as the
# package is not in Debian), on the same Django database (django-otp 1.1.3
# schema, made by a real `manage.py migrate`) and the same 10,000 names,
# whole processes each time, interleaved so load on the shared machine hits
# both alike. Prints every run, the medians and the ratio (target: >= 20).
#
# It installs nothing. Needs Debian's python3-django and python3-django-otp
# (apt-get install python3-django python3-django-otp), run with /usr/bin/python3.
#
# Usage: bench/django-status.sh [-r REPETITIONS]   (default 5)
set -euo pipefail

reps=5
if [[ "${1:-}" == "-r" && -n "${2:-}" ]]; then reps=$2; fi
users=10000 devices=15000 enabled=9000
py=/usr/bin/python3
if ! "$py" -c 'import django, django_otp' 2>/dev/null; then
	echo "django-status.sh: needs Debian's python3-django and python3-django-otp (apt-get install python3-django python3-django-otp)" >&2
	exit 2
fi

cd "$(dirname "$0")/.."
work=$(mktemp -d "${TMPDIR:-/tmp}/django-status-bench.XXXXXX")
trap 'rm -rf "$work"' EXIT

echo "== machine"
echo "date:       $(date -u +%Y-%m-%dT%H:%M:%SZ)"
echo "cpu:        $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ //') ($(nproc) cores)"
echo "go:         $(go version)"
echo "django:     $("$py" -c 'import django; print(django.get_version())')"
echo "django-otp: $(dpkg-query -W -f='${Version}' python3-django-otp 2>/dev/null || echo unknown)"
echo "load:       $(cut -d' ' -f1-3 /proc/loadavg) (shared machine: expect noise)"
echo

# The same Django project the tests use, migrated, filled through the ORM
# (bulk_create) by the tests' worker.
cp -r internal/djangosite/python/. "$work/site"
export DJANGO_SETTINGS_MODULE=djsettings DJANGO_COLORS=nocolor PYTHONDONTWRITEBYTECODE=1
export DJANGOSITE_DB="$work/site/db.sqlite3"
(cd "$work/site" && "$py" manage.py migrate -v0)
echo "{\"op\":\"bulk_site\",\"users\":$users,\"devices\":$devices,\"enabled\":$enabled}" |
	(cd "$work/site" && "$py" worker.py) | grep -q '"ok": true' || { echo "filling the site failed" >&2; exit 1; }
go build -o "$work/two-factor" .
tf=("$work/two-factor" --django "$DJANGOSITE_DB")
HOME="$work" "${tf[@]}" init >/dev/null

mapfile -t names < <(seq -f 'u%06g' 0 $((users - 1)))
echo "== site: $users users, $devices devices ($enabled users with a confirmed 'default' TOTP device); ${#names[@]} names per run"

# Same output first: the comparison is only fair if both do the same job.
(cd "$work/site" && "$py" manage.py two_factor_status "${names[@]}") >"$work/django.out"
HOME="$work" "${tf[@]}" status "${names[@]}" >"$work/ours.out"
if ! cmp -s "$work/django.out" "$work/ours.out"; then
	echo "outputs differ:" >&2
	diff "$work/django.out" "$work/ours.out" | head >&2
	exit 1
fi
echo "outputs identical: $(wc -l <"$work/ours.out") lines"
echo

# ms NAME CMD...: runs CMD, prints its wall time in milliseconds.
ms() {
	local start end
	start=$(date +%s%N)
	"$@" >/dev/null
	end=$(date +%s%N)
	echo $(((end - start) / 1000000))
}

echo "== $reps interleaved runs (ms)"
printf '%-4s %12s %12s\n' run manage.py two-factor
django_ms=() ours_ms=()
for ((r = 1; r <= reps; r++)); do
	d=$(cd "$work/site" && ms "$py" manage.py two_factor_status "${names[@]}")
	o=$(HOME="$work" ms "${tf[@]}" status "${names[@]}")
	django_ms+=("$d") ours_ms+=("$o")
	printf '%-4s %12s %12s\n' "$r" "$d" "$o"
done
median() { printf '%s\n' "$@" | sort -n | awk '{a[NR]=$1} END {print (NR % 2) ? a[(NR+1)/2] : (a[NR/2] + a[NR/2+1]) / 2}'; }
dm=$(median "${django_ms[@]}") om=$(median "${ours_ms[@]}")
echo
echo "median manage.py two_factor_status: ${dm} ms"
echo "median two-factor --django status:  ${om} ms"
awk -v d="$dm" -v o="$om" 'BEGIN { r = d / (o > 0 ? o : 1); printf "ratio: %.1fx (target >= 20x)\n", r; exit (r >= 20 ? 0 : 1) }'
