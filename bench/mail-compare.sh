#!/bin/sh
# bench/mail-compare.sh — vigia's mail classifier beside SpamAssassin and rspamd on the SAME
# split of ../shared/corpus/email, in the same run, and messages/s of each over the corpus.
#
#   sh bench/mail-compare.sh [CORPUS]      (default ../shared/corpus/email)
#
# 1. `vigia mail train --holdout --split` learns the training half (file-name hash) and
#    classifies the held-out half; the split file says which file went where.
# 2. SpamAssassin (Debian spamassassin + spamd + spamc, 4.0): a private site config (network
#    tests off, auto-learn off), sa-learn on the SAME training half (ham as ham, spam and phish
#    as spam: SpamAssassin has two classes), spamd on loopback, spamc -c on every held-out
#    message; junk = score >= 5.
# 3. rspamd (Debian rspamd 3.4) with its Bayes in a private redis-server on loopback; rspamc
#    learn_ham/learn_spam on the training half through the controller; rspamc on every held-out
#    message; junk = an action other than "no action" and "greylist".
# Both other tools are binary, so the comparison table is ham vs junk (spam + phish) for all
# three; vigia's three-class table comes with it.  Then messages/s over all the corpus.
# Results go to standard output as Markdown (docs/mail-analysis.md keeps a copy).
#
# Offline, and fair about it: nothing leaves the machine.  SpamAssassin runs with local tests
# only (spamd -L, dns_available no, no Razor/Pyzor); rspamd's resolver is a private unbound on
# loopback that answers NXDOMAIN for every name at once (so RBL, SURBL, SPF, DKIM and DMARC
# lookups cost a local round trip, not a timeout), and its fuzzy storage and map downloads
# find no server.  The speed table gives wall time and the CPU time each tool spent (vigia's
# process; spamd's or rspamd's whole process tree, read from /proc before and after), so the
# ratio holds on a busy machine.  BENCH_MAIL_SPEED_ONLY=1 skips scoring the held-out half
# with SpamAssassin and rspamd (learning still runs: both need their Bayes to do their
# usual work).
set -u
C=${1:-../shared/corpus/email}
V=${VIGIA:-build/vigia}
if [ ! -d "$C" ]; then
	echo "SKIP: $C not found"
	exit 0
fi
T=$(mktemp -d /tmp/vigia-mailcmp.XXXXXX)
chmod 755 "$T"
PIDS=""
cleanup() {
	for p in $PIDS; do kill "$p" 2>/dev/null; done
	sleep 1
	rm -rf "$T"
}
trap cleanup EXIT INT TERM
port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
now() { date +%s.%N; }
# CPU seconds (user + system) used so far by process $1 and everything under it: its own and
# its waited-for children's times, plus the living descendants'
cpu_tree() {
	python3 -c '
import os, sys
hz = os.sysconf("SC_CLK_TCK")
def stat(p):
    try:
        f = open("/proc/%d/stat" % p).read()
    except OSError:
        return None
    return f[f.rindex(")") + 2:].split()
kids = {}
for d in os.listdir("/proc"):
    if d.isdigit():
        st = stat(int(d))
        if st:
            kids.setdefault(int(st[1]), []).append(int(d))
root = int(sys.argv[1]); total = 0; todo = [root]
while todo:
    p = todo.pop(); st = stat(p)
    if not st:
        continue
    total += int(st[11]) + int(st[12]) + (int(st[13]) + int(st[14]) if p == root else 0)
    todo += kids.get(p, [])
print("%.2f" % (total / hz))' "$1"
}

# ---- vigia ---------------------------------------------------------------------------------------
"$V" mail train --corpus "$C" --holdout --split "$T/split" --json > "$T/vigia.json" 2> "$T/vigia.err" ||
	{ cat "$T/vigia.err"; exit 1; }
awk -F'\t' '$1 == "train" && $2 == "ham" {print $3}' "$T/split" > "$T/train-ham"
awk -F'\t' '$1 == "train" && $2 != "ham" {print $3}' "$T/split" > "$T/train-junk"
awk -F'\t' '$1 == "test" {print $2 "\t" $3}' "$T/split" > "$T/test"
echo "split: $(wc -l < "$T/train-ham") ham + $(wc -l < "$T/train-junk") junk to learn," \
	"$(wc -l < "$T/test") held out" >&2

# ---- SpamAssassin --------------------------------------------------------------------------------
sa=""
if command -v spamd > /dev/null && command -v sa-learn > /dev/null && command -v spamc > /dev/null; then
	mkdir -p "$T/sa" && chmod 777 "$T/sa"
	cat > "$T/sa/local.cf" <<EOF
use_bayes 1
bayes_auto_learn 0
bayes_path $T/sa/bayes
bayes_file_mode 0777
dns_available no
skip_rbl_checks 1
use_razor2 0
use_pyzor 0
EOF
	# the plugins Debian loads (init.pre, v3xx.pre); the rules stay in /usr/share/spamassassin
	cp /etc/spamassassin/*.pre "$T/sa/" 2>/dev/null
	t0=$(now)
	xargs sa-learn --siteconfigpath "$T/sa" --ham < "$T/train-ham" > "$T/sa-learn.log" 2>&1 &&
		xargs sa-learn --siteconfigpath "$T/sa" --spam < "$T/train-junk" >> "$T/sa-learn.log" 2>&1
	t1=$(now)
	echo "spamassassin: Bayes database: $(sa-learn --siteconfigpath "$T/sa" --dump magic 2>/dev/null |
		awk '/nham|nspam/ {printf "%s %s ", $4, $3}')" >&2
	chmod -R a+rw "$T/sa"
	SP=$(port)
	# children live through the run (they would otherwise be replaced every 200 messages, and
	# the CPU of a child that is gone cannot be read from /proc any more)
	spamd -L -x --siteconfigpath "$T/sa" -i 127.0.0.1 -p "$SP" -m 2 -u nobody \
		--max-conn-per-child=1000000 \
		--pidfile "$T/sa/spamd.pid" > "$T/spamd.log" 2>&1 &
	SAPID=$!
	PIDS="$PIDS $!"
	for _ in $(seq 1 60); do spamc -d 127.0.0.1 -p "$SP" -K > /dev/null 2>&1 && break; sleep 1; done
	if spamc -d 127.0.0.1 -p "$SP" -K > /dev/null 2>&1 && [ -n "${BENCH_MAIL_SPEED_ONLY:-}" ]; then
		sa=speed
	elif spamc -d 127.0.0.1 -p "$SP" -K > /dev/null 2>&1; then
		while IFS="$(printf '\t')" read -r label f; do
			s=$(spamc -d 127.0.0.1 -p "$SP" -c < "$f" 2>/dev/null)
			echo "$label	${s%%/*}"
		done < "$T/test" > "$T/sa.out"
		sa=$(python3 -c 'import sys
print(sum(1 for l in open(sys.argv[1])))' "$T/sa.out")
		echo "spamassassin: learned in $(echo "$t1 - $t0" | bc) s, $sa held-out messages scored" >&2
	else
		echo "spamassassin: spamd did not start:" >&2
		tail -5 "$T/spamd.log" >&2
	fi
fi

# ---- rspamd --------------------------------------------------------------------------------------
rs=""
if command -v rspamd > /dev/null && command -v rspamc > /dev/null && command -v redis-server > /dev/null; then
	RP=$(port); NP=$(port); CP=$(port); PP=$(port)
	mkdir -p "$T/rs/local.d" "$T/rs/override.d" "$T/rs/db" "$T/rs/run" "$T/rs/log" "$T/redis"
	redis-server --bind 127.0.0.1 --port "$RP" --dir "$T/redis" --save "" --appendonly no \
		> "$T/redis.log" 2>&1 &
	PIDS="$PIDS $!"
	echo "bind_socket = \"127.0.0.1:$NP\";" > "$T/rs/override.d/worker-normal.inc"
	echo "bind_socket = \"127.0.0.1:$CP\";" > "$T/rs/override.d/worker-controller.inc"
	echo "bind_socket = \"127.0.0.1:$PP\";" > "$T/rs/override.d/worker-proxy.inc"
	echo "servers = \"127.0.0.1:$RP\";" > "$T/rs/local.d/redis.conf"
	cat > "$T/rs/local.d/classifier-bayes.conf" <<EOF
backend = "redis";
servers = "127.0.0.1:$RP";
autolearn = false;
EOF
	# offline: a private unbound on loopback answers NXDOMAIN for every name at once (no
	# timeouts, nothing leaves the machine); without unbound, a closed port (slower: waits)
	UB=$(command -v unbound || echo /usr/sbin/unbound)
	if [ -x "$UB" ]; then
		DNSP=$(python3 -c 'import socket; s=socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
		mkdir -p "$T/ub"
		cat > "$T/ub/unbound.conf" <<EOF
server:
	interface: 127.0.0.1@$DNSP
	port: $DNSP
	do-daemonize: no
	username: ""
	chroot: ""
	directory: "$T/ub"
	pidfile: "$T/ub/unbound.pid"
	use-syslog: no
	logfile: ""
	verbosity: 0
	do-ip6: no
	access-control: 127.0.0.0/8 allow
	module-config: "iterator"
	local-zone: "." static
remote-control:
	control-enable: no
EOF
		"$UB" -d -c "$T/ub/unbound.conf" > "$T/ub/log" 2>&1 &
		PIDS="$PIDS $!"
		echo "dns { nameserver = [\"127.0.0.1:$DNSP\"]; timeout = 1s; retransmits = 1; }" \
			> "$T/rs/local.d/options.inc"
		echo "rspamd: DNS through unbound on 127.0.0.1:$DNSP (NXDOMAIN for every name)" >&2
	else
		echo 'dns { nameserver = ["127.0.0.1:1"]; timeout = 0.2s; retransmits = 1; }' \
			> "$T/rs/local.d/options.inc"
		echo "rspamd: no unbound: DNS to a closed port (every lookup waits)" >&2
	fi
	echo 'type = "console"; level = "error";' > "$T/rs/local.d/logging.inc"
	rspamd -f -i -c /etc/rspamd/rspamd.conf --var "LOCAL_CONFDIR=$T/rs" --var "DBDIR=$T/rs/db" \
		--var "RUNDIR=$T/rs/run" --var "LOGDIR=$T/rs/log" > "$T/rspamd.log" 2>&1 &
	RSPID=$!
	PIDS="$PIDS $!"
	# its start compiles every regular expression of its rules (hyperscan): minutes on a busy
	# machine
	for _ in $(seq 1 "${BENCH_RSPAMD_WAIT:-400}"); do
		rspamc -h "127.0.0.1:$CP" stat > /dev/null 2>&1 && break
		sleep 1
	done
	if rspamc -h "127.0.0.1:$CP" stat > /dev/null 2>&1; then
		t0=$(now)
		xargs rspamc -h "127.0.0.1:$CP" -n 4 learn_ham < "$T/train-ham" > "$T/rs-learn.log" 2>&1
		xargs rspamc -h "127.0.0.1:$CP" -n 4 learn_spam < "$T/train-junk" >> "$T/rs-learn.log" 2>&1
		t1=$(now)
		if [ -n "${BENCH_MAIL_SPEED_ONLY:-}" ]; then : > "$T/test.rs"; else cp "$T/test" "$T/test.rs"; fi
		cut -f2 "$T/test.rs" | xargs -r rspamc -h "127.0.0.1:$NP" -n 4 -j --compact > "$T/rs.json" 2>/dev/null
		python3 - "$T/test" "$T/rs.json" > "$T/rs.out" 2> "$T/rs.bayes" <<'EOF'
import json, sys
labels = {}
for l in open(sys.argv[1]):
    lab, f = l.rstrip("\n").split("\t")
    labels[f] = lab
dec = json.JSONDecoder()
txt = open(sys.argv[2]).read()
i = 0
while i < len(txt):
    while i < len(txt) and txt[i] in " \r\n\t":
        i += 1
    if i >= len(txt):
        break
    if txt[i] != "{":          # rspamc -j prints the file name before each object
        j = txt.find("{", i)
        if j < 0:
            break
        name = txt[i:j].strip().rstrip(":").strip()
        i = j
    o, i = dec.raw_decode(txt, i)
    f = o.get("filename") or name
    if f in labels and "action" in o:
        print("%s\t%s\t%s" % (labels[f], o["action"], o.get("score")))
        syms = o.get("symbols", {})
        bayes = [k for k in syms if k.startswith("BAYES_")]
        sys.stderr.write("rspamd bayes %s\n" % (bayes[0] if bayes else "none"))
EOF
		rs=$(wc -l < "$T/rs.out")
		[ -n "${BENCH_MAIL_SPEED_ONLY:-}" ] && rs=speed
		echo "rspamd: Bayes symbols on held-out messages:" \
			"$(sort "$T/rs.bayes" | uniq -c | tr '\n' ' ')" >&2
		echo "rspamd: learned in $(echo "$t1 - $t0" | bc) s, $rs held-out messages scored;" \
			"BAYES learns: $(grep -c 'success = true\|learned' "$T/rs-learn.log")" >&2
	else
		echo "rspamd: did not start:" >&2
		tail -5 "$T/rspamd.log" >&2
	fi
fi

# ---- the table -----------------------------------------------------------------------------------
python3 - "$T/vigia.json" "$T/sa.out" "$T/rs.out" <<'EOF'
import json, os, sys
def prf(tp, fp, fn):
    p = tp / (tp + fp) if tp + fp else 0.0
    r = tp / (tp + fn) if tp + fn else 0.0
    return p, r, (2 * p * r / (p + r) if p + r else 0.0)
def binary(pairs):  # (truth_is_junk, predicted_is_junk)
    rows = {}
    for cls, pos in (("ham", False), ("junk", True)):
        tp = sum(1 for t, p in pairs if t == pos and p == pos)
        fp = sum(1 for t, p in pairs if t != pos and p == pos)
        fn = sum(1 for t, p in pairs if t == pos and p != pos)
        rows[cls] = prf(tp, fp, fn) + (sum(1 for t, _ in pairs if t == pos),)
    return rows
v = json.loads(open(sys.argv[1]).read().splitlines()[0])
cm = v["confusion"]
pairs = []
for a in range(3):
    for c in range(3):
        pairs += [(a != 0, c != 0)] * cm[a][c]
tools = [("vigia (naive Bayes + rules)", binary(pairs))]
if os.path.exists(sys.argv[2]) and os.path.getsize(sys.argv[2]):
    sa = [l.rstrip("\n").split("\t") for l in open(sys.argv[2])]
    tools.append(("SpamAssassin 4.0 (rules + Bayes, >= 5)",
                  binary([(lab != "ham", float(s or 0) >= 5.0) for lab, s in sa])))
else:
    tools.append(("SpamAssassin", None))
if os.path.exists(sys.argv[3]) and os.path.getsize(sys.argv[3]):
    rs = [l.rstrip("\n").split("\t") for l in open(sys.argv[3])]
    tools.append(("rspamd 3.4 (rules + Bayes, action)",
                  binary([(lab != "ham", act not in ("no action", "greylist")) for lab, act, _ in rs])))
else:
    tools.append(("rspamd", None))
print("### Ham vs junk (spam + phish), held-out half: %d messages\n" % sum(map(sum, cm)))
print("| tool | ham P | ham R | ham F1 | junk P | junk R | junk F1 | messages |")
print("|---|---|---|---|---|---|---|---|")
for name, r in tools:
    if r is None:
        print("| %s | did not run | | | | | | |" % name)
        continue
    h, j = r["ham"], r["junk"]
    print("| %s | %.3f | %.3f | %.3f | %.3f | %.3f | %.3f | %d |" % (name, h[0], h[1], h[2], j[0], j[1], j[2], h[3] + j[3]))
print("\n### vigia, three classes (same held-out half)\n")
print("| class | precision | recall | F1 | messages |\n|---|---|---|---|---|")
for k in ("ham", "spam", "phish"):
    x = v["classes"][k]
    print("| %s | %.3f | %.3f | %.3f | %d |" % (k, x["precision"], x["recall"], x["f1"], x["messages"]))
print("\nconfusion (rows truth ham/spam/phish, columns predicted): %s; macro F1 %.3f" % (cm, v["macro_f1"]))
EOF

# ---- messages/s over the whole corpus ------------------------------------------------------------
# BENCH_MAIL_SAMPLE=K: every K-th message of labels.tsv only (the same ones for every tool)
K=${BENCH_MAIL_SAMPLE:-1}
awk -F'\t' -v k="$K" 'NR > 1 && (NR - 2) % k == 0 {print "'"$C"'/" $2}' "$C/labels.tsv" > "$T/all"
N=$(wc -l < "$T/all")
echo
echo "### Messages per second over the corpus ($N messages: every ${K}th of labels.tsv; one run each)"
echo
echo "load average at the start: $(cut -d' ' -f1-3 /proc/loadavg)"
echo
echo "| tool | wall s | messages/s (wall) | CPU s | messages per CPU-second |"
echo "|---|---|---|---|---|"
row() { # name wall cpu
	python3 -c 'import sys
n, w, c = int(sys.argv[2]), float(sys.argv[3]), float(sys.argv[4])
print("| %s | %.1f | %.0f | %.2f | %.0f |" % (sys.argv[1], w, n / w, c, n / c if c else 0))' \
		"$1" "$N" "$2" "$3"
}
t0=$(now)
/usr/bin/time -f "%U %S" -o "$T/vtime" xargs "$V" mail analyze --no-store --no-clamav --json \
	< "$T/all" > /dev/null 2>&1
t1=$(now)
row "vigia mail analyze (parse, URLs through the URL analyzer, attachments; one process)" \
	"$(echo "$t1 - $t0" | bc)" "$(awk '{print $1 + $2}' "$T/vtime")"
if [ -n "$rs" ]; then
	c0=$(cpu_tree "$RSPID"); t0=$(now)
	xargs rspamc -h "127.0.0.1:$NP" -n 4 < "$T/all" > "$T/rs-all.out" 2>&1
	t1=$(now); c1=$(cpu_tree "$RSPID")
	row "rspamd 3.4 via rspamc (-n 4 parallel requests; rspamd's CPU)" \
		"$(echo "$t1 - $t0" | bc)" "$(echo "$c1 - $c0" | bc)"
	echo "rspamd: $(grep -c '^Action:' "$T/rs-all.out") of $N messages got an action; most" \
		"frequent symbols: $(grep -o '^Symbol: [A-Z_0-9]*' "$T/rs-all.out" | sort | uniq -c |
			sort -rn | head -15 | awk '{printf "%s %s, ", $3, $1}')" >&2
fi
if [ -n "$sa" ]; then
	c0=$(cpu_tree "$SAPID"); t0=$(now)
	xargs -P 2 -I{} sh -c 'spamc -d 127.0.0.1 -p '"$SP"' -c < "{}" 2>/dev/null; echo' \
		< "$T/all" > "$T/sa-all.out"
	t1=$(now); c1=$(cpu_tree "$SAPID")
	row "SpamAssassin 4.0 via spamc/spamd -L (2 children, 2 clients; spamd's CPU)" \
		"$(echo "$t1 - $t0" | bc)" "$(echo "$c1 - $c0" | bc)"
	echo "spamassassin: $(grep -c '/' "$T/sa-all.out") of $N messages scored" >&2
	# a child spamd replaced during the run (it does so on "copy_config timeout" when the
	# machine is very busy) took its CPU time with it: the figure above is then too low
	if [ "$(grep -c 'spawned child' "$T/spamd.log")" -gt 2 ]; then
		echo "spamassassin: WARNING: spamd replaced a child during the run; its CPU time" \
			"above misses the old child's (scantime per message in its log:" \
			"$(grep -o 'scantime=[0-9.]*' "$T/spamd.log" | cut -d= -f2 |
				awk '{s += $1; n++} END {if (n) printf "mean %.2f s over %d", s / n, n}'))" >&2
	fi
fi
echo
echo "load average at the end: $(cut -d' ' -f1-3 /proc/loadavg)"
