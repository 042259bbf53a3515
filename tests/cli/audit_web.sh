#!/bin/sh
# `vigia audit web`: web-site checks against a REAL nginx on loopback that this test starts
# with one server per case (a good HTTPS site with its HTTP redirect, bad headers, an exposed
# .git, a directory listing, a site that answers 200 to everything = the soft-404 baseline),
# plus a closed port and a port that accepts connections and never answers (timeouts).
# nginx is installed by scripts/deps.sh; without it the test says SKIP.
set -u
V=${VIGIA:-build/san/vigia}
case $V in /*) ;; *) V=$(pwd)/$V ;; esac
NGINX=$(command -v nginx || echo /usr/sbin/nginx)
if [ ! -x "$NGINX" ] || ! command -v openssl > /dev/null; then
	echo "SKIP nginx or openssl is not installed (sh scripts/deps.sh)"
	exit 0
fi
T=$(mktemp -d)
npid=""; hpid=""
cleanup() {
	[ -n "$npid" ] && kill "$npid" 2>/dev/null && wait "$npid" 2>/dev/null
	[ -n "$hpid" ] && kill "$hpid" 2>/dev/null && wait "$hpid" 2>/dev/null
	rm -rf "$T"
}
trap cleanup EXIT
. tests/lib.sh
# ten free loopback ports
set -- $(python3 -c '
import socket
ss=[socket.socket() for _ in range(10)]
for s in ss: s.bind(("127.0.0.1",0))
print(" ".join(str(s.getsockname()[1]) for s in ss))')
GOOD=$1 GOODHTTP=$2 BADH=$3 GIT=$4 LIST=$5 SOFT=$6 CLOSED=$7 HANG=$8 TLS12=$9 REDIR=${10}

mkdir -p "$T/good" "$T/bad" "$T/git/.git" "$T/list/files" "$T/soft" "$T/logs"
printf '<!doctype html><html><head><title>ok</title></head><body>fine</body></html>\n' > "$T/good/index.html"
printf '<!doctype html><html><head><script src="http://cdn.example.org/x.js"></script></head><body>hi</body></html>\n' > "$T/bad/index.html"
printf '<html><body>site</body></html>\n' > "$T/git/index.html"
printf '[core]\n\trepositoryformatversion = 0\n\tbare = false\n' > "$T/git/.git/config"
printf 'ref: refs/heads/main\n' > "$T/git/.git/HEAD"
printf 'a\n' > "$T/list/files/a.txt"
# the catch-all page would match the .git checks if the baseline did not rule them out
printf 'ref: refs/heads/x [core] DB_PASSWORD=1\n' > "$T/soft/index.html"
chmod -R a+rX "$T" # nginx's workers run as another user
openssl req -x509 -newkey rsa:2048 -nodes -keyout "$T/key.pem" -out "$T/cert.pem" -days 2 \
	-subj "/CN=127.0.0.1" -addext "subjectAltName=IP:127.0.0.1" > /dev/null 2>&1
chmod a+r "$T/key.pem" "$T/cert.pem"
cat > "$T/nginx.conf" <<CONF
worker_processes 1;
pid $T/nginx.pid;
error_log $T/logs/error.log;
events { worker_connections 64; }
http {
	include /etc/nginx/mime.types;
	log_format addr '\$server_addr \$request';
	access_log $T/logs/access.log addr;
	client_body_temp_path $T/tmp_body; proxy_temp_path $T/tmp_proxy;
	fastcgi_temp_path $T/tmp_fcgi; uwsgi_temp_path $T/tmp_uwsgi; scgi_temp_path $T/tmp_scgi;
	server_tokens off;
	server {
		listen 127.0.0.1:$GOOD ssl;
		ssl_certificate $T/cert.pem; ssl_certificate_key $T/key.pem;
		root $T/good;
		add_header Strict-Transport-Security "max-age=63072000; includeSubDomains" always;
		add_header Content-Security-Policy "default-src 'none'; form-action 'self'; frame-ancestors 'none'" always;
		add_header X-Content-Type-Options nosniff always;
		add_header X-Frame-Options DENY always;
		add_header Referrer-Policy no-referrer always;
		add_header Cross-Origin-Resource-Policy same-origin always;
		add_header Cross-Origin-Opener-Policy same-origin always;
		add_header Cross-Origin-Embedder-Policy require-corp always;
		add_header Set-Cookie "sessionid=1; Secure; HttpOnly; SameSite=Strict" always;
	}
	server {
		listen 127.0.0.1:$GOODHTTP;
		return 301 https://127.0.0.1:$GOOD\$request_uri;
	}
	server {
		listen 127.0.0.1:$BADH;
		server_tokens on;
		root $T/bad;
		add_header Set-Cookie "sessionid=abc; Path=/";
		add_header X-Powered-By "PHP/8.2.7";
	}
	server { listen 127.0.0.1:$GIT; listen 127.0.0.2:$GIT; listen 127.0.0.3:$GIT; root $T/git; }
	# TLS 1.2 only, one cipher: what vigia reports must follow what the server negotiates
	server {
		listen 127.0.0.1:$TLS12 ssl;
		ssl_certificate $T/cert.pem; ssl_certificate_key $T/key.pem;
		ssl_protocols TLSv1.2; ssl_ciphers ECDHE-RSA-AES128-GCM-SHA256;
		root $T/good;
	}
	# a redirect to another host: followed only when that host is in scope
	server { listen 127.0.0.1:$REDIR; return 302 http://127.0.0.2:$GIT/; }
	server { listen 127.0.0.1:$LIST; root $T/list; autoindex on; }
	server { listen 127.0.0.1:$SOFT; root $T/soft; location / { try_files /index.html =404; } }
}
CONF
"$NGINX" -p "$T" -c "$T/nginx.conf" -g 'daemon off;' > "$T/logs/nginx.out" 2>&1 &
npid=$!
# a port that accepts and never answers: a TLS handshake or HTTP request that hangs
python3 -c '
import socket, time, sys
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("127.0.0.1", int(sys.argv[1]))); s.listen(16)
conns = []
while True:
    c, _ = s.accept(); conns.append(c)
' "$HANG" &
hpid=$!
for i in 1 2 3 4 5 6 7 8 9 10; do
	python3 -c 'import socket,sys; socket.create_connection(("127.0.0.1",int(sys.argv[1])),1)' "$SOFT" 2>/dev/null && break
	sleep 0.3
done

W="$V audit web --rate 50 --timeout 5"
$W --insecure --http-port "$GOODHTTP" "https://127.0.0.1:$GOOD/" > "$T/out" 2> "$T/err"; rc=$?
check "good site: exit 0" '[ $rc -eq 0 ]'
check "... grade A+ (every header, HTTPS redirect, HSTS, secure cookie)" 'grep -q "Observatory score 1[0-9][0-9], grade A+" "$T/out"'
check "... TLS certificate facts reported (self-signed: not verified)" 'grep -q "TLS certificate: NOT verified, self-signed; subject.*127.0.0.1" "$T/out"'
# what the real TLS client of the same OpenSSL negotiates with the same server
ossl=$(openssl s_client -connect "127.0.0.1:$GOOD" -brief < /dev/null 2>&1)
oproto=$(printf '%s\n' "$ossl" | sed -n 's/^Protocol version: *//p')
ocipher=$(printf '%s\n' "$ossl" | sed -n 's/^Ciphersuite: *//p')
check "... the negotiated protocol and cipher, as openssl s_client sees them ($oproto, $ocipher)" \
	'[ -n "$oproto" ] && grep -q "^  TLS: $oproto, cipher $ocipher\$" "$T/out"'
check "... days left, key and signature algorithm" \
	'grep -q "TLS certificate: [12] days left; key RSA 2048; signed with sha256WithRSAEncryption" "$T/out"'
check "... no exposure" 'grep -q "no exposure found" "$T/out"'
$W --insecure --http-port "$GOODHTTP" --json "https://127.0.0.1:$GOOD/" > "$T/good.json"
check "... --json: the Observatory results, redirection-to-https, csp default-src none" 'python3 -c "
import json,sys
d=json.load(open(sys.argv[1]))[0]
r={t[\"test\"]:t[\"result\"] for t in d[\"tests\"]}
assert r[\"redirection\"]==\"redirection-to-https\", r
assert r[\"content-security-policy\"]==\"csp-implemented-with-no-unsafe-default-src-none\", r
assert r[\"strict-transport-security\"]==\"hsts-implemented-max-age-at-least-six-months\", r
assert r[\"cookies\"]==\"cookies-secure-with-httponly-sessions-and-samesite\", r
assert d[\"grade\"]==\"A+\" and d[\"tls\"][\"certificate_verified\"] is False
t=d[\"tls\"]
assert t[\"protocol\"]==sys.argv[2] and t[\"cipher\"]==sys.argv[3], t
assert t[\"self_signed\"] is True and t[\"days_left\"] in (1, 2) and t[\"key\"]==\"RSA 2048\", t
assert \"127.0.0.1\" in t[\"names\"] and t[\"not_before\"] and t[\"expires\"], t
assert t[\"signature_algorithm\"]==\"sha256WithRSAEncryption\", t
" "$T/good.json" "$oproto" "$ocipher"'
$W --insecure --json "https://127.0.0.1:$TLS12/" > "$T/tls12.json" 2>/dev/null
check "a TLS 1.2-only server with one cipher: TLSv1.2 and that cipher reported" 'python3 -c "
import json,sys
t=json.load(open(sys.argv[1]))[0][\"tls\"]
assert t[\"protocol\"]==\"TLSv1.2\" and t[\"cipher\"]==\"ECDHE-RSA-AES128-GCM-SHA256\", t
" "$T/tls12.json"'

$W --json "http://127.0.0.1:$BADH/" > "$T/bad.json"; rc=$?
check "bad headers: grade F with the expected results" '[ $rc -eq 0 ] && python3 -c "
import json,sys
d=json.load(open(sys.argv[1]))[0]
r={t[\"test\"]:t[\"result\"] for t in d[\"tests\"]}
assert d[\"grade\"]==\"F\", d[\"grade\"]
assert r[\"content-security-policy\"]==\"csp-not-implemented\"
assert r[\"cookies\"]==\"cookies-session-without-secure-flag\"
assert r[\"subresource-integrity\"]==\"sri-not-implemented-and-external-scripts-not-loaded-securely\"
assert r[\"redirection\"]==\"redirection-missing\" and r[\"x-frame-options\"]==\"x-frame-options-not-implemented\"
ids={e[\"id\"] for e in d[\"exposures\"]}
assert ids=={\"server-banner\",\"powered-by\"}, ids
" "$T/bad.json"'

$W "http://127.0.0.1:$GIT/" > "$T/out"; rc=$?
check "exposed .git: git-config and git-head found" '[ $rc -eq 0 ] && grep -q "exposure: git-config (medium" "$T/out" && grep -q "exposure: git-head" "$T/out"'
$W "http://127.0.0.1:$LIST/files/" > "$T/out"
check "directory listing found" 'grep -q "exposure: dir-listing" "$T/out"'
$W "http://127.0.0.1:$SOFT/" > "$T/out"
check "a site answering 200 to everything: the soft-404 baseline rules the hits out" 'grep -q "no exposure found" "$T/out"'

$W --events "http://127.0.0.1:$GIT/" > "$T/ev.jsonl"
check "--events: IntelMQ events with the exposed URL" 'grep -q "\"classification.type\":\"information-disclosure\"" "$T/ev.jsonl" && grep -q "\"source.url\":\"http://127.0.0.1:$GIT/.git/config\"" "$T/ev.jsonl"'
"$V" ingest --db "$T/s.db" --parser intelmq_json "$T/ev.jsonl" > /dev/null 2>&1; rc=$?
check "... and they go into the store" '[ $rc -eq 0 ] && "$V" events --db "$T/s.db" --json | grep -q "git-config"'

# bad targets: each named, the others still checked
$W --timeout 1 "http://127.0.0.1:$CLOSED/" "https://127.0.0.1:$HANG/" "http://127.0.0.1:$HANG/" "http://127.0.0.1:$GIT/" > "$T/out" 2> "$T/err"; rc=$?
check "a closed port: named with the reason" 'grep -q "127.0.0.1:$CLOSED/: .*\(refused\|connect\)" "$T/err"'
check "a TLS handshake that hangs: timed out, named" 'grep -q "https://127.0.0.1:$HANG/: .*[Tt]ime" "$T/err"'
check "an HTTP request that hangs: timed out, named" 'grep -q "http://127.0.0.1:$HANG/: .*[Tt]ime" "$T/err"'
check "... exit 1, and the good site was still checked" '[ $rc -eq 1 ] && grep -q "exposure: git-config" "$T/out"'
# ---- probes only go to targets given or listed in the constituency ---------------------
$W "http://127.0.0.1:$REDIR/" > "$T/out" 2> "$T/err"; rc=$?
check "a redirect to a host neither given nor in the constituency: not followed, named, exit 1" \
	'[ $rc -eq 1 ] && grep -q "redirect to http://127.0.0.2:$GIT/ not followed: 127.0.0.2 was not given on the command line" "$T/err" && grep -q "not probed: redirect to http://127.0.0.2" "$T/out"'
check "... and nothing reached 127.0.0.2" '! grep -q "^127.0.0.2 " "$T/logs/access.log"'
"$V" constituency add org "Laboratorio" --db "$T/c.db" --network 127.0.0.2/32 > /dev/null 2>&1
$W --db "$T/c.db" "http://127.0.0.1:$REDIR/" > "$T/out" 2> "$T/err"; rc=$?
check "... followed once the constituency holds its network" \
	'[ $rc -eq 0 ] && grep -q "HTTP 200" "$T/out" && grep -q "^127.0.0.2 GET / " "$T/logs/access.log"'
printf '# from a feed\nhttp://127.0.0.2:%s/\n\n  http://127.0.0.3:%s/  \n' "$GIT" "$GIT" > "$T/targets.txt"
$W --db "$T/c.db" --targets "$T/targets.txt" > "$T/out" 2> "$T/err"; rc=$?
check "--targets: a listed URL in the constituency is checked" \
	'sed -n "/^http:..127.0.0.2:$GIT/,/^http/p" "$T/out" | grep -q "exposure: git-config"'
check "... one outside it is refused with file, line and reason, exit 1" \
	'[ $rc -eq 1 ] && grep -q "targets.txt:4: http://127.0.0.3:$GIT/: 127.0.0.3 is not in the constituency and was not given on the command line: not probed" "$T/err"'
check "... and was never contacted" '! grep -q "^127.0.0.3 " "$T/logs/access.log"'
$W --targets "$T/targets.txt" --json --db "$T/c.db" "http://127.0.0.3:$GIT/" > "$T/l.json" 2>/dev/null
check "... unless given explicitly on the command line" 'python3 -c "
import json,sys
d=json.load(open(sys.argv[1]))
assert len(d)==3 and all(\"refused\" not in x for x in d), d
" "$T/l.json"'
printf 'id\tcategory\tmethod\tpath\tmatch\treject\tseverity\tnote\ngit-head\texposure\tGET\t/.git/HEAD\tref: \t\tmedium\tx\n' > "$T/one.tsv"
t0=$(date +%s%N)
"$V" audit web --audit.web_rate=2 --checks "$T/one.tsv" "http://127.0.0.1:$GIT/" > /dev/null 2>&1
t1=$(date +%s%N)
check "the rate limit is a setting (audit.web_rate=2: 4 requests take 1.5 s or more)" \
	'[ $(( (t1 - t0) / 1000000 )) -ge 1450 ]'
"$V" audit web --set audit.web_rate=0 "http://127.0.0.1:$GIT/" > /dev/null 2> "$T/err"; rc=$?
check "... checked: 0 is a usage error naming the setting" '[ $rc -eq 2 ] && grep -q "audit.web_rate" "$T/err"'
check "not a URL: named" '$W ftp://x/ 2>&1 | grep -q "not an http:// or https:// URL"'
check "--help says probes go only to the URLs given, with a rate limit and timeout" \
	'"$V" audit web --help | grep -q "ONLY to the URLs given" && "$V" audit web --help | grep -q "requests per second" && "$V" audit web --help | grep -q "constituency"'
check "no URL: usage error" '"$V" audit web > /dev/null 2>&1; [ $? -eq 2 ]'

echo "1..$n"
[ $bad -eq 0 ]
