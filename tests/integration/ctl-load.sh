#!/bin/sh
# The control socket under load: a client whose request arrives in two
# pieces is served while many others keep the daemon committing records
# and the listening socket full at every turn; and clients that leave
# before their answer do not stop the daemon.  (With one zloop poller
# per connection, every accept made zloop skip the rest of its turn, so
# such a client starved behind the listener until its 10-s timeout.)
. "$(dirname "$0")/lib.sh"

three_partners "load-$$"
[ -n "$CASE" ] || { fail "no case opened"; finish; }

# A record.add request for the case, as tafel record add sends it.
printf '\203\241v\001\242op\252record.add\244args\203\244case\331\040%s\250category\244note\244text\245flood' \
    "$CASE" >"$T/add.req"
check "the request file adds a record" \
    "$POKE" -d "$T/stad" ctl-file "$T/add.req"

"$POKE" -d "$T/stad" --conns 64 --hold 5 ctl-flood "$T/add.req" \
    >"$T/flood.out" 2>&1 &
FLOOD=$!
sleep 1
if "$POKE" -d "$T/stad" --hold 4 ctl-slow >"$T/slow.out" 2>&1 &&
    grep -q "^result: answer ok" "$T/slow.out"; then
	ok "a request in two pieces is answered while 64 others add records"
else
	fail "a request in two pieces is answered while 64 others add records"
	sed 's/^/# /' "$T/slow.out"
fi
if wait "$FLOOD" && grep -q "^result: [1-9][0-9]* answered, 0 closed" \
    "$T/flood.out"; then
	ok "every record.add of the flood is answered" \
	    "($(sed -n 's/^result: \([0-9]*\) answered.*/\1/p' "$T/flood.out"))"
else
	fail "every record.add of the flood is answered"
	sed 's/^/# /' "$T/flood.out"
fi
if grep -q "control: request from uid .* timed out" "$T/stad.log"; then
	fail "no control request timed out"
	grep "timed out" "$T/stad.log" | head -3 | sed 's/^/# /'
else
	ok "no control request timed out"
fi
check "status answers after the flood" "$TAFEL" -d "$T/stad" status
finish
