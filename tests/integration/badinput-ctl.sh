#!/bin/sh
# The bad-input matrix on the control socket, with a real daemon:
# malformed, oversized, truncated and stalled requests, and requests from
# another Unix user.  Every row checks that the request is refused (an
# error answer, or the connection closed without one), that the daemon
# logs it with a reason where it can, that nothing in the store changed,
# and that status still answers.
. "$(dirname "$0")/lib.sh"

mkorg stad-hasselt coordinator 1 || exit 1
start stad-hasselt || exit 1
D=$T/stad-hasselt
LOG=$T/stad-hasselt.log

counts() {
	for db in tables tablehist cases events envs rxenvs txenvs outbox seen deliv; do
		printf '%s=%s ' "$db" "$(mdb_stat -s "$db" "$D/store" |
		    sed -n 's/^ *Entries: //p')"
	done
}

# row NAME STATUS ANSWER LOGPATTERN POKEARGS...: wants tafel-poke's exit
# status, its result line to match ANSWER, a new log line matching
# LOGPATTERN ("-": none is possible), no change in the store, and
# status answering afterwards.
row() {
	name=$1
	want=$2
	answer=$3
	pat=$4
	shift 4
	before=$(counts)
	lines=$(wc -l <"$LOG")
	"$POKE" -d "$D" --hold 5 "$@" >"$T/poke.out" 2>&1
	rc=$?
	why=""
	[ "$rc" -eq "$want" ] ||
	    why="$why; tafel-poke exit status $rc, wanted $want"
	grep -q "^result: .*$answer" "$T/poke.out" ||
	    why="$why; no answer matching '$answer'"
	if [ "$pat" != - ] && ! tail -n +"$((lines + 1))" "$LOG" |
	    grep -q "$pat"; then
		why="$why; no log line matching '$pat'"
	fi
	[ "$before" = "$(counts)" ] || why="$why; the store changed"
	"$TAFEL" -d "$D" status >/dev/null 2>&1 ||
	    why="$why; status does not answer"
	if [ -z "$why" ]; then
		ok "$name"
	else
		fail "$name: ${why#; }"
		sed 's/^/# /' "$T/poke.out" | tail -10
	fi
}

# A client that connects and sends nothing: closed after 10 s, while
# everyone else is served (run in the background for the whole test).
"$POKE" -d "$D" --hold 14 ctl-stall >"$T/stall.out" 2>&1 &
STALL=$!

check "a valid request is answered (the baseline)" \
    "$POKE" -d "$D" ctl-status
row "garbage request: bad-request, logged" 0 \
    "error bad-request: malformed request" \
    "control: malformed request from uid $(id -u) refused" ctl-garbage
row "a 1 MiB garbage request: bad-request, logged" 0 \
    "error bad-request: malformed request" \
    "control: malformed request from uid" --size 1048576 ctl-garbage
row "100,000 nested arrays: bad-request, logged" 0 \
    "error bad-request: malformed request" \
    "control: malformed request from uid" ctl-nested
row "a length prefix of 2 MiB: bad-request, logged" 0 \
    "error bad-request: request too large" \
    "control: request of 2097152 bytes from uid" ctl-oversized
row "a length prefix of 4 GiB - 1: bad-request, logged" 0 \
    "error bad-request: request too large" \
    "control: request of 4294967295 bytes" --size 4294967295 ctl-oversized
row "a length prefix of 0: bad-request, logged" 0 \
    "error bad-request: request too large" \
    "control: request of 0 bytes from uid" ctl-zero
# ctl.c closes a half-sent request at end of file without logging it;
# see docs/threat-model.md.
row "a truncated request (then end of file): closed without an answer" \
    4 "closed by the daemon" - ctl-truncated
row "an unknown operation: unknown-op" 0 \
    "error unknown-op" "control: frobnicate by" ctl-unknown-op
# status with an argument it does not take.
printf '\203\241v\001\242op\246status\244args\201\241x\001' >"$T/req"
row "status with an unknown argument: bad-request" 0 \
    "error bad-request: status takes no arguments" \
    "control: status by" ctl-file "$T/req"
# record.delivery with a case id that is not hex, and with a record
# that was never written here.
Z32=$(printf '%032d' 0)
printf '\203\241v\001\242op\257record.delivery\244args\202\244case\242zz\246record\331\040%s' \
    "$Z32" >"$T/req"
row "record.delivery with a bad case id: bad-request" 0 \
    "error bad-request: record.delivery: a case id and a record id" \
    "control: record.delivery by" ctl-file "$T/req"
printf '\203\241v\001\242op\257record.delivery\244args\202\244case\331\040%s\246record\331\040%s' \
    "$Z32" "$Z32" >"$T/req"
row "record.delivery of a record never written here: no-record" 0 \
    "error no-record: no record with that id written here" \
    "control: record.delivery by" ctl-file "$T/req"
# case.list's page cursor: not hex, and not 32 characters long.
printf '\203\241v\001\242op\251case.list\244args\201\245after\331\040%s' \
    "$(printf 'z%.0s' $(seq 32))" >"$T/req"
row "case.list after a cursor that is not hex: bad-request" 0 \
    "error bad-request: case.list: after is not a case id" \
    "control: case.list by" ctl-file "$T/req"
printf '\203\241v\001\242op\251case.list\244args\201\245after\24300f' >"$T/req"
row "case.list after a cursor of 3 digits: bad-request" 0 \
    "error bad-request: case.list: bad arguments" \
    "control: case.list by" ctl-file "$T/req"
# Trailing bytes after a valid request.
printf '\203\241v\001\242op\246status\244args\200\300' >"$T/req"
row "a valid request followed by a trailing byte: bad-request, logged" 0 \
    "error bad-request: malformed request" \
    "control: malformed request from uid" ctl-file "$T/req"
# A duplicate key.
printf '\203\241v\001\242op\246status\242op\246status' >"$T/req"
row "a request with a duplicate key: bad-request, logged" 0 \
    "error bad-request: malformed request" \
    "control: malformed request from uid" ctl-file "$T/req"

# A request that comes in two pieces while 32 other clients keep the
# listening socket busy at every turn: it is answered all the same, and
# so is every one of the others.  (With a zloop poller per connection,
# each accept made zloop skip the rest of its turn, and the busy
# listener starved such a connection until the 10-s timeout.)
"$POKE" -d "$D" --conns 32 --hold 4 ctl-flood >"$T/flood.out" 2>&1 &
FLOOD=$!
sleep 1
row "a request in two pieces, during a flood of other requests: answered" \
    0 "answer ok" - ctl-slow
if wait "$FLOOD" && grep -q "^result: [1-9][0-9]* answered, 0 closed" \
    "$T/flood.out"; then
	ok "the flood's requests are all answered ($(sed -n \
	    's/^result: \([0-9]*\) answered.*/\1/p' "$T/flood.out"))"
else
	fail "the flood's requests are all answered"
	sed 's/^/# /' "$T/flood.out"
fi

wait "$STALL"
ms=$(sed -n 's/^result: closed by the daemon after \([0-9]*\) ms.*/\1/p' \
    "$T/stall.out")
if [ "${ms:-0}" -ge 9000 ] && [ "$ms" -le 13000 ] &&
    grep -q "control: request from uid .* timed out" "$LOG"; then
	ok "a client that sends nothing is cut off after 10 s, logged"
else
	fail "a client that sends nothing is cut off after 10 s, logged"
	sed 's/^/# /' "$T/stall.out"
fi

# Another Unix user: the daemon refuses it (SO_PEERCRED) even when the
# socket's permissions would let it connect.
if [ "$(id -u)" -ne 0 ]; then
	ok "skipped: a control request from another user (needs root to" \
	    "make one)"
else
	U=tafelx$$
	if useradd --system --no-create-home --shell /usr/sbin/nologin \
	    "$U" >/dev/null 2>&1; then
		trap 'userdel "$U" >/dev/null 2>&1; cleanup' EXIT INT TERM
		uid=$(id -u "$U")
		# Only for this test: let the other user reach the socket.
		cp "$POKE" "$T/tafel-poke"
		chmod 755 "$T/tafel-poke"
		chmod 711 "$T" "$D"
		chmod 666 "$D/tafeld.sock"
		lines=$(wc -l <"$LOG")
		setpriv --reuid="$uid" --regid="$(id -g "$U")" \
		    --clear-groups "$T/tafel-poke" -d "$D" --hold 5 \
		    ctl-status >"$T/poke.out" 2>&1
		rc=$?
		chmod 600 "$D/tafeld.sock"
		chmod 700 "$T" "$D"
		if [ "$rc" -eq 4 ] && grep -q "closed by the daemon" \
		    "$T/poke.out" && tail -n +"$((lines + 1))" "$LOG" |
		    grep -q "control: connection from uid $uid .*refused"; then
			ok "a control request from another user (uid $uid):" \
			    "refused without an answer, logged"
		else
			fail "a control request from another user"
			sed 's/^/# /' "$T/poke.out"
		fi
		userdel "$U" >/dev/null 2>&1
		trap cleanup EXIT INT TERM
	else
		fail "useradd $U failed"
	fi
fi
check "after all of it, status answers" "$TAFEL" -d "$D" status
finish
