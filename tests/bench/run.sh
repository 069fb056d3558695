#!/bin/sh
# make bench: the limits of the libraries and the machine, then tafel end
# to end with real daemons and durable storage, all in one run, printed
# as one table.  Not a test: nothing here passes or fails on a number.
#
#   sh tests/bench/run.sh BUILD_DIR
#
# Environment:
#   BENCH_RUNS=3       runs of each end-to-end measurement (median shown)
#   BENCH_N=           records per throughput run (default: about 8 s
#                      of work at the warm-up's rate, 1,000 to 30,000)
#   BENCH_K=64         requests in flight for throughput (the listen
#                      backlog is 16; the driver retries the rest)
#   BENCH_RATE=200     records per second for the latency runs
#   BENCH_SECS=10      seconds per latency run
#   BENCH_CASES=10000  cases held by the memory daemon
#   BENCH_IMPORT_N=2000 files for tafel record import (the bulk load)
#   BENCH_ADD_N=200    tafel record add, one process each, to compare
#   BENCH_PERF=1       two more throughput runs, not counted: one under
#                      perf record, one (500 records) under perf trace -s,
#                      of the sender and one receiver (BUILD_DIR/perf/:
#                      NAME.txt, NAME.syscalls)
#   BENCH_PERF_CG=fp   perf's call graphs: fp (frame pointers, cheap;
#                      the libraries have none) or dwarf (complete, slow)
#   BENCH_KEEP=1       keep the temporary directory
#
# Five daemons on 127.0.0.1: the sender (a coordinator), three recipients
# (police, caw, ocmw) and a fifth daemon for the memory figures, all
# members of one table.  The results also go to BUILD_DIR/bench.txt.
set -u
B=${1:?usage: run.sh BUILD_DIR}
B=$(cd "$B" && pwd) || exit 2
TAFEL=$B/tafel
TAFELD=$B/tafeld
LIMITS=$B/bench_limits
E2E=$B/bench_e2e
AUDIT=$B/bench_audit
RUNS=${BENCH_RUNS:-3}
N=${BENCH_N:-3000}	# replaced after the warm-up unless set
K=${BENCH_K:-64}
RATE=${BENCH_RATE:-200}
SECS=${BENCH_SECS:-10}
NCASES=${BENCH_CASES:-10000}
ROOTFLAG=""
[ "$(id -u)" -eq 0 ] && ROOTFLAG=--allow-root-dangerously
T=$(mktemp -d "${TMPDIR:-/tmp}/tafel-bench.XXXXXX")
chmod 700 "$T"
R=$T/results
: >"$R"
PIDS=""
PERFPIDS=""
PORT_BASE=$((10000 + ($$ * 37 + $(date +%N | sed 's/^0*//;s/^$/0/')) % 22000))

cleanup() {
	for p in $PERFPIDS; do
		kill -INT "$p" 2>/dev/null
	done
	for p in $PIDS; do
		kill "$p" 2>/dev/null
	done
	for p in $PIDS $PERFPIDS; do
		wait "$p" 2>/dev/null
	done
	if [ "${BENCH_KEEP:-0}" = 1 ]; then
		echo "# kept $T"
	else
		rm -rf "$T"
	fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

say() { echo "# $*" >&2; }
die() { say "$*"; exit 1; }
# put KEY VALUE: one result.
put() { echo "$1 $2" >>"$R"; }
# get KEY: a result, or "-".
get() { awk -v k="$1" '$1 == k { v = $2 } END { print v == "" ? "-" : v }' "$R"; }

# median of the numbers on standard input.
median() {
	sort -n | awk '{ v[NR] = $1 } END {
		if (NR == 0) print "-"; else if (NR % 2) print v[(NR + 1) / 2];
		else print (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}

# mkorg NAME ROLE PORTINDEX; start NAME; as tests/integration/lib.sh.
mkorg() {
	"$TAFEL" -d "$T/$1" init --org "$1" --name "Bench $1" --role "$2" \
	    --listen "tcp://127.0.0.1:$((PORT_BASE + $3))" --no-passphrase \
	    >"$T/$1.init" 2>&1 || die "tafel init $1 failed: $(cat "$T/$1.init")"
}

start() {
	# shellcheck disable=SC2086
	"$TAFELD" -d "$T/$1" $ROOTFLAG >>"$T/$1.log" 2>&1 &
	eval "PID_$(echo "$1" | tr '-' '_')=$!"
	PIDS="$PIDS $!"
	i=0
	while ! "$TAFEL" -d "$T/$1" status >/dev/null 2>&1; do
		i=$((i + 1))
		[ $i -lt 100 ] || die "tafeld $1 did not start: $(tail -5 "$T/$1.log")"
		sleep 0.1
	done
}

stop() {
	eval "pid=\$PID_$(echo "$1" | tr '-' '_')"
	kill "$pid" 2>/dev/null
	wait "$pid" 2>/dev/null
	PIDS=$(echo "$PIDS" | sed "s/ $pid\b//")
}

pid_of() { eval "echo \$PID_$(echo "$1" | tr '-' '_')"; }


# hwm NAME: peak resident set (VmHWM) of that daemon, in KiB.
hwm() { awk '/^VmHWM:/ { print $2 }' "/proc/$(pid_of "$1")/status"; }
# rss NAME: the resident set now, anonymous + file-backed (the LMDB
# map is file-backed), in KiB, as "ANON+FILE".
rss() {
	awk '/^RssAnon:/ { a = $2 } /^RssFile:/ { f = $2 }
	    END { printf "%.1f+%.1f", a / 1024, f / 1024 }' \
	    "/proc/$(pid_of "$1")/status"
}

# ---- 1. limits ----------------------------------------------------------

say "limits: crypto, LMDB commits, CurveZMQ (about 10 s)"
mkdir -p "$T/limits"
"$LIMITS" "$T/limits" >"$T/limits.out" || die "bench_limits failed"
awk '{ print "lim_" $1, $2 }' "$T/limits.out" >>"$R"

# ---- 2. end to end ------------------------------------------------------

S=bench-stad
RCPT="bench-politie bench-caw bench-ocmw"
MEM=bench-mem
say "end to end: five daemons on loopback"
mkorg $S coordinator 1
mkorg bench-politie police 2
mkorg bench-caw caw 3
mkorg bench-ocmw ocmw 4
mkorg $MEM coordinator 5
ALL="$S $RCPT $MEM"
for o in $ALL; do
	start "$o"
done
cards=""
for o in $ALL; do
	"$TAFEL" -d "$T/$o" card >"$T/$o.card" || die "tafel card $o"
	cards="$cards $T/$o.card"
done
# shellcheck disable=SC2086
"$TAFEL" -d "$T/$S" table draft --table bench --cards $cards \
    --signers $S --threshold 1 -o "$T/bench.table" >/dev/null ||
    die "table draft failed"
"$TAFEL" -d "$T/$S" table sign "$T/bench.table" >/dev/null ||
    die "table sign failed"
fpr=$("$TAFEL" table fingerprint "$T/bench.table") || die "fingerprint"
for o in $ALL; do
	"$TAFEL" -d "$T/$o" table adopt "$T/bench.table" --expect "$fpr" \
	    >/dev/null || die "table adopt $o failed"
done
"$E2E" -d "$T/$S" settle 4 60 || die "the peers did not connect"
"$E2E" -d "$T/$MEM" settle 4 60 || die "the peers did not connect"

# Memory, idle: the fifth daemon, started, table adopted, peers up.
sleep 1
put mem_idle_kib "$(hwm $MEM)"
put mem_idle_split "$(rss $MEM)"

# shellcheck disable=SC2086
"$E2E" -d "$T/$S" open bench 1 1 $RCPT >"$T/open.out" ||
    die "case.open failed"
CASE=$(awk '$1 == "case" { print $2 }' "$T/open.out")
"$E2E" -d "$T/$S" settle 4 60 || die "the case did not reach its members"

say "warm-up: 200 records"
"$E2E" -d "$T/$S" throughput "$CASE" 200 "$K" >"$T/warm.out" ||
    die "warm-up failed: $(cat "$T/warm.out")"
# Without BENCH_N, each run takes about 8 seconds at the warm-up's rate
# (1,000 to 30,000 records), so that make bench stays within minutes
# whether tafeld does 150 or 5,000 records a second.
if [ -z "${BENCH_N:-}" ]; then
	N=$(awk '$1 == "tp_per_s" { n = $2 * 8 } END {
	    if (n < 1000) n = 1000; if (n > 30000) n = 30000;
	    printf "%d", n }' "$T/warm.out")
fi

# perf_start record|trace: perf record (cpu-clock samples with call
# graphs) or perf trace -s (time in each system call: fdatasync, pwrite,
# poll, which samples of the CPU miss) of the sender and one receiver.
# Not both at once: tracing every system call distorts the samples.
perf_start() {
	command -v perf >/dev/null 2>&1 || { say "no perf"; return 1; }
	mkdir -p "$B/perf"
	for o in $S bench-politie; do
		if [ "$1" = record ]; then
			perf record --call-graph "${BENCH_PERF_CG:-fp}" \
			    -o "$B/perf/$o.data" \
			    -p "$(pid_of $o)" >"$T/perf-$o.out" 2>&1 &
		else
			perf trace -s -p "$(pid_of $o)" \
			    -o "$B/perf/$o.syscalls" >/dev/null 2>&1 &
		fi
		PERFPIDS="$PERFPIDS $!"
	done
	sleep 0.5
}

perf_stop() {
	for p in $PERFPIDS; do
		kill -INT "$p" 2>/dev/null
		wait "$p" 2>/dev/null
	done
	PERFPIDS=""
}

perf_report() {
	for o in $S bench-politie; do
		[ -f "$B/perf/$o.data" ] || continue
		{
			echo "# by library"
			perf report -i "$B/perf/$o.data" --no-children \
			    --stdio --sort dso -g none 2>/dev/null
			echo "# by symbol"
			perf report -i "$B/perf/$o.data" --no-children \
			    --stdio --percent-limit 0.5 -g none 2>/dev/null
			echo "# system calls, with what they call"
			perf report -i "$B/perf/$o.data" --children \
			    --stdio -g none 2>/dev/null | grep '__x64_sys_'
		} | grep -v '^$' >"$B/perf/$o.txt"
		say "perf: $B/perf/$o.txt, $B/perf/$o.syscalls"
	done
}

i=1
while [ $i -le "$RUNS" ]; do
	say "throughput run $i/$RUNS: $N records, $K in flight"
	# CPU time per record of the sender and the receivers (mean).
	BENCH_CPU_PIDS="$(pid_of $S)$(for o in $RCPT; do
	    printf ' %s' "$(pid_of "$o")"; done)" \
	    "$E2E" -d "$T/$S" throughput "$CASE" "$N" "$K" >"$T/tp$i.out" ||
	    die "throughput run failed: $(cat "$T/tp$i.out")"
	cat "$T/tp$i.out" >>"$T/tp.all"
	i=$((i + 1))
done
# Profiled runs, not counted: one under perf record, a shorter one
# under perf trace -s (which slows every system call down).
if [ "${BENCH_PERF:-0}" = 1 ] && perf_start record; then
	say "profiled throughput run (perf record, not in the table)"
	"$E2E" -d "$T/$S" throughput "$CASE" "$N" "$K" >"$T/tp-perf.out" ||
	    say "profiled run failed"
	perf_stop
	sed 's/^/# profiled: /' "$T/tp-perf.out" >&2
	perf_start trace
	say "profiled throughput run (perf trace -s, not in the table)"
	"$E2E" -d "$T/$S" throughput "$CASE" 500 "$K" >"$T/tp-trace.out" ||
	    say "traced run failed"
	perf_stop
	sed 's/^/# traced: /' "$T/tp-trace.out" >&2
	perf_report
fi
for k in tp_per_s tp_commit_per_s tp_outbox_per_s tp_cpu_sender_us \
    tp_cpu_receiver_us tp_disk_kib tp_disk_reqs; do
	put "$k" "$(awk -v k=$k '$1 == k { print $2 }' "$T/tp.all" | median)"
	put "${k}_runs" "$(awk -v k=$k '$1 == k { printf "%s%s", s, $2; s = "/" }' "$T/tp.all")"
done
put tp_delivery_op "$(awk '$1 == "tp_delivery_op" { v = $2 } END { print v }' "$T/tp.all")"
put tp_not_delivered "$(awk '$1 == "tp_not_delivered" { n += $2 } END { print n + 0 }' "$T/tp.all")"
put tp_records "$(awk '$1 == "tp_records" { v = $2 } END { print v }' "$T/tp.all")"

i=1
while [ $i -le "$RUNS" ]; do
	say "latency run $i/$RUNS: $RATE records/s for $SECS s"
	"$E2E" -d "$T/$S" latency "$CASE" "$RATE" "$SECS" >"$T/lat$i.out" ||
	    die "latency run failed: $(cat "$T/lat$i.out")"
	cat "$T/lat$i.out" >>"$T/lat.all"
	i=$((i + 1))
done
for k in lat_p50_ms lat_p99_ms lat_max_ms lat_achieved_per_s \
    lat_commit_p50_ms lat_commit_p99_ms; do
	put "$k" "$(awk -v k=$k '$1 == k { print $2 }' "$T/lat.all" | median)"
	put "${k}_runs" "$(awk -v k=$k '$1 == k { printf "%s%s", s, $2; s = "/" }' "$T/lat.all")"
done
put lat_to "$(awk '$1 == "lat_to" { v = $2 } END { print v }' "$T/lat.all")"

# A bulk load with the real client: tafel record import of IMPN files of
# 1 KiB (one process, --jobs 16 requests in flight), against tafel record
# add, one process per record, one after the other.  Each command
# returns once its records are durable at the sender; the outboxes then
# drain before anything else is measured.
IMPN=${BENCH_IMPORT_N:-2000}
ADDN=${BENCH_ADD_N:-200}
# ms: milliseconds since the epoch.
ms() { echo $(( $(date +%s%N) / 1000000 )); }
say "bulk load: tafel record import of $IMPN files, tafel record add x $ADDN"
mkdir -p "$T/imp"
awk -v n="$IMPN" -v d="$T/imp" 'BEGIN {
	s = sprintf("%1000s", ""); gsub(/ /, "i", s)
	for (i = 1; i <= n; i++) {
		f = sprintf("%s/%06d.txt", d, i)
		printf "import %d\n%s\n", i, s >f; close(f)
	}
}'
t0=$(ms)
"$TAFEL" -d "$T/$S" record import "$CASE" --category note --jobs 16 \
    "$T"/imp/*.txt >"$T/imp.out" 2>&1 ||
    die "tafel record import failed: $(tail -3 "$T/imp.out")"
t1=$(ms)
[ "$(grep -c '^shared record' "$T/imp.out")" -eq "$IMPN" ] ||
    die "tafel record import did not share every file"
put imp_per_s "$(awk -v n="$IMPN" -v d=$((t1 - t0)) \
    'BEGIN { printf "%.0f", n * 1000 / (d > 0 ? d : 1) }')"
"$E2E" -d "$T/$S" settle 4 300 || die "the import did not drain"
i=1
t0=$(ms)
while [ $i -le "$ADDN" ]; do
	"$TAFEL" -d "$T/$S" record add "$CASE" --category note \
	    --file "$T/imp/000001.txt" >/dev/null || die "tafel record add failed"
	i=$((i + 1))
done
t1=$(ms)
put add_per_s "$(awk -v n="$ADDN" -v d=$((t1 - t0)) \
    'BEGIN { printf "%.0f", n * 1000 / (d > 0 ? d : 1) }')"
"$E2E" -d "$T/$S" settle 4 300 || die "the adds did not drain"
rm -rf "$T/imp"

# ---- 3. audit -----------------------------------------------------------

# The building blocks of the exchange log: bench_audit measures
# libtafel's Merkle tree over LMDB alone, the floor under the daemon's
# audit module measured next.
if [ -x "$AUDIT" ]; then
	say "audit building blocks: ${BENCH_AUDIT_N:-1000000} entries"
	"$AUDIT" "$T" "${BENCH_AUDIT_N:-1000000}" >"$T/audit.out" \
	    2>"$T/audit.err" ||
	    say "bench_audit failed: $(tail -3 "$T/audit.err")"
	cat "$T/audit.out" >>"$R"
	rm -rf "$T/audit"
fi

# The daemon's own exchange log: bench_auditlog appends N entries with
# audit_append into a fresh state directory, 1,000 per durable
# transaction; then the real tafeld on it signs a checkpoint and the
# real client proves one entry, exports the bundle and verifies it.
AUDITLOG=$B/bench_auditlog
AN=${BENCH_AUDIT_N:-1000000}
if [ -x "$AUDITLOG" ]; then
	say "exchange log: $AN entries in a daemon's store"
	mkorg bench-log coordinator 9
	"$AUDITLOG" "$T/bench-log" bench-log "$AN" >"$T/auditlog.out" \
	    2>"$T/auditlog.err" ||
	    die "bench_auditlog failed: $(tail -3 "$T/auditlog.err")"
	cat "$T/auditlog.out" >>"$R"
	start bench-log
	signed() {
		"$TAFEL" -d "$T/bench-log" audit checkpoint 2>/dev/null |
		    sed -n 2p | grep -qx "$AN"
	}
	i=0
	while ! signed; do
		i=$((i + 1))
		[ $i -lt 600 ] || die "no checkpoint at $AN entries"
		sleep 0.1
	done
	t0=$(ms)
	"$TAFEL" -d "$T/bench-log" audit prove $((AN / 2)) >"$T/proof" ||
	    die "tafel audit prove failed"
	t1=$(ms)
	put audit_proof_ms $((t1 - t0))
	"$TAFEL" -d "$T/bench-log" audit export -o "$T/bundle" \
	    >"$T/export.out" 2>&1 || die "tafel audit export failed"
	t2=$(ms)
	put audit_export_s "$(awk -v d=$((t2 - t1)) 'BEGIN { printf "%.1f", d / 1000 }')"
	"$TAFEL" -d "$T/bench-log" audit vkey >"$T/vkey"
	stop bench-log
	t3=$(ms)
	"$TAFEL" audit verify "$T/bundle" --vkey "$(cat "$T/vkey")" \
	    >"$T/verify.out" 2>&1 || die "tafel audit verify failed: $(tail -3 "$T/verify.out")"
	t4=$(ms)
	put audit_verify_per_s "$(awk -v n="$AN" -v d=$((t4 - t3)) \
	    'BEGIN { printf "%.0f", n * 1000 / (d > 0 ? d : 1) }')"
	put audit_bundle_mib "$(du -m "$T/bundle" | cut -f1)"
	put audit_store_mib "$(du -sm "$T/bench-log/store" | cut -f1)"
	rm -rf "$T/bench-log" "$T/bundle"
fi

# ---- 4. memory ----------------------------------------------------------

say "memory: $NCASES cases in one daemon"
"$E2E" -d "$T/$MEM" open bench "$NCASES" "$K" >"$T/mem.out" ||
    die "opening $NCASES cases failed: $(cat "$T/mem.out")"
put mem_open_per_s "$(awk '$1 == "open_per_s" { print $2 }' "$T/mem.out")"
put mem_cases_kib "$(hwm $MEM)"
put mem_cases_split "$(rss $MEM)"
stop $MEM
start $MEM
"$E2E" -d "$T/$MEM" settle 4 60 || say "memory daemon: peers not back"
sleep 1
put mem_restart_kib "$(hwm $MEM)"
put mem_restart_split "$(rss $MEM)"
put store_kib "$(du -sk "$T/$MEM/store" | awk '{ print $1 }')"

# ---- the table ----------------------------------------------------------

# The limit that the crypto and commit costs imply, per record (1 KiB,
# one sender, three recipients), in microseconds:
#   S, sender CPU:   1 sign + 3 box wraps (32-byte content key,
#                    precomputed key) + 1 AEAD (1 KiB) + 1 SHA-256 of
#                    the envelope + 3 receipt verifies / b
#   R, receiver CPU: 1 verify + 1 box open + 1 AEAD + 1 SHA-256
#                    + 1 receipt sign / b        (each of three receivers)
# b is the number of envelopes one signed receipt answers: tafeld signs
# one receipt per sender per commit, so b is 1 when records arrive one
# at a time and up to K (requests in flight) under full load.
#   CPU bound:       NCPU cores / (S + 3 R)
# Group commit (DESIGN.md 6): each store commits batches; cb = t(commit
# of 1,000 records) / 1,000 is one record's share in one store:
#   sender bound     1 / (S + cb)      (one thread does both)
#   receiver bound   1 / (R + cb)
#   disk bound       1 / (4 cb)        (four stores, flushes in series)
#   limit = min(CPU, sender, receiver, disk bound), for b = 1 and b = K.
NCPU=$(nproc 2>/dev/null || echo 2)
awk -v ncpu="$NCPU" -v k="$K" '
	{ v[$1] = $2 }
	function us(x) { return v[x] > 0 ? 1e6 / v[x] : 0 }
	function min(a, b) { return a < b ? a : b }
	function limit(b, tag,    snd, rcv, cpu, cb, cpub, sb, rb, db, lim) {
		snd = us("lim_sign") + 3 * us("lim_box32") + us("lim_aead1k") \
		    + us("lim_sha256_env") + 3 * us("lim_verify") / b
		rcv = us("lim_verify") + us("lim_boxopen32") + us("lim_aead1k") \
		    + us("lim_sha256_env") + us("lim_sign") / b
		cpu = snd + 3 * rcv
		cb = us("lim_commit1000") / 1000
		cpub = ncpu * 1e6 / cpu
		sb = 1e6 / (snd + cb); rb = 1e6 / (rcv + cb); db = 1e6 / (4 * cb)
		lim = min(min(cpub, sb), min(rb, db))
		printf "model%s_sender_us %.1f\nmodel%s_receiver_us %.1f\n", tag, snd, tag, rcv
		printf "model%s_cpu_us %.1f\nmodel_commit_batched_us %.1f\n", tag, cpu, cb
		printf "model%s_cpu_bound %.0f\nmodel%s_sender_bound %.0f\n", tag, cpub, tag, sb
		printf "model%s_receiver_bound %.0f\nmodel_disk_bound %.0f\n", tag, rb, db
		printf "model%s_limit %.0f\n", tag, lim
	}
	END { limit(1, ""); limit(k, "_k") }' "$R" >>"$R"

tp=$(get tp_per_s)
lim=$(get model_limit)
lim1=$(get model_k_limit)
ratio=$(awk -v a="$tp" -v b="$lim" 'BEGIN { if (b > 0 && a != "-") printf "%.2f", a / b; else print "-" }')
ratio1=$(awk -v a="$tp" -v b="$lim1" 'BEGIN { if (b > 0 && a != "-") printf "%.2f", a / b; else print "-" }')

row() { printf '%-46s %14s  %s\n' "$1" "$2" "$3"; }
us() { awk -v v="$1" 'BEGIN { if (v > 0) printf "%.2f us", 1e6 / v }'; }
kib() { awk -v v="$1" 'BEGIN { if (v != "-") printf "%.1f MiB", v / 1024; else print "-" }'; }
{
	echo "tafel make bench  $(date -u +%Y-%m-%dT%H:%M:%SZ)  $(uname -n)  $NCPU cores  $(git -C "$(dirname "$0")" rev-parse --short HEAD 2>/dev/null)"
	echo "(one run of each limit; end to end: median of $RUNS runs, runs in brackets)"
	echo
	row "measurement" "value" "note"
	row "-----------" "-----" "----"
	row "Ed25519 sign (1 KiB)" "$(get lim_sign)/s" "$(us "$(get lim_sign)")"
	row "Ed25519 verify (1 KiB)" "$(get lim_verify)/s" "$(us "$(get lim_verify)")"
	row "crypto_box_easy_afternm 1 KiB" "$(get lim_box1k)/s" "$(us "$(get lim_box1k)")"
	row "crypto_box_easy_afternm 32 B (a wrap)" "$(get lim_box32)/s" "$(us "$(get lim_box32)")"
	row "crypto_box_open_easy_afternm 32 B" "$(get lim_boxopen32)/s" "$(us "$(get lim_boxopen32)")"
	row "XChaCha20-Poly1305 encrypt 1 KiB" "$(get lim_aead1k)/s" "$(us "$(get lim_aead1k)")"
	row "SHA-256 of a 200-byte leaf" "$(get lim_sha256)/s" "$(us "$(get lim_sha256)")"
	row "SHA-256 of 1 KiB (envelope hash)" "$(get lim_sha256_env)/s" "$(us "$(get lim_sha256_env)")"
	row "LMDB durable commit, 1 record" "$(get lim_commit1)/s" "$(us "$(get lim_commit1)")"
	row "LMDB durable commit, 1 record, 4 procs" "$(get lim_commit1_par4)/s" "sum of four processes, one store each"
	row "LMDB durable commit, 1,000 records" "$(get lim_commit1000_records) rec/s" "$(get lim_commit1000) commits/s, $(us "$(get lim_commit1000)")"
	row "CurveZMQ round trip, 1 KiB, 2 processes" "$(get lim_zmq_rt)/s" "$(us "$(get lim_zmq_rt)")"
	row "CurveZMQ one-way, 1 KiB, 2 processes" "$(get lim_zmq_oneway)/s" "$(us "$(get lim_zmq_oneway)")"
	echo
	if [ "$(get tp_delivery_op)" = present ]; then
		to="until record.delivery says delivered x3 ($(get tp_not_delivered) not)"
	else
		to="until outboxes empty (record.delivery missing)"
	fi
	row "e2e throughput, 1 KiB, 1 -> 3, durable" "$tp rec/s" "$to [$(get tp_per_s_runs)]"
	row "  record.add answered (committed)" "$(get tp_commit_per_s) rec/s" "$(get tp_records) records/run, $K in flight [$(get tp_commit_per_s_runs)]"
	row "  CPU per record (user+sys): sender" "$(get tp_cpu_sender_us) us" "model S = $(get model_sender_us) us (b = 1) [$(get tp_cpu_sender_us_runs)]"
	row "  CPU per record: each receiver" "$(get tp_cpu_receiver_us) us" "model R = $(get model_receiver_us) us (b = 1) [$(get tp_cpu_receiver_us_runs)]"
	row "  disk writes per record, 4 stores" "$(get tp_disk_kib) KiB" "from the device's counters, whole machine [$(get tp_disk_kib_runs)]"
	row "  disk write requests per record" "$(get tp_disk_reqs)" "adjacent pages merge into one [$(get tp_disk_reqs_runs)]"
	row "  limit, 1 receipt per record (model)" "$lim rec/s" "ratio e2e/limit $ratio"
	row "  limit, 1 receipt per $K records" "$lim1 rec/s" "ratio e2e/limit $ratio1"
	if [ "$(get lat_to)" = receipt ]; then
		lnote="due time of the call -> last of 3 receipts"
	else
		lnote="due time -> commit, not to last receipt (record.delivery missing)"
	fi
	row "latency p50 at $RATE rec/s" "$(get lat_p50_ms) ms" "$lnote [$(get lat_p50_ms_runs)]"
	row "latency p99 at $RATE rec/s" "$(get lat_p99_ms) ms" "max $(get lat_max_ms) ms; achieved $(get lat_achieved_per_s) rec/s [$(get lat_p99_ms_runs)]"
	if [ "$(get lat_commit_p50_ms)" != - ]; then
		row "  first leg: call -> sender's commit, p50" "$(get lat_commit_p50_ms) ms" "the record.add answer [$(get lat_commit_p50_ms_runs)]"
		row "  first leg: call -> sender's commit, p99" "$(get lat_commit_p99_ms) ms" "[$(get lat_commit_p99_ms_runs)]"
	fi
	row "tafel record import, $IMPN files of 1 KiB" "$(get imp_per_s) rec/s" "one process, --jobs 16; durable at the sender"
	row "tafel record add, $ADDN one after the other" "$(get add_per_s) rec/s" "a process per record; import/add $(awk -v a="$(get imp_per_s)" -v b="$(get add_per_s)" 'BEGIN { if (b > 0) printf "%.1fx", a / b }')"
	echo
	if [ "$(get audit_append_per_s)" != - ]; then
		row "audit append, $AN entries (audit_append)" "$(get audit_append_per_s)/s" "1,000 per durable transaction; store $(get audit_store_mib) MiB"
		row "tafel audit prove, at $AN" "$(get audit_proof_ms) ms" "whole command: client, socket, proof from stored nodes"
		row "tafel audit export, $AN entries" "$(get audit_export_s) s" "bundle $(get audit_bundle_mib) MiB"
		row "tafel audit verify, $AN entries" "$(get audit_verify_per_s)/s" "offline, with --vkey: every leaf, root, signature"
	else
		row "audit append / proof / tafel audit verify" "-" "not measured: bench_auditlog was not built"
	fi
	if [ "$(get blk_append_per_s)" != - ]; then
		row "  building blocks: Merkle log in LMDB" "" "libtafel merkle.c, not the daemon's audit module:"
		row "  append $(get blk_entries) entries, 1,000/txn" "$(get blk_append_per_s)/s" "$(get blk_entry_bytes)-byte entries, leaf + nodes, durable"
		row "  inclusion proof at $(get blk_entries)" "$(get blk_proof_us) us" "$(get blk_proof_hashes) hashes, from stored nodes"
		row "  recompute root from every leaf" "$(get blk_recompute_per_s)/s" "the floor of an offline verify"
	fi
	echo
	row "peak RSS, idle daemon (4 peers, 1 table)" "$(kib "$(get mem_idle_kib)")" "VmHWM; now anon+file $(get mem_idle_split) MiB"
	row "peak RSS, daemon opening $NCASES cases" "$(kib "$(get mem_cases_kib)")" "VmHWM; now $(get mem_cases_split) MiB; $(get mem_open_per_s) case.open/s"
	row "peak RSS, restarted holding $NCASES cases" "$(kib "$(get mem_restart_kib)")" "VmHWM; now $(get mem_restart_split) MiB; store $(kib "$(get store_kib)")"
	echo
	echo "model, us per record, b = records per signed receipt:"
	echo "  sender S = sign + 3 box32 + aead + sha256(1 KiB) + 3 verify/b = $(get model_sender_us) (b = 1), $(get model_k_sender_us) (b = $K);"
	echo "  receiver R = verify + boxopen32 + aead + sha256(1 KiB) + sign/b = $(get model_receiver_us) (b = 1), $(get model_k_receiver_us) (b = $K), x3 receivers."
	echo "  CPU bound $NCPU cores / (S + 3R) = $(get model_cpu_bound)/s (b = 1), $(get model_k_cpu_bound)/s (b = $K)."
	echo "  group commit share cb = $(get model_commit_batched_us) us per store (1,000-record commit / 1,000):"
	echo "  sender 1/(S+cb) = $(get model_sender_bound)/s, receiver 1/(R+cb) = $(get model_receiver_bound)/s, disk 1/(4cb) = $(get model_disk_bound)/s (b = 1);"
	echo "  limit = min of the four = $lim/s (b = 1), $lim1/s (b = $K)."
} >"$T/table.txt"
cat "$T/table.txt"
cp "$T/table.txt" "$B/bench.txt"
cp "$R" "$B/bench-results.txt"
