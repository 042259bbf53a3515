#!/bin/sh
# vigia url check|train|blocklist: block/allow lists (hosts, prefixes, exact URLs, bad lines
# counted), --json keys, --expressions, batch mode answering in input order, invalid input,
# exit codes; training twice gives the same model byte for byte (SKIP without ../shared).
set -u
V=${VIGIA:-build/san/vigia}
F=tests/data/url
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
. tests/lib.sh
export LC_ALL=C LANGUAGE=
unset VIGIA_DB || true

check "url --help" '"$V" url --help | grep -q "vigia url check"'
check "url without a command exits 2" '"$V" url 2>/dev/null; [ $? -eq 2 ]'
check "url check without URLs exits 2" '"$V" url check 2>/dev/null; [ $? -eq 2 ]'
check "unknown option exits 2" '"$V" url check --frob x 2>/dev/null; [ $? -eq 2 ]'
check "missing list file exits 3" '"$V" url check --list "$T/none" http://a.example/ 2>/dev/null; [ $? -eq 3 ]'

"$V" url check --json --list $F/block.txt --allow $F/allow.txt --file $F/batch.txt > "$T/out" 2> "$T/err"
rc=$?
check "batch exits 0" '[ $rc -eq 0 ]'
check "one answer per input line" '[ "$(wc -l < "$T/out")" -eq "$(wc -l < $F/batch.txt)" ]'
check "bad list lines are counted, named and skipped" 'grep -q "2 list lines" "$T/err" && grep -q "block.txt:6" "$T/err"'
python3 - "$T/out" > "$T/py" <<'PY'
import json, sys
rows = [json.loads(l) for l in open(sys.argv[1])]
for r in rows:
    for k in ("url", "canonical", "registrable_domain", "verdict", "score", "reasons"):
        assert k in r, (k, r)
v = [r["verdict"] for r in rows]
print(" ".join(v))
print(rows[0]["matches"][0]["kind"], rows[0]["matches"][0]["entry"])
print(rows[1]["matches"][0]["kind"], rows[2]["matches"][0]["kind"])
print(rows[3]["url"], rows[3]["verdict"])
print(rows[6]["registrable_domain"], rows[6]["canonical"])
print(" ".join(x["name"] for x in rows[6]["reasons"]))
print(rows[7]["url"])
PY
check "every line has the keys; verdicts in input order" \
	'head -1 "$T/py" | grep -qx "malicious malicious malicious unknown clean invalid suspicious unknown invalid invalid"'
check "host entry matches a subdomain" 'sed -n 2p "$T/py" | grep -qx "host evil.example/"'
check "prefix and exact URL entries" 'sed -n 3p "$T/py" | grep -qx "prefix url"'
check "other path of an exact entry does not match" 'sed -n 4p "$T/py" | grep -q "other.html"'
check "IP host, port, executable" 'sed -n 5p "$T/py" | grep -qx "192.168.0.1 http://192.168.0.1/bins/mozi.m" && sed -n 6p "$T/py" | grep -qx "ip_host unusual_port executable"'
check "invalid UTF-8 shown as U+FFFD" 'sed -n 7p "$T/py" | grep -q "^http://a.*b.example/$"'

out=$("$V" url check --expressions --json "http://a.b.c/1/2.html?param=1")
check "--expressions: the Safe Browsing expressions" 'echo "$out" | grep -q "\"a.b.c/1/2.html?param=1\",\"a.b.c/1/2.html\",\"a.b.c/\",\"a.b.c/1/\",\"b.c/1/2.html?param=1\""'
out=$("$V" url check "http://[::ffff:1.2.3.4]:8080/x" "http://0x7f.1/")
check "table: IPv4-mapped and hex hosts canonical" 'echo "$out" | grep -q "http://1.2.3.4/x" && echo "$out" | grep -q "http://127.0.0.1/"'
out=$(printf 'http://xn--pypal-4ve.com/\n' | "$V" url check -)
check "stdin; confusable brand look-alike" 'echo "$out" | grep -q "brand_lookalike"'
long=$(python3 -c 'print("http://example.com/" + "a" * 20000)')
out=$("$V" url check --json "$long")
check "a very long URL is capped with a reason" 'echo "$out" | grep -q "\"too_long\""'

printf 'a.example\n' > "$T/restore.txt"
VA=$(cd "$(dirname "$V")" && pwd)/$(basename "$V")
(cd "$T" && "$VA" url check --list restore.txt http://a.example/ > "$T/ra" 2>&1)
check "a list file named like 'store'..." 'grep -q "^malicious" "$T/ra"'
check "... opens no store" '[ ! -e "$T/vigia.db" ]'

# the store as a block list: events of a phishing feed
"$V" ingest --db "$T/v.db" --rejects "$T/rej" --feed openphish $F/openphish.txt > /dev/null 2>&1
rc=$?
check "a phishing feed ingested" '[ $rc -eq 0 ]'
"$V" url blocklist --db "$T/v.db" -o "$T/bl.txt" 2> /dev/null
check "blocklist from the store" '[ "$(grep -vc "^#" "$T/bl.txt")" -eq 2 ] && grep -qx "bank.example.co/secure/" "$T/bl.txt"'
out=$("$V" url check --db "$T/v.db" --url.block_lists=store --json "https://bank.example.co/secure/x" 2>&1)
check "url.block_lists=store matches a stored URL" 'echo "$out" | grep -q "\"source\":\"store:OpenPhish\""' 

# the pipeline stage: url.enrich gives stored events extra.url_* (off by default)
printf 'login-paypal.phish.example\n' > "$T/bl2.txt"
"$V" ingest --db "$T/e.db" --rejects "$T/rej" --url.enrich=true --url.block_lists="$T/bl2.txt" \
	--feed openphish $F/openphish.txt > /dev/null 2>&1
"$V" events --db "$T/e.db" --json > "$T/ev" 2>/dev/null
check "enrichment: verdict, score, reasons, registrable domain" \
	'grep -q "\"extra.url_verdict\":\"malicious\",\"extra.url_score\":100" "$T/ev" && grep -q "\"extra.url_reasons\":\[\"credential_words\",\"brand_outside\"\]" "$T/ev" && grep -q "\"extra.url_registrable_domain\":\"example.co\"" "$T/ev"'
check "enrichment: the list entry that matched" 'grep -q "\"extra.url_list_match\":\"login-paypal.phish.example/\"" "$T/ev"'
"$V" ingest --db "$T/f.db" --rejects "$T/rej" --feed openphish $F/openphish.txt > /dev/null 2>&1
check "no enrichment when url.enrich is off" '! "$V" events --db "$T/f.db" --json | grep -q extra.url_'

S=${VIGIA_SHARED:-../shared}
if [ -f "$S/corpus/url/labeled-dev.tsv" ]; then
	head -3000 "$S/corpus/url/labeled-dev.tsv" > "$T/a.tsv"
	tail -3000 "$S/corpus/url/labeled-dev.tsv" >> "$T/a.tsv"
	"$V" url train --data "$T/a.tsv" --out "$T/m1" > /dev/null 2>&1
	"$V" url train --data "$T/a.tsv" --out "$T/m2" > /dev/null 2>&1
	check "training is reproducible byte for byte" 'cmp -s "$T/m1" "$T/m2"'
	out=$("$V" url check --model "$T/m1" --json "http://paypal.com.secure-login.tk/verify/account.php")
	check "the model scores" 'echo "$out" | grep -q "\"model\":[01]\."'
	cut -f2 "$T/a.tsv" | "$V" url check --model "$T/m1" --json - > "$T/scored" 2> /dev/null
	check "with a model: clean below 65, suspicious from 65, malicious from 80" 'python3 - "$T/scored" <<'"'"'PY'"'"'
import json, sys
seen = set()
for l in open(sys.argv[1]):
    r = json.loads(l)
    if r["verdict"] == "invalid":
        continue
    s, v = r["score"], r["verdict"]
    want = "malicious" if s >= 80 else "suspicious" if s >= 65 else "clean"
    assert v == want, (s, v, r["url"])
    seen.add(v)
assert seen == {"clean", "suspicious", "malicious"}, seen
PY'
	# the documented evaluation (docs/url-analysis.md): nested 5-fold cross-validation by
	# registrable domain of all of labeled-dev.tsv, verdict lines chosen on inner folds only;
	# the held-out false-positive rate on the Tranco (popular) rows must stay <= 1% and the
	# precision >= 97%.  (On a third of the rows, the weaker models miss the line: 1.25%.)
	"$V" url train --data "$S/corpus/url/labeled-dev.tsv" --cv 5 --json --out '' \
		--predictions "$T/pred.tsv" > "$T/cv.json" 2> "$T/cv.err"
	rc=$?
	check "nested cross-validation runs" '[ $rc -eq 0 ]'
	python3 - "$T/cv.json" "$T/pred.tsv" > "$T/cv.txt" <<'PY'
import json, sys
j = json.load(open(sys.argv[1]))
c = j["suspicious"]
t = c["tranco-top10k"]
a = c["all"]
fpr = 100.0 * t["fp"] / (t["fp"] + t["tn"])
prec = 100.0 * a["tp"] / (a["tp"] + a["fp"])
rec = 100.0 * a["tp"] / (a["tp"] + a["fn"])
rows = sum(1 for _ in open(sys.argv[2])) - 1
acc = 100.0 * (a["tp"] + a["tn"]) / (a["tp"] + a["fp"] + a["tn"] + a["fn"])
print("tranco_fpr %.2f precision %.2f recall %.2f rows %d popular %d accuracy %.2f" %
      (fpr, prec, rec, rows, t["fp"] + t["tn"], acc))
PY
	cat "$T/cv.txt"
	check "held-out Tranco FPR <= 1% on >= 4,000 popular rows" \
		'awk "{exit !(\$2 <= 1.0 && \$10 >= 4000)}" "$T/cv.txt"'
	# measured (fifth pass, the boosted trees): 97.35% precision, 93.47% recall, 95.46%
	# accuracy, Tranco FPR 0.51% (docs/url-analysis.md)
	check "held-out precision >= 97%, recall >= 93%" \
		'awk "{exit !(\$4 >= 97.0 && \$6 >= 93.0)}" "$T/cv.txt"'
	check "held-out accuracy >= 95% (the target)" \
		'awk "{exit !(\$12 >= 95.0)}" "$T/cv.txt"'
	check "one held-out prediction per row" '[ "$(awk "END {print \$8}" "$T/cv.txt")" -eq "$(wc -l < "$S/corpus/url/labeled-dev.tsv")" ]'
	printf 'garbage\n' > "$T/bad.tsv"
	check "training on no labeled rows exits 3" '"$V" url train --data "$T/bad.tsv" --out "$T/m3" 2>/dev/null; [ $? -eq 3 ]'
	printf 'malicious\thttp://evil.tk/login\tx\n' > "$T/one.tsv"
	"$V" url train --data "$T/one.tsv" --out "$T/m7" > /dev/null 2> "$T/one.err"
	rc=$?
	check "training on too few rows for the validation folds exits 3 and says why" \
		'[ $rc -eq 3 ] && grep -q "too few labeled rows" "$T/one.err" && [ ! -e "$T/m7" ]'
	printf 'x' > "$T/m4"
	check "a damaged model is refused" '"$V" url check --model "$T/m4" http://a.example/ 2>/dev/null; [ $? -eq 3 ]'
	cp "$T/m1" "$T/m5"
	printf 'VURLMDL3' | dd of="$T/m5" conv=notrunc status=none
	"$V" url check --model "$T/m5" http://a.example/ > /dev/null 2> "$T/m5.err"
	rc=$?
	check "a model of an earlier version (no trees) is refused, and named so" \
		'[ $rc -eq 3 ] && grep -q "earlier version (VURLMDL3)" "$T/m5.err"'
	cp "$T/m1" "$T/m6"
	printf 'zz' | dd of="$T/m6" bs=1 seek=$(($(wc -c < "$T/m1") - 100)) conv=notrunc status=none
	check "a model whose trees are damaged is refused" '"$V" url check --model "$T/m6" http://a.example/ 2>/dev/null; [ $? -eq 3 ]'
	# the trees are walked by vigia (src/analyze/url/url_trees.c): a model file whose trees are
	# one hand-written tree (libxgboost reads JSON too) on the URL's length, x[0] < 40: the
	# score must be what the tree and the file's scale say, computed here independently; and
	# trees the walker does not implement are refused when the model loads, with the reason
	python3 - "$T/m1" "$T" <<'PY'
import hashlib, json, struct, sys
src, out = sys.argv[1], sys.argv[2]
head = open(src, "rb").read()[: 28 + 4 * (1 << 20)]
def model(name, nfeat, split_type):
    tree = {"base_weights": [0.0, 0.0, 0.0], "categories": [], "categories_nodes": [],
            "categories_segments": [], "categories_sizes": [], "default_left": [0, 0, 0],
            "id": 0, "left_children": [1, -1, -1], "loss_changes": [1.0, 0.0, 0.0],
            "parents": [2147483647, 0, 0], "right_children": [2, -1, -1],
            "split_conditions": [40.0, -2.5, 1.75], "split_indices": [0, 0, 0],
            "split_type": [split_type, 0, 0], "sum_hessian": [2.0, 1.0, 1.0],
            "tree_param": {"num_deleted": "0", "num_feature": str(nfeat), "num_nodes": "3",
                           "size_leaf_vector": "0"}}
    if split_type:
        tree.update(categories=[1], categories_nodes=[0], categories_segments=[0],
                    categories_sizes=[1])
    m = {"learner": {"attributes": {}, "feature_names": [], "feature_types": [],
         "gradient_booster": {"model": {"gbtree_model_param": {"num_parallel_tree": "1",
                              "num_trees": "1", "size_leaf_vector": "0"},
                              "tree_info": [0], "trees": [tree]}, "name": "gbtree"},
         "learner_model_param": {"base_score": "5E-1", "boost_from_average": "1",
                                 "num_class": "0", "num_feature": str(nfeat),
                                 "num_target": "1"},
         "objective": {"name": "binary:logistic", "reg_loss_param": {"scale_pos_weight": "1"}}},
         "version": [1, 7, 4]}
    j = json.dumps(m).encode()
    body = head + struct.pack("<I", len(j)) + j
    open(out + "/" + name, "wb").write(body + hashlib.sha256(body).digest())
model("hand", 50, 0)
model("hand49", 49, 0)
model("handcat", 50, 1)
PY
	"$V" url check --model "$T/hand" --json http://a.example/ > "$T/hand.short" 2> "$T/hand.err"
	"$V" url check --model "$T/hand" --json "http://a.example/$(printf '%050d' 0)" \
		> "$T/hand.long" 2>> "$T/hand.err"
	want_short=$(python3 - "$T/m1" <<'PY'
import math, struct, sys
a, b = struct.unpack("<ff", open(sys.argv[1], "rb").read()[16:24])
for z in (-2.5, 1.75):
    print(int(100.0 / (1.0 + math.exp(-(a * z + b))) + 0.5))
PY
)
	check "a hand-written tree walked by vigia: the score the tree and the scale give (short URL)" \
		'grep -q "\"score\":$(echo "$want_short" | sed -n 1p)," "$T/hand.short"'
	check "... and a URL of 40 bytes or more takes the other leaf" \
		'grep -q "\"score\":$(echo "$want_short" | sed -n 2p)," "$T/hand.long"'
	"$V" url check --model "$T/hand49" http://a.example/ > /dev/null 2> "$T/hand49.err"
	rc=$?
	check "trees over 49 features are refused when the model loads, and named so" \
		'[ $rc -eq 3 ] && grep -q "cannot use (trees over 49 features, not 50)" "$T/hand49.err"'
	"$V" url check --model "$T/handcat" http://a.example/ > /dev/null 2> "$T/handcat.err"
	rc=$?
	check "a categorical split is refused when the model loads, and named so" \
		'[ $rc -eq 3 ] && grep -q "cannot use (categorical splits)" "$T/handcat.err"'
else
	echo "SKIP training tests: $S/corpus/url/labeled-dev.tsv not found"
fi
echo "1..$n"
[ "$bad" -eq 0 ]
