#!/bin/sh
# An LMDB map that fills up during a run is grown, and the transaction
# that did not fit is run again: no record is lost, on the sender or the
# receiver.  Both daemons start with a 1 MiB map.
. "$(dirname "$0")/lib.sh"

mkorg stad coordinator 1 || exit 1
mkorg politie police 2 || exit 1
TAFELD_OPTS="--map-size 1"
start stad || exit 1
start politie || exit 1
unset TAFELD_OPTS
check "a table is adopted" table aalst 1 stad stad politie
"$TAFEL" -d "$T/stad" case open --table aalst --members politie \
    --pseudonym "M-$$" >"$T/open.out" 2>&1
CASE=$(tail -n 1 "$T/open.out")
# 300 records of 3,000 characters: several megabytes with their
# envelopes, outbox rows and event rows.
PAD=$(printf '%03000d' 0)
i=1
while [ $i -le 300 ]; do
	"$TAFEL" -d "$T/stad" record add "$CASE" --category note \
	    --text "record $i $PAD" >/dev/null || break
	i=$((i + 1))
done
check "300 large records are shared with a 1 MiB map" [ $i -eq 301 ]
records() {
	"$TAFEL" -d "$T/$1" case show "$CASE" --json | grep -c '"type": "record"'
}
all() { [ "$(records "$1")" -eq 300 ]; }
check "the sender holds all 300" all stad
check "the receiver holds all 300" wait_for 60 all politie
check "the sender's map was grown" grep -q "store: map grown" "$T/stad.log"
check "the receiver's map was grown" grep -q "store: map grown" "$T/politie.log"
empty() { "$TAFEL" -d "$T/stad" peers --json | grep -q '"outbox": 0'; }
check "every record was acknowledged" wait_for 30 empty
stop stad
start stad || exit 1
check "after a restart (map size from the file) all 300 are still there" \
    all stad
finish
