#!/bin/sh
# vigia scan: YARA rules, ClamAV signatures and store indicators over files, directories and
# archives; the matches compared with the `yara` and `clamscan` tools on the same files and
# rules; the limits (zip bomb, nesting, member count, file size); bad rules, unreadable files;
# the compiled-rules cache; --signature-age on databases made up here.  Every sample file is
# written by this script (EICAR included); no downloaded signature is used.
set -u
V=${VIGIA:-build/san/vigia}
D=tests/data/scan
T=$(mktemp -d)
trap 'chmod -R u+rwx "$T" 2>/dev/null; rm -rf "$T"' EXIT
. tests/lib.sh
export LC_ALL=C LANGUAGE= XDG_CACHE_HOME="$T/cache"
unset VIGIA_DB || true
cd "$T" || exit 1
OLDPWD_=$OLDPWD
V=$(cd "$OLDPWD_" && readlink -f "$V")
D=$OLDPWD_/$D

# ---- samples ------------------------------------------------------------------------------
mkdir -p f db
printf 'X5O!P%%@AP[4\\PZX54(P^)7CC)7}$EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*' > f/eicar.com
printf 'hello VIGIA-TEST-MARKER there\n' > f/marker.txt
printf 'MZ\220\000 padding This Program Cannot Be Run In DOS Mode\n' > f/stub.exe
printf 'nothing to see\n' > f/clean.txt
printf 'a known bad payload for the indicator test\n' > f/known.bin
cp "$D/test.ndb" db/
echo "$(md5sum < f/eicar.com | cut -c1-32):68:VigiaTest.EICAR" > db/test.hdb
(cd f && zip -q inner.zip marker.txt && zip -q ../f/arch.zip inner.zip eicar.com clean.txt &&
	rm inner.zip)
(cd f && tar czf bundle.tar.gz stub.exe known.bin)
check "EICAR written (68 bytes)" '[ "$(wc -c < f/eicar.com)" -eq 68 ]'

check "scan --help" '"$V" scan --help | grep -q "signature-age"'
check "no file exits 2" '"$V" scan 2>/dev/null; [ $? -eq 2 ]'
check "unknown option exits 2" '"$V" scan --frob f 2>/dev/null; [ $? -eq 2 ]'

"$V" scan --rules "$D/rules" --clamav-db db f > out 2> err
rc=$?
check "matches give exit 1" '[ $rc -eq 1 ]'
check "YARA match" 'grep -qx "f/marker.txt: FOUND yara:vigia_test_marker" out'
check "second rule file used" 'grep -qx "f/stub.exe: FOUND yara:vigia_test_hex_and_text" out'
check "ClamAV body signature" 'grep -qx "f/marker.txt: FOUND clamav:VigiaTest.Marker.UNOFFICIAL" out'
check "EICAR by the test hash signature" 'grep -qx "f/eicar.com: FOUND clamav:VigiaTest.EICAR.UNOFFICIAL" out'
check "EICAR by the YARA rule" 'grep -qx "f/eicar.com: FOUND yara:eicar_test_string" out'
check "clean file OK" 'grep -qx "f/clean.txt: OK" out'
check "zip member scanned" 'grep -qx "f/arch.zip!eicar.com: FOUND clamav:VigiaTest.EICAR.UNOFFICIAL" out'
check "zip in zip member scanned" 'grep -qx "f/arch.zip!inner.zip!marker.txt: FOUND yara:vigia_test_marker" out'
check "tar.gz member scanned" 'grep -qx "f/bundle.tar.gz!stub.exe: FOUND clamav:VigiaTest.DosStub.UNOFFICIAL" out'
check "summary on stderr" 'grep -q "objects scanned" err'

# ---- the same matches as the yara and clamscan tools ---------------------------------------
if command -v yara > /dev/null && command -v clamscan > /dev/null; then
	# top-level files: yara reads no archives, clamscan is told not to
	yara -r "$D/rules/test.yar" "$D/rules/more.yara" f 2>/dev/null |
		awk '{print $2 " " $1}' | sort > yara.want
	grep -v '!' out | sed -n 's/^\(.*\): FOUND yara:\(.*\)$/\1 \2/p' | sort > yara.got
	check "YARA matches equal the yara tool's ($(wc -l < yara.want))" \
		'[ -s yara.want ] && cmp -s yara.want yara.got'
	clamscan --no-summary --allmatch --scan-archive=no -r -d db f 2>/dev/null |
		sed -n 's/^\(.*\): \(.*\) FOUND$/\1 \2/p' | sort > clam.want
	grep -v '!' out | sed -n 's/^\(.*\): FOUND clamav:\(.*\)$/\1 \2/p' | sort > clam.got
	check "ClamAV matches equal clamscan's ($(wc -l < clam.want))" \
		'[ -s clam.want ] && cmp -s clam.want clam.got'
	# archive members: the tools on the unpacked files
	mkdir -p x/arch.zip x/bundle.tar.gz
	(cd x/arch.zip && unzip -q ../../f/arch.zip && mv inner.zip inner.z &&
		unzip -q inner.z -d inner.zip && rm inner.z)
	tar xzf f/bundle.tar.gz -C x/bundle.tar.gz
	clamscan --no-summary --allmatch -r -d db x 2>/dev/null |
		sed -n 's/^x\/\(.*\): \(.*\) FOUND$/\1 \2/p' | sort > mclam.want
	grep '!' out | sed -n 's/^f\/\(.*\): FOUND clamav:\(.*\)$/\1 \2/p' | tr '!' '/' |
		grep -v '\.zip \|\.gz ' | sort > mclam.got
	check "member ClamAV matches equal clamscan's on the unpacked files" \
		'[ -s mclam.want ] && cmp -s mclam.want mclam.got'
	yara -r "$D/rules/test.yar" "$D/rules/more.yara" x 2>/dev/null |
		awk '{sub("^x/", "", $2); print $2 " " $1}' | sort > myara.want
	grep '!' out | sed -n 's/^f\/\(.*\): FOUND yara:\(.*\)$/\1 \2/p' | tr '!' '/' |
		grep -v '\.zip \|\.gz ' | sort > myara.got
	check "member YARA matches equal the yara tool's on the unpacked files" \
		'[ -s myara.want ] && cmp -s myara.want myara.got'
else
	echo "# yara or clamscan missing: comparison not run"
fi

# ---- JSON ----------------------------------------------------------------------------------
"$V" scan --rules "$D/rules" --clamav-db db --json f/eicar.com f/clean.txt > out.json 2>/dev/null
check "JSON lines parse" 'python3 -c "import json,sys; [json.loads(l) for l in open(sys.argv[1])]" out.json'
check "JSON verdict and hashes" 'python3 -c "
import json,sys
r = [json.loads(l) for l in open(sys.argv[1])]
e = r[0]
assert e[\"verdict\"] == \"malicious\" and e[\"md5\"] == \"44d88612fea8a8f36de82e1278abb02f\"
assert e[\"sha256\"] == \"275a021bbfb6489e54d471899f7db9d1663fc695ec2fe2a2c4538aabf651fd0f\"
assert {m[\"engine\"] for m in e[\"matches\"]} == {\"yara\", \"clamav\"}
assert r[1][\"verdict\"] == \"clean\" and r[1][\"matches\"] == []
" out.json'

# ---- hashes against the store's indicators ---------------------------------------------------
SHA=$(sha256sum < f/known.bin | cut -c1-64)
cat > feed.json <<'JSON'
{"parser": "csv",
 "parameters": {"columns": ["time.source", "source.ip", "classification.type", "malware.hash.sha256"]},
 "report": {"feed.name": "scan test"}}
JSON
printf '2026-11-20T10:00:00+00:00,192.0.2.10,infected-system,%s\n' "$SHA" > in.csv
"$V" ingest --db v.db --feed-file feed.json --rejects rej in.csv > /dev/null 2>&1
"$V" scan --db v.db --no-clamav f/known.bin f/bundle.tar.gz > out 2> err
rc=$?
check "a known hash is a match (exit 1)" '[ $rc -eq 1 ]'
check "indicator match names the incident" 'grep -q "^f/known.bin: FOUND indicator:sha256 (incidents #[0-9]" out'
check "indicator match inside an archive" 'grep -q "^f/bundle.tar.gz!known.bin: FOUND indicator:sha256" out'
"$V" scan --no-store --no-clamav f/known.bin > out 2>/dev/null
check "--no-store: no indicator lookup" 'grep -qx "f/known.bin: OK" out'

# ---- limits ----------------------------------------------------------------------------------
python3 - <<'PY'
import gzip, zipfile
with zipfile.ZipFile("bomb.zip", "w", zipfile.ZIP_DEFLATED) as z:
    z.writestr("zeros.bin", b"\0" * (64 << 20))
    z.writestr("small.txt", b"VIGIA-TEST-MARKER")
with open("bomb.gz", "wb") as f:
    f.write(gzip.compress(b"A" * (8 << 20)))  # zeros would read as an empty tar
level = b"VIGIA-TEST-MARKER deep inside"
for i in range(6):
    import io
    b = io.BytesIO()
    with zipfile.ZipFile(b, "w") as z:
        z.writestr("l%d" % i, level)
    level = b.getvalue()
open("nested.zip", "wb").write(level)
with zipfile.ZipFile("many.zip", "w") as z:
    for i in range(20):
        z.writestr("m%02d.txt" % i, "member %d" % i)
PY
check "the bomb is small" '[ "$(wc -c < bomb.zip)" -lt 200000 ]'
"$V" scan --rules "$D/rules" --no-clamav --scan.max-member=1M bomb.zip > out 2> err
rc=$?
check "zip bomb: exit 1" '[ $rc -eq 1 ]'
check "zip bomb: member skipped with the limit named" 'grep -q "^bomb.zip!zeros.bin: SKIPPED .*scan.max_member" out'
check "zip bomb: the other member still scanned" 'grep -qx "bomb.zip!small.txt: FOUND yara:vigia_test_marker" out'
"$V" scan --no-clamav --scan.max-member=1M bomb.gz > out 2> err
check "gzip bomb (no declared size): stopped at the limit" 'grep -q "^bomb.gz!data: SKIPPED more than scan.max_member" out'
"$V" scan --no-clamav --scan.max-expanded=10M bomb.zip > out 2> err
check "expanded total limit" 'grep -q "scan.max_expanded" out'
"$V" scan --rules "$D/rules" --no-clamav --scan.max-depth=2 nested.zip > out 2> err
check "nesting: stops at scan.max_depth" 'grep -q "^nested.zip!l5!l4: SKIPPED .*scan.max_depth (2)" out'
check "nesting: nothing deeper opened" '! grep -q "l5!l4!l3" out'
"$V" scan --rules "$D/rules" --no-clamav nested.zip > out 2> err
check "nesting: default depth finds the marker at level 6" 'grep -q "^nested.zip!l5!l4!l3!l2!l1!l0: FOUND yara:vigia_test_marker" out || grep -q "scan.max_depth" out'
"$V" scan --no-clamav --scan.max-members=5 many.zip > out 2> err
check "member count limit" 'grep -q "^many.zip: SKIPPED more than scan.max_members (5)" out && [ "$(grep -c "many.zip!" out)" -eq 5 ]'
"$V" scan --no-clamav --scan.max-file=100 bomb.zip f/clean.txt > out 2> err
rc=$?
check "file size limit: reported, not read" 'grep -q "^bomb.zip: SKIPPED [0-9]* bytes, more than scan.max_file (100)" out'
check "file size limit: small files still scanned" 'grep -qx "f/clean.txt: OK" out && [ $rc -eq 1 ]'
# a 2 GB file (sparse: no disk used) under the default limits: refused by size, never read
if truncate -s 2G huge.bin 2>/dev/null; then
	"$V" scan --no-clamav --no-store huge.bin f/clean.txt > out 2> err
	rc=$?
	check "a 2 GB file: reported with its size against scan.max_file, the others scanned" \
		'[ $rc -eq 1 ] && grep -q "^huge.bin: SKIPPED 2147483648 bytes, more than scan.max_file (268435456)" out && grep -qx "f/clean.txt: OK" out'
	rm -f huge.bin
fi
printf 'PK\003\004garbage that is no zip' > broken.zip
"$V" scan --no-clamav broken.zip > out 2> err
rc=$?
check "damaged archive: reported, no crash" '[ $rc -eq 1 ] && grep -q "^broken.zip: SKIPPED .*archive" out'

# ---- bad rules, unreadable files, stdin --------------------------------------------------------
mkdir -p badrules && cp "$D/rules/test.yar" badrules/ && printf 'rule broken {\n  condition:\n    $nope\n}\n' > badrules/z.yar
"$V" scan --rules badrules --no-clamav f > out 2> err
rc=$?
check "a rule that does not compile: exit 2" '[ $rc -eq 2 ]'
check "... named with file and line" 'grep -q "badrules/z.yar:[0-9]*: YARA rule does not compile: .*nope" err'
"$V" scan --rules nowhere --no-clamav f > /dev/null 2> err
rc=$?
check "missing rules directory: exit 3" '[ $rc -eq 3 ] && grep -q "nowhere: cannot read the rules directory" err'
printf 'x' > unreadable && chmod 000 unreadable
if [ "$(id -u)" != 0 ]; then
	"$V" scan --no-clamav unreadable f/clean.txt > out 2> err
	rc=$?
	check "unreadable file: exit 3, the others scanned" '[ $rc -eq 3 ] && grep -q "unreadable: cannot read" err && grep -qx "f/clean.txt: OK" out'
fi
"$V" scan --no-clamav missing.file f/clean.txt > out 2> err
rc=$?
check "missing file: exit 3, the others scanned" '[ $rc -eq 3 ] && grep -q "missing.file: cannot read: No such file" err && grep -qx "f/clean.txt: OK" out'
"$V" scan --rules "$D/rules" --no-clamav - < f/marker.txt > out 2> err
check "standard input" 'grep -qx "standard input: FOUND yara:vigia_test_marker" out'

# ---- the compiled-rules cache --------------------------------------------------------------------
rm -rf cache; mkdir r2; cp "$D/rules/test.yar" r2/
"$V" -v scan --rules r2 --no-clamav f/clean.txt > /dev/null 2> err1
"$V" -v scan --rules r2 --no-clamav f/clean.txt > /dev/null 2> err2
check "first run compiles and writes the cache" '! grep -q "loaded from the cache" err1 && [ "$(ls cache/vigia | grep -c "^yara-.*\.yarc$")" -eq 1 ]'
check "second run loads the cache" 'grep -q "loaded from the cache" err2'
printf 'rule added_later { condition: filesize == 15 }\n' > r2/added.yar
"$V" -v scan --rules r2 --no-clamav f/clean.txt > out 2> err3
check "a changed rule set is compiled again" '! grep -q "loaded from the cache" err3 && grep -qx "f/clean.txt: FOUND yara:added_later" out'
printf 'garbage' > "cache/vigia/$(ls cache/vigia | head -1)"
printf 'garbage' > "cache/vigia/$(ls cache/vigia | tail -1)"
"$V" scan --rules r2 --no-clamav f/clean.txt > out 2> err4
check "a damaged cache file is compiled again" 'grep -qx "f/clean.txt: FOUND yara:added_later" out && grep -q "do not load" err4'

# ---- signature age ---------------------------------------------------------------------------------
mkcvd() { # file, signature time (epoch)
	python3 - "$1" "$2" <<'PY'
import sys, time
f, t = sys.argv[1], int(sys.argv[2])
h = "ClamAV-VDB:%s:27000:8700000:90:0123456789abcdef0123456789abcdef:X:vigia-test:%d" % (
    time.strftime("%d %b %Y %H-%M +0000", time.gmtime(t)), t)
open(f, "wb").write(h.encode().ljust(512, b" "))
PY
}
mkdir -p ages
now=$(date +%s)
mkcvd ages/daily.cvd $((now - 2 * 86400))
"$V" scan --signature-age --clamav-db ages > out 2> err
rc=$?
check "fresh database: exit 0" '[ $rc -eq 0 ]'
check "version, signatures and age shown" 'grep -q "^daily.cvd: version 27000, 8700000 signatures, built .* 2 days old$" out'
mkcvd ages/main.cvd $((now - 40 * 86400))
"$V" scan --signature-age --clamav-db ages > out 2> err
rc=$?
check "an old database: exit 1, OUTDATED" '[ $rc -eq 1 ] && grep -q "^main.cvd: .* 40 days old (OUTDATED)" out'
check "... and the threshold named" 'grep -q "1 of 2 ClamAV databases are older than scan.signature_max_age (7d)" err'
"$V" scan --signature-age --clamav-db ages --scan.signature-max-age=60d > /dev/null 2>&1
rc=$?
check "the threshold is a setting" '[ $rc -eq 0 ]'
mkdir -p empty
"$V" scan --signature-age --clamav-db empty > /dev/null 2> err
rc=$?
check "no databases: exit 1, said" '[ $rc -eq 1 ] && grep -q "no ClamAV databases" err'
"$V" scan --signature-age --clamav-db "$D" > out 2> err
check "plain signature files: their file time" 'grep -q "^test.ndb: modified " out'

echo "1..$n"
[ "$bad" -eq 0 ]
