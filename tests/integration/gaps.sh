#!/bin/sh
# Gaps: an event whose predecessors have not arrived waits for them.
# CAW is offline while the police writes a record and the coordinator
# answers it; the police goes offline before its record reaches CAW.
# When CAW comes back, the coordinator's record (which follows the
# police's) waits, CAW asks the coordinator for what it misses, and
# applies both in order once the police is back.  An event whose
# predecessor never comes is applied after --gap-wait, with a warning.
. "$(dirname "$0")/lib.sh"

three_partners "G-$$"
shows() { "$TAFEL" -d "$T/$1" case show "$CASE" 2>/dev/null | grep -qF "$2"; }
check "CAW has the case" wait_for 20 shows caw "G-$$"

# gap NAME TEXT1 TEXT2: with CAW stopped, the police writes TEXT1, the
# coordinator receives it and writes TEXT2 (which follows it); then the
# police stops, with TEXT1 still waiting for CAW in its outbox.
gap() {
	stop caw
	"$TAFEL" -d "$T/politie" record add "$CASE" --category note \
	    --text "$1" >/dev/null || fail "the police writes $1"
	wait_for 20 shows stad "$1" || fail "the coordinator receives $1"
	stop politie
	"$TAFEL" -d "$T/stad" record add "$CASE" --category note \
	    --text "$2" >/dev/null || fail "the coordinator writes $2"
}

gap "first-$$" "second-$$"
start caw || exit 1
waiting() {
	grep -q "envelope from stad deferred: waiting for 1 earlier event(s) of the case" \
	    "$T/caw.log"
}
check "CAW defers the coordinator's record: its predecessor is missing" \
    wait_for 20 waiting
asked() { grep -q "peer caw waits for 1 event(s)" "$T/stad.log"; }
check "CAW asks the coordinator for the missing event" wait_for 20 asked
check_not "the waiting record is not in CAW's timeline yet" \
    shows caw "second-$$"
start politie || exit 1
check "once the police is back, CAW has the police's record" \
    wait_for 30 shows caw "first-$$"
check "and then the coordinator's" wait_for 60 shows caw "second-$$"
first=$(grep -n "received record note in case ........ from politie" \
    "$T/caw.log" | tail -n 1 | cut -d: -f1)
second=$(grep -n "received record note in case ........ from stad" \
    "$T/caw.log" | tail -n 1 | cut -d: -f1)
check "CAW applied them in order" [ "${first:-0}" -gt 0 -a \
    "${second:-0}" -gt "${first:-0}" ]
for o in stad caw; do
	"$TAFEL" -d "$T/$o" case show "$CASE" --json >"$T/$o.json" 2>&1
done
check "CAW's timeline is the coordinator's, byte for byte" \
    cmp -s "$T/stad.json" "$T/caw.json"

# A predecessor that does not come: applied anyway after --gap-wait.
gap "third-$$" "fourth-$$"
TAFELD_OPTS="--gap-wait 3" start caw || exit 1
check "with --gap-wait 3, the record is applied without its predecessor" \
    wait_for 30 shows caw "fourth-$$"
check "and CAW says so in its log" \
    grep -q "envelope from stad applied although 1 earlier event(s) of its case did not arrive within 3 s" \
    "$T/caw.log"
check_not "the missing record is not there" shows caw "third-$$"
start politie || exit 1
check "when the police is back its record arrives too" \
    wait_for 30 shows caw "third-$$"
for o in stad caw; do
	"$TAFEL" -d "$T/$o" case show "$CASE" --json >"$T/$o.json" 2>&1
done
check "and the timelines agree again, byte for byte" \
    cmp -s "$T/stad.json" "$T/caw.json"
finish
