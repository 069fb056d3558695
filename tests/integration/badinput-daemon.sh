#!/bin/sh
# The daemon's own defences at start: it refuses to run as root without
# --allow-root-dangerously, refuses key files, passphrase files and state
# directories that others can reach, damaged key files, cards and
# configuration, and a state directory another tafeld holds.  Each
# refusal is an exit status 1 with the reason on stderr, before the
# control socket or the store exist.  Also: core dumps are off, and
# stale LMDB reader slots are cleared at start.
. "$(dirname "$0")/lib.sh"

mkorg stad-leuven coordinator 1 || exit 1
TPL=$T/stad-leuven
N=0

# fresh: a copy of the template state directory in $DIR.
fresh() {
	N=$((N + 1))
	DIR=$T/try$N
	cp -a "$TPL" "$DIR"
}

# refuses NAME PATTERN [TAFELD ARGS...]: tafeld on $DIR exits 1 at once
# with a line matching PATTERN, and leaves no control socket and no
# store behind.
refuses() {
	name=$1
	pat=$2
	shift 2
	timeout 10 "$TAFELD" -d "$DIR" "$@" >"$T/d.log" 2>&1
	rc=$?
	why=""
	[ "$rc" -eq 1 ] || why="$why; exit status $rc, wanted 1"
	grep -q "$pat" "$T/d.log" || why="$why; no line matching '$pat'"
	grep -q "fatal: " "$T/d.log" || why="$why; no fatal line"
	[ -e "$DIR/tafeld.sock" ] && why="$why; a control socket was left"
	[ -e "$DIR/store" ] && why="$why; a store was created"
	if [ -z "$why" ]; then
		ok "$name"
	else
		fail "$name: ${why#; }"
		sed 's/^/# /' "$T/d.log" | tail -5
	fi
}

# Root.
if [ "$(id -u)" -eq 0 ]; then
	fresh
	refuses "as root without --allow-root-dangerously: refused, says why" \
	    "refusing to run as root: one exploitable bug would give an attacker"
	grep -q "allow-root-dangerously" "$T/d.log" ||
	    fail "the refusal names the flag that overrides it"
else
	ok "skipped: running as root (the tests do not run as root)"
fi

# The state directory.
fresh; chmod 770 "$DIR"
# shellcheck disable=SC2086
refuses "a state directory writable by the group" \
    "writable by group or others (mode 770)" $ROOTFLAG
fresh; chmod 707 "$DIR"
# shellcheck disable=SC2086
refuses "a state directory writable by others" \
    "writable by group or others (mode 707)" $ROOTFLAG

# The key file.
fresh; chmod 604 "$DIR/secret.key"
# shellcheck disable=SC2086
refuses "a key file readable by others" \
    "readable by group or others (mode 604)" $ROOTFLAG
fresh; chmod 640 "$DIR/secret.key"
# shellcheck disable=SC2086
refuses "a key file readable by the group" \
    "readable by group or others (mode 640)" $ROOTFLAG
fresh; mv "$DIR/secret.key" "$DIR/real.key"; ln -s real.key "$DIR/secret.key"
# shellcheck disable=SC2086
refuses "a key file that is a symbolic link" "secret.key" $ROOTFLAG
fresh; head -c 100 "$TPL/secret.key" >"$DIR/secret.key"
# shellcheck disable=SC2086
refuses "a key file cut short" "not a tafel key file (wrong size)" $ROOTFLAG
fresh; flip_byte "$DIR/secret.key" 100
# shellcheck disable=SC2086
refuses "a key file with a damaged box key" "card does not match" $ROOTFLAG
fresh; flip_byte "$DIR/secret.key" 210
# shellcheck disable=SC2086
refuses "a key file with damaged padding" "cannot read the keys" $ROOTFLAG

# The card and the configuration.
fresh; sed 's/^Org: .*/Org: stad-gent/' "$TPL/card" >"$DIR/card"
# shellcheck disable=SC2086
refuses "an edited card" "not a valid member card" $ROOTFLAG
fresh; echo "listen tcp://127.0.0.1:1 # and" >"$DIR/tafel.conf"
echo "allow everyone" >>"$DIR/tafel.conf"
# shellcheck disable=SC2086
refuses "a configuration with an unknown setting" \
    "tafel.conf:2: unknown setting allow" $ROOTFLAG

# A key file under a passphrase, and the passphrase file.
printf 'correct horse battery staple\n' >"$T/pass"
chmod 600 "$T/pass"
"$TAFEL" -d "$T/p" init --org stad-mechelen --name M --role coordinator \
    --listen "tcp://127.0.0.1:$(port 2)" --passphrase-file "$T/pass" \
    >/dev/null 2>&1 || fail "init with a passphrase"
DIR=$T/p
# shellcheck disable=SC2086
refuses "an encrypted key file without --passphrase-file" \
    "protected by a passphrase" $ROOTFLAG
chmod 644 "$T/pass"
# shellcheck disable=SC2086
refuses "a passphrase file readable by others" \
    "accessible to others (mode 644)" --passphrase-file "$T/pass" $ROOTFLAG
chmod 602 "$T/pass"
# shellcheck disable=SC2086
refuses "a passphrase file writable by others" \
    "accessible to others (mode 602)" --passphrase-file "$T/pass" $ROOTFLAG
printf 'wrong horse\n' >"$T/wrongpass"
chmod 600 "$T/wrongpass"
# shellcheck disable=SC2086
refuses "a wrong passphrase" "wrong passphrase or damaged file" \
    --passphrase-file "$T/wrongpass" $ROOTFLAG
# Group-readable is allowed (a root-owned file the daemon's group reads).
chmod 640 "$T/pass"
# shellcheck disable=SC2086
"$TAFELD" -d "$T/p" -v --passphrase-file "$T/pass" $ROOTFLAG \
    >>"$T/p.log" 2>&1 &
PID_p=$!
PIDS="$PIDS $PID_p"
check "a passphrase file readable by the group only is accepted" \
    wait_for 20 "$TAFEL" -d "$T/p" status
stop p

# One daemon per state directory.
start stad-leuven || exit 1
# shellcheck disable=SC2086
timeout 10 "$TAFELD" -d "$TPL" $ROOTFLAG >"$T/second.log" 2>&1
rc=$?
if [ "$rc" -eq 1 ] && grep -q "another tafeld is already running for" \
    "$T/second.log"; then
	ok "a second tafeld on the same directory exits 1 with a clear message"
else
	fail "a second tafeld on the same directory: exit $rc"
	sed 's/^/# /' "$T/second.log"
fi
check "the first daemon still runs" kill -0 "$PID_stad_leuven"
check "and still answers on its control socket" \
    "$TAFEL" -d "$TPL" status

# Core dumps are off.
if grep -q "^Max core file size *0 *0 " "/proc/$PID_stad_leuven/limits"; then
	ok "core dumps are off (RLIMIT_CORE 0)"
else
	fail "core dumps are off"
	grep "core" "/proc/$PID_stad_leuven/limits" | sed 's/^/# /'
fi

# Stale LMDB readers: a process killed inside a read transaction leaves
# its slot behind.  A restart clears it, as long as another process keeps
# the environment open (otherwise LMDB resets the whole table anyway).
"$POKE" lmdb-reader "$TPL/store" >"$T/r1.out" 2>&1 &
R1=$!
"$POKE" lmdb-reader --no-txn "$TPL/store" >"$T/r2.out" 2>&1 &
R2=$!
wait_for 5 grep -q holding "$T/r1.out" && wait_for 5 grep -q holding \
    "$T/r2.out" || fail "the LMDB readers did not start"
kill -9 "$R1"
wait "$R1" 2>/dev/null
stop stad-leuven
start stad-leuven || exit 1
check "a stale reader slot is cleared at start" \
    grep -q "store: cleared 1 stale reader slot" "$T/stad-leuven.log"
kill "$R2"
wait "$R2" 2>/dev/null
finish
