#!/usr/bin/env bash
# otp-peers.sh: measure otpcore side by side with its peers in one run.
#
#   - otpcore vs github.com/pquerna/otp (TOTP verify with skew/tolerance 1)
#   - otpcore code generation vs a bare crypto/hmac HMAC-SHA1 (as two
#     benchmarks, and interleaved within one for a load-robust ratio)
#   - a whole login's crypto (decrypt + key + window) vs pquerna's
#     ValidateCustom, interleaved (db's BenchmarkLoginPath)
#   - otpcore year-wide TOTP resync and 1000-counter HOTP resync
#   - OATH Toolkit's oathtool on comparable jobs: generating a million HOTP
#     codes, and searching a ±1-year TOTP window for one code
#
# Usage: bench/otp-peers.sh [-count N]   (default 5; medians are reported)
# Env:   BENCHSTAT=1 also prints benchstat's summary (fetches the pinned
#        golang.org/x/perf module through the Go module proxy).
#
# The raw `go test` output is kept in $OUT (printed at the end) so figures can
# be re-read or fed to benchstat later.
set -euo pipefail

count=5
if [[ "${1:-}" == "-count" && -n "${2:-}" ]]; then count=$2; fi

cd "$(dirname "$0")/.."
OUT=$(mktemp -d "${TMPDIR:-/tmp}/otp-peers.XXXXXX")

echo "== machine"
echo "date:     $(date -u +%Y-%m-%dT%H:%M:%SZ)"
echo "nproc:    $(nproc)"
echo "cpu:      $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//')"
echo "go:       $(go version)"
if command -v oathtool >/dev/null; then
	echo "oathtool: $(oathtool --version | head -1)"
else
	echo "oathtool: not installed (apt-get install oathtool); its timings are skipped"
fi
echo "load:     $(cut -d' ' -f1-3 /proc/loadavg) (shared machine: expect noise)"
echo

benchcmd=(go test -run '^$' -bench 'VerifyTOTP|Pquerna|GenerateCode|BareHMAC|Resync' -benchmem -count "$count" -cpu 1 ./otpcore/)
echo "== ${benchcmd[*]}"
"${benchcmd[@]}" | tee "$OUT/go-bench.txt"

# A login: decrypt the sealed keyed HMAC state, restore it, check the
# window; against pquerna's whole ValidateCustom, interleaved in one
# benchmark. Its floor case times the decryption and one HMAC alone.
logincmd=(go test -run '^$' -bench LoginPath -benchtime 20000x -count "$count" -cpu 1 ./db/)
echo "== ${logincmd[*]}"
"${logincmd[@]}" | tee "$OUT/login-bench.txt"
echo

# median NAME UNIT: median over the -count runs of the value before UNIT.
median() {
	awk -v name="$1" -v unit="$2" '
		$1 ~ /^Benchmark/ {
			n = $1; sub(/-[0-9]+$/, "", n)
			if (n != name) next
			for (i = 3; i <= NF; i++) if ($i == unit) v[++k] = $(i-1)
		}
		END {
			if (k == 0) { print "NA"; exit }
			for (i = 1; i <= k; i++) for (j = i + 1; j <= k; j++) if (v[j] < v[i]) { t = v[i]; v[i] = v[j]; v[j] = t }
			print (k % 2) ? v[(k + 1) / 2] : (v[k / 2] + v[k / 2 + 1]) / 2
		}' "$OUT/go-bench.txt"
}
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (a == "NA" || b == "NA" || b == 0) print "NA"; else printf "%.2f", a / b }'; }

# Time a command N times with the shell's nanosecond clock; print the median
# in nanoseconds.
time_median() {
	local n=$1; shift
	local ts=()
	for _ in $(seq "$n"); do
		local s e
		s=$(date +%s%N)
		"$@" >/dev/null 2>&1 || true
		e=$(date +%s%N)
		ts+=($((e - s)))
	done
	printf '%s\n' "${ts[@]}" | sort -n | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}

oath_gen_ns=NA oath_year_ns=NA oath_year_found=NA
if command -v oathtool >/dev/null; then
	key=3132333435363738393031323334353637383930 # the RFC 4226 key, as in the Go benchmarks
	now=1700000000
	radius=1054080 # otpcore.MaxResyncRadius: ±366 days of 30-second steps
	echo "== oathtool, median of $count runs each"
	# One million and one HOTP codes printed to /dev/null.
	oath_gen_ns=$(time_median "$count" oathtool -c 0 -w 1000000 "$key")
	echo "oathtool -c 0 -w 1000000 KEY > /dev/null: $oath_gen_ns ns (1000001 codes)"
	# One 8-digit code from the far edge of the window (8 digits so that a
	# chance match earlier in the 2.1 million candidates is unlikely); oathtool
	# tries 0, +1, -1, ..., so +radius is the last candidate.
	code=$(oathtool --totp -d 8 -N "@$((now + 30 * radius))" "$key")
	oath_year_found=$(oathtool --totp -d 8 -N "@$now" -w "$radius" "$key" "$code" || echo "not found")
	oath_year_ns=$(time_median "$count" oathtool --totp -d 8 -N "@$now" -w "$radius" "$key" "$code")
	echo "oathtool --totp -d 8 -N @$now -w $radius KEY CODE: $oath_year_ns ns (found at distance $oath_year_found)"
	echo
fi

v0=$(median BenchmarkVerifyTOTP/match=0 ns/op)
v1=$(median BenchmarkVerifyTOTP/match=+1 ns/op)
vm=$(median BenchmarkVerifyTOTP/miss ns/op)
p0=$(median BenchmarkPquernaValidateCustom/match=0 ns/op)
p1=$(median BenchmarkPquernaValidateCustom/match=+1 ns/op)
pm=$(median BenchmarkPquernaValidateCustom/miss ns/op)
gen=$(median BenchmarkGenerateCode ns/op)
bare=$(median BenchmarkBareHMACSHA1 ns/op)
pair=$(median BenchmarkGenerateVsBareHMAC gen/hmac)
pair_gen=$(median BenchmarkGenerateVsBareHMAC gen-ns/code)
pair_mac=$(median BenchmarkGenerateVsBareHMAC hmac-ns/code)
year=$(median BenchmarkResyncTOTPYear ns/op)
hotp=$(median BenchmarkResyncHOTP1000 ns/op)

echo "== summary (medians of -count $count, -cpu 1)"
printf '%-44s %14s %8s %10s\n' benchmark ns/op B/op allocs/op
for b in BenchmarkVerifyTOTP/match=0 BenchmarkVerifyTOTP/match=+1 BenchmarkVerifyTOTP/miss \
	BenchmarkPquernaValidateCustom/match=0 BenchmarkPquernaValidateCustom/match=+1 BenchmarkPquernaValidateCustom/miss \
	BenchmarkGenerateCode BenchmarkBareHMACSHA1 BenchmarkResyncTOTPYear BenchmarkResyncHOTP1000; do
	printf '%-44s %14s %8s %10s\n' "$b" "$(median "$b" ns/op)" "$(median "$b" B/op)" "$(median "$b" allocs/op)"
done
echo
echo "pquerna/otp ÷ otpcore, TOTP verify, match at 0:  $(ratio "$p0" "$v0")x"
echo "pquerna/otp ÷ otpcore, TOTP verify, match at +1: $(ratio "$p1" "$v1")x"
echo "pquerna/otp ÷ otpcore, TOTP verify, no match:    $(ratio "$pm" "$vm")x"
echo "otpcore generate ÷ bare HMAC-SHA1:               $(ratio "$gen" "$bare")x (target <= 1.25; consecutive benchmarks)"
echo "  the same, interleaved in one benchmark:        ${pair}x ($pair_gen vs $pair_mac ns per code; robust to load bursts)"
echo "otpcore year-wide TOTP resync:                   $(awk -v y="$year" 'BEGIN { if (y == "NA") print "NA"; else printf "%.3f s", y / 1e9 }') for 2108161 candidates (target < 0.5 s)"
echo "  per candidate:                                $(median BenchmarkResyncTOTPYear ns/candidate) ns (bare HMAC-SHA1: $bare ns)"
echo "otpcore HOTP resync, look-ahead 1000:            $(awk -v h="$hotp" 'BEGIN { if (h == "NA") print "NA"; else printf "%.3f ms", h / 1e6 }')"
if [[ "$oath_year_ns" != NA ]]; then
	echo "oathtool year-wide window search (one code):     $(awk -v t="$oath_year_ns" 'BEGIN { printf "%.3f s", t / 1e9 }') (whole process)"
	echo "oathtool ÷ otpcore, year-wide search:            $(ratio "$oath_year_ns" "$year")x"
	echo "oathtool per generated HOTP code (incl. print):  $(awk -v t="$oath_gen_ns" 'BEGIN { printf "%.0f ns", t / 1000001 }') vs otpcore $gen ns"
fi

if [[ "${BENCHSTAT:-0}" == 1 ]]; then
	echo
	echo "== benchstat"
	go run golang.org/x/perf/cmd/benchstat@v0.0.0-20260908200009-22c9c6c9d4da "$OUT/go-bench.txt"
fi
echo
echo "load at the end: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "raw output: $OUT/go-bench.txt"
