# Shared helpers for integration tests: real daemons on loopback, each in
# its own temporary state directory, driven by the real client.
#
# A test sources this file, then calls ok/fail/check, and ends with
# finish.  Every daemon started here is stopped by the EXIT trap, and the
# temporary directory removed (kept with TAFEL_KEEP=1 for debugging).

set -u
B=${TAFEL_BUILD:?TAFEL_BUILD must name the build directory}
TAFEL=$B/tafel
TAFELD=$B/tafeld
POKE=$B/tafel-poke
# tafeld refuses to run as root; tests and CI run as root, so only then
# do they pass the flag.  Pass "$ROOTFLAG" (unquoted: it may be empty)
# wherever tafeld is started directly.
ROOTFLAG=""
[ "$(id -u)" -eq 0 ] && ROOTFLAG=--allow-root-dangerously
T=$(mktemp -d "${TMPDIR:-/tmp}/tafel-test.XXXXXX")
chmod 700 "$T"
NFAIL=0
PIDS=""
# A random block of 20 ports per test run, so parallel runs rarely meet.
# Below Linux's ephemeral range (32768-60999), where outgoing connections
# take their local ports and could hold one we want to listen on.
PORT_BASE=$((10000 + ($$ * 37 + $(date +%N | sed 's/^0*//;s/^$/0/')) % 22000))

cleanup() {
	for p in $PIDS; do
		kill "$p" 2>/dev/null
	done
	for p in $PIDS; do
		wait "$p" 2>/dev/null
	done
	if [ "${TAFEL_KEEP:-0}" = 1 ]; then
		echo "# kept $T"
	else
		rm -rf "$T"
	fi
}
trap cleanup EXIT INT TERM

ok() { echo "ok - $*"; }
fail() { echo "not ok - $*"; NFAIL=$((NFAIL + 1)); }

# check DESCRIPTION COMMAND...: ok when the command succeeds.
check() {
	desc=$1
	shift
	if "$@" >"$T/check.out" 2>&1; then
		ok "$desc"
	else
		fail "$desc"
		sed 's/^/# /' "$T/check.out" | head -20
	fi
}

# check_not DESCRIPTION COMMAND...: ok when the command fails.
check_not() {
	desc=$1
	shift
	if "$@" >"$T/check.out" 2>&1; then
		fail "$desc"
		sed 's/^/# /' "$T/check.out" | head -20
	else
		ok "$desc"
	fi
}

# wait_for SECONDS COMMAND...: polls until the command succeeds.
wait_for() {
	limit=$1
	shift
	i=0
	while [ "$i" -lt $((limit * 10)) ]; do
		if "$@" >/dev/null 2>&1; then
			return 0
		fi
		sleep 0.1
		i=$((i + 1))
	done
	return 1
}

port() { echo $((PORT_BASE + $1)); }

# flip_byte FILE OFFSET: changes the byte there, whatever it was.
flip_byte() {
	b=$(od -An -tu1 -j "$2" -N1 "$1" | tr -d ' ')
	printf "\\$(printf %o $((b ^ 0x5a)))" |
	    dd of="$1" bs=1 seek="$2" conv=notrunc 2>/dev/null
}

# mkorg NAME ROLE PORTINDEX: a state directory $T/NAME with keys.
mkorg() {
	"$TAFEL" -d "$T/$1" init --org "$1" --name "Test $1" --role "$2" \
	    --listen "tcp://127.0.0.1:$(port "$3")" --no-passphrase \
	    >"$T/$1.init" 2>&1 || {
		echo "# init $1 failed:"
		sed 's/^/# /' "$T/$1.init"
		return 1
	}
}

# start NAME: runs tafeld for $T/NAME in the background, logging to
# $T/NAME.log, and waits until it answers.
start() {
	# shellcheck disable=SC2086
	"$TAFELD" -d "$T/$1" -v $ROOTFLAG ${TAFELD_OPTS:-} >>"$T/$1.log" 2>&1 &
	pid=$!
	PIDS="$PIDS $pid"
	eval "PID_$(echo "$1" | tr '-' '_')=$pid"
	if ! wait_for 10 "$TAFEL" -d "$T/$1" status; then
		echo "# tafeld $1 did not start:"
		sed 's/^/# /' "$T/$1.log" | tail -20
		return 1
	fi
}

# LIBFT: libfaketime, or empty when it is not installed.
LIBFT=$(ls /usr/lib/*/faketime/libfaketime.so.1 2>/dev/null | head -1)

# start_faked NAME OFFSET: like start, with the daemon's wall clock moved
# by OFFSET (libfaketime, e.g. +1d).  libfaketime is preloaded into
# tafeld itself (the faketime wrapper would stand between the test and
# the daemon's exit status); ASan wants to be first in the preload
# order, so it is told not to mind.
start_faked() {
	ASAN_OPTIONS="${ASAN_OPTIONS:-}:verify_asan_link_order=0" \
	    LD_PRELOAD="$LIBFT" FAKETIME="$2" FAKETIME_DONT_FAKE_MONOTONIC=1 \
	    "$TAFELD" -d "$T/$1" ${ROOTFLAG:-} -v >>"$T/$1.log" 2>&1 &
	pid=$!
	PIDS="$PIDS $pid"
	eval "PID_$(echo "$1" | tr '-' '_')=$pid"
	wait_for 10 "$TAFEL" -d "$T/$1" status
}

# stop NAME: SIGTERM, and the daemon must exit cleanly (status 0).
stop() {
	eval "pid=\${PID_$(echo "$1" | tr '-' '_')}"
	kill "$pid" 2>/dev/null
	wait "$pid" 2>/dev/null
	rc=$?
	PIDS=$(echo "$PIDS" | sed "s/ $pid\b//")
	if [ "$rc" -ne 0 ]; then
		fail "tafeld $1 stopped with exit status $rc"
		tail -5 "$T/$1.log" | sed 's/^/# /'
	fi
}

# table ID THRESHOLD SIGNERS ORG...: drafts a table of the given orgs
# (under the rules in the file RULES, when that is set), has every
# signer sign it and every org adopt it (only the orgs listed in
# ADOPTERS, when that is set).
table() {
	id=$1
	thr=$2
	signers=$3
	shift 3
	cards=""
	for o in "$@"; do
		"$TAFEL" -d "$T/$o" card >"$T/$o.card" || return 1
		cards="$cards $T/$o.card"
	done
	# shellcheck disable=SC2086
	"$TAFEL" -d "$T/$1" table draft --table "$id" --cards $cards \
	    ${RULES:+--rules "$RULES"} --signers "$signers" \
	    --threshold "$thr" -o "$T/$id.table" >/dev/null || return 1
	for s in $(echo "$signers" | tr ',' ' '); do
		"$TAFEL" -d "$T/$s" table sign "$T/$id.table" >/dev/null ||
		    return 1
	done
	fpr=$("$TAFEL" table fingerprint "$T/$id.table") || return 1
	for o in ${ADOPTERS:-"$@"}; do
		"$TAFEL" -d "$T/$o" table adopt "$T/$id.table" --expect "$fpr" \
		    >/dev/null || return 1
	done
}

# partners ORG:ROLE...: a state directory for each org (ports 1, 2, ...
# in the order given), then each daemon started.
partners() {
	n=0
	for o in "$@"; do
		n=$((n + 1))
		mkorg "${o%%:*}" "${o#*:}" "$n" || exit 1
	done
	for o in "$@"; do
		start "${o%%:*}" || exit 1
	done
}

# open_case PSEUDONYM: the coordinator opens a case at table aalst with
# the police and CAW.  Sets CASE.
open_case() {
	"$TAFEL" -d "$T/stad" case open --table aalst --members politie,caw \
	    --pseudonym "$1" >"$T/open.out" 2>&1
	CASE=$(tail -n 1 "$T/open.out")
}

# three_partners PSEUDONYM: the coordinator (stad), the police (politie)
# and CAW (caw), running, at table aalst; the coordinator opens a case
# with the other two.  Sets CASE.
three_partners() {
	partners stad:coordinator politie:police caw:caw
	check "a table is adopted" table aalst 1 stad stad politie caw
	open_case "$1"
}

# four_partners OPENERS [RULE...]: the same three and the OCMW (ocmw),
# running, at a table aalst signed by the coordinator alone, whose
# rules ($T/rules) let the roles OPENERS open cases, every role send
# and receive every category, with the RULE lines given (e.g. "minors
# caw assessment") after those.  No case yet.
four_partners() {
	{
		echo "open $1"
		for r in coordinator police caw ocmw; do
			echo "send $r all"
		done
		for r in coordinator police caw ocmw; do
			echo "recv $r all"
		done
		shift
		for l in "$@"; do
			echo "$l"
		done
		echo "retention-days 1825"
		echo "max-record 65536"
	} >"$T/rules"
	partners stad:coordinator politie:police caw:caw ocmw:ocmw
	RULES=$T/rules
	table aalst 1 stad stad politie caw ocmw || fail "table"
	RULES=
}

# finish: stops every daemon still running (each must exit cleanly) and
# exits with the test's result.
finish() {
	for v in $(set | sed -n 's/^PID_\([a-z0-9_]*\)=.*/\1/p'); do
		eval "pid=\$PID_$v"
		case " $PIDS " in
		*" $pid "*) stop "$(echo "$v" | tr '_' '-')" ;;
		esac
	done
	[ "$NFAIL" -eq 0 ]
	exit $?
}
