#!/bin/sh
# Delivery to a partner that is offline: what is shared waits in the
# persistent outbox, tafel peers shows it, and when the partner starts
# again everything arrives exactly once.
. "$(dirname "$0")/lib.sh"

mkorg stad coordinator 1 || exit 1
mkorg politie police 2 || exit 1
start stad || exit 1
start politie || exit 1
check "a table is adopted" table aalst 1 stad stad politie
"$TAFEL" -d "$T/stad" case open --table aalst --members politie \
    --pseudonym "D-$$" >"$T/open.out" 2>&1
CASE=$(tail -n 1 "$T/open.out")
has() { "$TAFEL" -d "$T/politie" case show "$CASE" >/dev/null 2>&1; }
check "the police has the case" wait_for 20 has
connected() {
	"$TAFEL" -d "$T/stad" peers --json | grep -q '"connected": true'
}
check "tafel peers shows the police connected" wait_for 20 connected

stop politie
disconnected() {
	"$TAFEL" -d "$T/stad" peers --json | grep -q '"connected": false'
}
check "tafel peers shows a stopped partner as disconnected" \
    wait_for 30 disconnected
i=1
while [ $i -le 200 ]; do
	"$TAFEL" -d "$T/stad" record add "$CASE" --category note \
	    --text "offline $i ($$)" >/dev/null || break
	i=$((i + 1))
done
check "200 records are shared while the partner is offline" [ $i -eq 201 ]
check "tafel peers shows the 200 records waiting for the partner" \
    sh -c "'$TAFEL' -d '$T/stad' peers --json | grep -q '\"outbox\": 200'"
check "tafel peers says since when the oldest waits" \
    sh -c "'$TAFEL' -d '$T/stad' peers | grep politie | grep -Eq ' [0-9]+ s\$'"
start politie || exit 1
all() {
	[ "$("$TAFEL" -d "$T/politie" case show "$CASE" --json |
	    grep -c '"type": "record"')" -eq 200 ]
}
check "after it starts again the partner holds all 200" wait_for 60 all
check "each of them exactly once" \
    sh -c "'$TAFEL' -d '$T/politie' case show $CASE | grep -c 'offline [0-9]* ($$)' | grep -qx 200 &&
    '$TAFEL' -d '$T/politie' case show $CASE | grep -o 'offline [0-9]* ($$)' | sort | uniq -d | wc -l | grep -qx 0"
empty() { "$TAFEL" -d "$T/stad" peers --json | grep -q '"outbox": 0'; }
check "the outbox is empty once every record is acknowledged" wait_for 30 empty
finish
