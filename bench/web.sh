#!/bin/sh
# bench/web.sh — `vigia audit web` on BENCH_WEB_SITES local sites (default 100): one nginx on
# loopback serving that many servers (ports), half of them with an exposed .git; every site
# gets the Observatory tests, the soft-404 baseline and the 16 exposure checks (about 19
# requests per site).  Wall and CPU time of the whole run at --rate 100 (the rate limit is
# per site, so it does not slow a run over many sites much).
#
#     sh bench/web.sh [path/to/vigia]
set -eu
VIGIA=${1:-build/vigia}
here=$(cd "$(dirname "$0")" && pwd)
n=${BENCH_WEB_SITES:-100}
NGINX=$(command -v nginx || echo /usr/sbin/nginx)
[ -x "$NGINX" ] || { echo "bench/web.sh: nginx is not installed (sh scripts/deps.sh)"; exit 0; }
T=$(mktemp -d)
npid=""
trap '[ -n "$npid" ] && kill "$npid" 2>/dev/null; rm -rf "$T"' EXIT
ports=$(python3 -c "
import socket
ss=[socket.socket() for _ in range($n)]
for s in ss: s.bind(('127.0.0.1',0))
print(' '.join(str(s.getsockname()[1]) for s in ss))")
mkdir -p "$T/site/.git" "$T/plain" "$T/logs"
printf '<html><body>x</body></html>\n' > "$T/site/index.html"
printf '<html><body>x</body></html>\n' > "$T/plain/index.html"
printf '[core]\n' > "$T/site/.git/config"
chmod -R a+rX "$T"
{
	echo "worker_processes 2; pid $T/nginx.pid; error_log $T/logs/error.log;"
	echo "events { worker_connections 1024; }"
	echo "http { access_log off; client_body_temp_path $T/b; proxy_temp_path $T/p;"
	echo " fastcgi_temp_path $T/f; uwsgi_temp_path $T/u; scgi_temp_path $T/s;"
	i=0
	for p in $ports; do
		if [ $((i % 2)) -eq 0 ]; then r=site; else r=plain; fi
		echo " server { listen 127.0.0.1:$p; root $T/$r; }"
		i=$((i + 1))
	done
	echo "}"
} > "$T/nginx.conf"
"$NGINX" -p "$T" -c "$T/nginx.conf" -g 'daemon off;' 2>"$T/logs/out" &
npid=$!
sleep 1
urls=""
for p in $ports; do urls="$urls http://127.0.0.1:$p/"; done
set -- $(python3 "$here/measure.py" 1 "$T/out.json" "$T/err" -- "$VIGIA" audit web --rate 100 --json $urls)
hits=$(python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); print("%d of %d" % (sum(1 for s in d for e in s.get("exposures",[]) if e["id"]=="git-config"), len(d)))' "$T/out.json")
echo "audit web: $n local sites: $1 s wall, $2 s CPU, peak RSS $3 kB, exit $4; .git found on $hits sites"
