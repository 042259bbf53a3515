#!/bin/sh
# bench/ipdb.sh — vigia's IP attribution index against libmaxminddb, on the same data, the same
# addresses, in the same run (what `make bench` runs after bench/run.sh).
#
#     sh bench/ipdb.sh [path/to/vigia]        (needs BUILD/bench/ipdb_bench beside it:
#                                              make BUILD=dir dir/bench/ipdb_bench)
#
# The data: the @ip-location-db tarballs in ../shared/data/ipdb (or $VIGIA_SHARED/data/ipdb),
# unpacked into a temporary directory (removed at the end; nothing lands in the repository).
# The geo-whois-asn-country CSV files and MaxMind DB hold the same data.  Measured:
#
#   build   `vigia ipdb build` of: the full ASN data (asn-ipv4.csv + asn-ipv6.csv, about 412k +
#           103k ranges); the same plus the geo-whois-asn-country CSV files (the index
#           `vigia ip lookup` uses: ASN and country); the country CSV files alone; the country
#           MaxMind DB.  Best wall time of BENCH_RUNS (default 3), CPU time, peak RSS, size.
#   lookups bench/ipdb_bench: BENCH_ADDRESSES (default 1,000,000) random IPv4 and IPv6
#           addresses (tests/unit/test_ipdb_sample.h) looked up by vigia (one at a time, and
#           256 at a time) and by libmaxminddb (MMDB_lookup_sockaddr, then the country), in
#           turns, best of BENCH_LOOKUP_RUNS (default 5) rounds, pinned to one core; every
#           address's country compared (the run fails if one differs).
#   load    ipdb_open() + ipdb_close() (best and median of 200), against MMDB_open(); and a
#           whole `vigia ip lookup ADDRESS` process.
#   memory  resident memory added by the lookups (the mapped pages they touched); peak RSS
#           of `vigia ip lookup --json -` over the 1,000,000 addresses.
#
# Results on standard output and as Markdown in bench/data/ipdb-results.md (docs/benchmarks.md,
# "IP attribution", records them).  Without the data it says so and exits 0.
set -eu

VIGIA=${1:-build/vigia}
here=$(cd "$(dirname "$0")" && pwd)
root=$(dirname "$here")
shared=${VIGIA_SHARED:-$root/../shared}
src=$shared/data/ipdb
runs=${BENCH_RUNS:-3}
lruns=${BENCH_LOOKUP_RUNS:-5}
naddr=${BENCH_ADDRESSES:-1000000}
ver=2.3.2026061719

if [ ! -f "$src/ip-location-db-asn-$ver.tgz" ]; then
	echo "bench: $src is absent: no IP attribution data; nothing measured"
	exit 0
fi
case $VIGIA in
/*) ;;
*) VIGIA=$(pwd)/$VIGIA ;;
esac
BENCH=$(dirname "$VIGIA")/bench/ipdb_bench
for p in "$VIGIA" "$BENCH"; do
	if [ ! -x "$p" ]; then
		echo "bench: $p: no such program (make BUILD=$(dirname "$VIGIA") build-all" \
			"$(dirname "$VIGIA")/bench/ipdb_bench)" >&2
		exit 1
	fi
done
pin="taskset -c 0"
if ! taskset -c 0 true 2>/dev/null; then
	pin=""
fi
LC_ALL=C
export LC_ALL
unset LANGUAGE || true

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
for t in asn geo-whois-asn-country geo-whois-asn-country-mmdb; do
	mkdir -p "$tmp/$t"
	tar xzf "$src/ip-location-db-$t-$ver.tgz" -C "$tmp/$t"
done
A=$tmp/asn/package
G=$tmp/geo-whois-asn-country/package
M=$tmp/geo-whois-asn-country-mmdb/package/geo-whois-asn-country.mmdb
mkdir -p "$here/data"
results=$here/data/ipdb-results.md
cpu=$(sed -n 's/^model name[^:]*: *//p' /proc/cpuinfo 2>/dev/null | head -n 1)
ncpu=$(getconf _NPROCESSORS_ONLN 2>/dev/null || echo "?")
load=$(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null || echo "?")

measure() { # RUNS CMD... -> "WALL CPU RSS STATUS"
	n=$1
	shift
	# shellcheck disable=SC2086 # $pin: "taskset -c 0" or empty, split on purpose
	python3 "$here/measure.py" "$n" /dev/null "$tmp/stderr" -- $pin "$@"
}

echo "vigia ipdb benchmark; machine: $ncpu cores, ${cpu:-?}; load average at start $load"
{
	echo "Machine: $ncpu cores, ${cpu:-?}; load average at start: $load; ${pin:-not pinned}."
	echo
	echo "| index built from | ranges (ASN v4 + v6, country v4 + v6) | size | wall s | CPU s | peak RSS |"
	echo "|---|---|---:|---:|---:|---:|"
} >"$results"

build() { # NAME LABEL SOURCES...
	name=$1 label=$2
	shift 2
	set -- $(measure "$runs" "$VIGIA" ipdb build -o "$tmp/$name.ipdb" "$@")
	wall=$1 cpus=$2 rss=$3 st=$4
	if [ "$st" != 0 ]; then
		echo "bench: building $name failed: $(head -n 3 "$tmp/stderr")" >&2
		exit 1
	fi
	size=$(wc -c <"$tmp/$name.ipdb" | tr -d ' ')
	ranges=$("$VIGIA" ipdb info --ipdb "$tmp/$name.ipdb" | awk '
		/^ASN ranges:/ { a4 = $3; a6 = $5 }
		/^country:/ { c4 = $2; c6 = $4 }
		END { printf "%d + %d, %d + %d", a4, a6, c4, c6 }')
	printf '%-44s %s; %.1f MB; %.2f s wall, %.2f s CPU, peak RSS %.0f MB\n' "build: $label" \
		"$ranges" "$(echo "$size" | awk '{print $1 / 1e6}')" "$wall" "$cpus" \
		"$(echo "$rss" | awk '{print $1 / 1024}')"
	awk -v l="$label" -v r="$ranges" -v s="$size" -v w="$wall" -v c="$cpus" -v m="$rss" \
		'BEGIN { printf "| %s | %s | %.1f MB | %.2f | %.2f | %.0f MB |\n", l, r, s / 1e6, w, c, m / 1024 }' \
		>>"$results"
}

build asn "ASN CSVs (asn-ipv4 + asn-ipv6)" "$A/asn-ipv4.csv" "$A/asn-ipv6.csv"
build full "ASN + geo-whois-asn-country CSVs" "$A/asn-ipv4.csv" "$A/asn-ipv6.csv" \
	"$G/geo-whois-asn-country-ipv4.csv" "$G/geo-whois-asn-country-ipv6.csv"
build geo "geo-whois-asn-country CSVs" "$G/geo-whois-asn-country-ipv4.csv" \
	"$G/geo-whois-asn-country-ipv6.csv"
build geomm "geo-whois-asn-country MaxMind DB" "$M"
for f in "$A/asn-ipv4.csv" "$A/asn-ipv6.csv" "$G/geo-whois-asn-country-ipv4.csv" \
	"$G/geo-whois-asn-country-ipv6.csv" "$M"; do
	cat "$f" >/dev/null
done
csvsize=$(cat "$A/asn-ipv4.csv" "$A/asn-ipv6.csv" "$G/geo-whois-asn-country-ipv4.csv" \
	"$G/geo-whois-asn-country-ipv6.csv" | wc -c | tr -d ' ')
mmsize=$(wc -c <"$M" | tr -d ' ')

# shellcheck disable=SC2086
$pin "$BENCH" -n "$naddr" -r "$lruns" "$tmp/geo.ipdb" "$M" "$G/geo-whois-asn-country-ipv4.csv" \
	"$G/geo-whois-asn-country-ipv6.csv" "$tmp/full.ipdb" >"$tmp/lookups" 2>"$tmp/stderr" || {
	echo "bench: ipdb_bench failed (answers differ?):" >&2
	cat "$tmp/stderr" >&2
	exit 1
}
get() { awk -v k="$1" '$1 == k { print $2 }' "$tmp/lookups"; }
for f in 4 6; do
	# shellcheck disable=SC2086
	$pin "$BENCH" -f $f -n "$naddr" -r "$lruns" "$tmp/geo.ipdb" "$M" \
		"$G/geo-whois-asn-country-ipv4.csv" "$G/geo-whois-asn-country-ipv6.csv" \
		>"$tmp/lookups$f" 2>"$tmp/stderr" || {
		echo "bench: ipdb_bench -f $f failed (answers differ?):" >&2
		cat "$tmp/stderr" >&2
		exit 1
	}
done
fam() { # FAMILY -> "vigia-one vigia-many mmdb differ"
	awk '$1 == "vigia_country_per_s" { a = $2 } $1 == "vigia_country_many_per_s" { b = $2 }
		$1 == "mmdb_country_per_s" { c = $2 } $1 == "differ" { d = $2 }
		END { print a, b, c, d }' "$tmp/lookups$1"
}

"$BENCH" -n "$naddr" -W "$tmp/addresses" "$G/geo-whois-asn-country-ipv4.csv" \
	"$G/geo-whois-asn-country-ipv6.csv"
set -- $(python3 "$here/measure.py" 1 /dev/null "$tmp/stderr" -- sh -c \
	"$VIGIA ip lookup --ipdb $tmp/full.ipdb --json - < $tmp/addresses > /dev/null")
cliwall=$1 clirss=$3
set -- $(measure 10 "$VIGIA" ip lookup --ipdb "$tmp/full.ipdb" 192.0.2.1)
onewall=$1
set -- $(measure 10 "$VIGIA" --version)
verwall=$1

awk -v vc="$(get vigia_country_per_s)" -v vcm="$(get vigia_country_many_per_s)" \
	-v mc="$(get mmdb_country_per_s)" -v ml="$(get mmdb_lookup_per_s)" \
	-v vf="$(get vigia_full_per_s)" -v vfm="$(get vigia_full_many_per_s)" \
	-v va="$(get vigia_full_asn_per_s)" -v vam="$(get vigia_full_asn_many_per_s)" \
	-v n="$naddr" -v diff="$(get differ)" -v ans="$(get answered)" \
	-v ob="$(get open_ipdb_best_ms)" -v om="$(get open_ipdb_median_ms)" \
	-v fb="$(get open_full_best_ms)" -v fm="$(get open_full_median_ms)" \
	-v mb="$(get open_mmdb_best_ms)" -v mm="$(get open_mmdb_median_ms)" \
	-v rv="$(get rss_vigia_kb)" -v rm="$(get rss_mmdb_kb)" -v cw="$cliwall" -v cr="$clirss" \
	-v one="$onewall" -v ver="$verwall" -v gs="$(wc -c <"$tmp/geo.ipdb")" \
	-v fs="$(wc -c <"$tmp/full.ipdb")" -v ms="$mmsize" -v cs="$csvsize" -v res="$results" \
	-v pin="${pin:-not pinned}" -v lr="$lruns" -v f4="$(fam 4)" -v f6="$(fam 6)" 'BEGIN {
	split(f4, v4, " "); split(f6, v6, " ")
	printf "lookups: %d addresses (%d with a country), answers compared: %d differ\n", n, ans, diff
	printf "  %-44s %12.0f /s  %5.1fx libmaxminddb\n", "vigia country, one at a time", vc, vc / mc
	printf "  %-44s %12.0f /s  %5.1fx\n", "vigia country, 256 at a time", vcm, vcm / mc
	printf "  %-44s %12.0f /s  %5.1fx\n", "vigia full answer (country index)", vf, vf / mc
	printf "  %-44s %12.0f /s  %5.1fx\n", "vigia full answer, 256 at a time", vfm, vfm / mc
	printf "  %-44s %12.0f /s  %5.1fx\n", "vigia full answer (ASN + country index)", va, va / mc
	printf "  %-44s %12.0f /s  %5.1fx\n", "vigia full answer (ASN + country), 256", vam, vam / mc
	printf "  %-44s %12.0f /s\n", "libmaxminddb: lookup + country", mc
	printf "  %-44s %12.0f /s\n", "libmaxminddb: lookup only", ml
	printf "  IPv4 only: vigia %.0f /s (%.1fx), 256 at a time %.0f /s (%.1fx), libmaxminddb %.0f /s; %d differ\n", v4[1], v4[1] / v4[3], v4[2], v4[2] / v4[3], v4[3], v4[4]
	printf "  IPv6 only: vigia %.0f /s (%.1fx), 256 at a time %.0f /s (%.1fx), libmaxminddb %.0f /s; %d differ\n", v6[1], v6[1] / v6[3], v6[2], v6[2] / v6[3], v6[3], v6[4]
	printf "load: ipdb_open %.3f ms best, %.3f median (country index); %.3f / %.3f (ASN + country);\n", ob, om, fb, fm
	printf "      MMDB_open %.3f / %.3f ms; a whole vigia ip lookup process %.1f ms (vigia --version %.1f ms)\n", mb, mm, one * 1000, ver * 1000
	printf "memory: lookups touched %.1f MB of the country index (%.1f MB), libmaxminddb %.1f MB of its file (%.1f MB);\n", rv / 1024, gs / 1e6, rm / 1024, ms / 1e6
	printf "        vigia ip lookup --json over %d addresses: %.2f s, peak RSS %.1f MB (index %.1f MB)\n", n, cw, cr / 1024, fs / 1e6
	printf "\n%d addresses, best of %d rounds (each round runs every loop in turn), %s; answers compared for every address: %d differ.\n\n", n, lr, pin, diff >> res
	printf "| lookup | per second | vs libmaxminddb |\n|---|---:|---:|\n" >> res
	printf "| vigia `ipdb_lookup_country()`, one at a time | %.0f | %.1fx |\n", vc, vc / mc >> res
	printf "| vigia `ipdb_lookup_country_many()`, 256 a call | %.0f | %.1fx |\n", vcm, vcm / mc >> res
	printf "| vigia `ipdb_lookup()` (country index), one at a time | %.0f | %.1fx |\n", vf, vf / mc >> res
	printf "| vigia `ipdb_lookup_many()` (country index) | %.0f | %.1fx |\n", vfm, vfm / mc >> res
	printf "| vigia `ipdb_lookup()` (ASN + country index) | %.0f | %.1fx |\n", va, va / mc >> res
	printf "| vigia `ipdb_lookup_many()` (ASN + country index) | %.0f | %.1fx |\n", vam, vam / mc >> res
	printf "| libmaxminddb `MMDB_lookup_sockaddr()` + country | %.0f | 1x |\n", mc >> res
	printf "| libmaxminddb `MMDB_lookup_sockaddr()` only | %.0f | |\n\n", ml >> res
	printf "The same, one address family at a time (country: vigia one at a time / 256 a call / libmaxminddb):\n\n" >> res
	printf "| addresses | vigia one at a time | vigia 256 a call | libmaxminddb | ratios |\n|---|---:|---:|---:|---:|\n" >> res
	printf "| IPv4 only | %.0f | %.0f | %.0f | %.1fx / %.1fx |\n", v4[1], v4[2], v4[3], v4[1] / v4[3], v4[2] / v4[3] >> res
	printf "| IPv6 only | %.0f | %.0f | %.0f | %.1fx / %.1fx |\n\n", v6[1], v6[2], v6[3], v6[1] / v6[3], v6[2] / v6[3] >> res
	printf "| load and memory | vigia | libmaxminddb |\n|---|---:|---:|\n" >> res
	printf "| open, best / median of 200 (country index) | %.3f / %.3f ms | %.3f / %.3f ms |\n", ob, om, mb, mm >> res
	printf "| open, best / median (ASN + country index) | %.3f / %.3f ms | |\n", fb, fm >> res
	printf "| a whole `vigia ip lookup ADDRESS` process | %.1f ms | |\n", one * 1000 >> res
	printf "| file size (country data) | %.1f MB | %.1f MB |\n", gs / 1e6, ms / 1e6 >> res
	printf "| file size (ASN + country) | %.1f MB | (the CSV files: %.1f MB) |\n", fs / 1e6, cs / 1e6 >> res
	printf "| resident memory added by %d lookups | %.1f MB | %.1f MB |\n", n, rv / 1024, rm / 1024 >> res
	printf "| `vigia ip lookup --json -`, %d addresses | %.2f s, peak RSS %.1f MB | |\n", n, cw, cr / 1024 >> res
}'
echo
echo "bench: Markdown tables in $results"
