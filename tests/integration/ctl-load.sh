#!/bin/sh
# The control socket under load: a client whose request arrives in two
# pieces is served while many others keep the daemon committing records
# and the listening socket full at every turn; and clients that leave
# before their answer do not stop the daemon; one that asks for a large
# answer and does not read it holds the daemon up for 10 s at most.  (With one zloop poller
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

# With 40 records of 60,000 bytes more, the case is longer than one
# answer (1 MiB) holds, however fast the flood went.  The client asks
# page after page and shows the whole timeline as one.
awk 'BEGIN { for (i = 0; i < 600; i++) printf "%099d\n", i }' >"$T/big.txt"
i=0
while [ $i -lt 40 ] && "$TAFEL" -d "$T/stad" record add "$CASE" \
    --category note --file "$T/big.txt" >/dev/null 2>"$T/big.err"; do
	i=$((i + 1))
done
check "40 records of 60,000 bytes are added" test "$i" = 40
# The small ones: as the daemon logged them (the flood also leaves
# requests it closed before their answer, which may have been added).
NADDED=$(($(grep -c "info: record [0-9a-f]* (note) added to case" \
    "$T/stad.log") - 40))
check "tafel case show shows a case longer than one answer" \
    "$TAFEL" -d "$T/stad" case show "$CASE"
if [ "$(grep -c '^    flood$' "$T/check.out")" = "$NADDED" ] &&
    [ "$(grep -c '^    0*599$' "$T/check.out")" = 40 ]; then
	ok "every one of the $NADDED + 40 records is shown, once"
else
	fail "every one of the $NADDED + 40 records is shown, once" \
	    "($(grep -c '^    flood$' "$T/check.out") + $(grep -c '^    0*599$' \
	    "$T/check.out") shown)"
fi
check "its JSON too" "$TAFEL" -d "$T/stad" case show "$CASE" --json
if [ "$(grep -o '"text": *"flood"' "$T/check.out" | wc -l)" = "$NADDED" ] &&
    [ "$(grep -o '\\n0\{96\}599' "$T/check.out" | wc -l)" = 40 ] &&
    [ "$(grep -o '"hash": *"[0-9a-f]*"' "$T/check.out" | sort -u | wc -l)" = \
    "$(grep -c '"hash": *"[0-9a-f]*"' "$T/check.out")" ] &&
    ! grep -q '"more"' "$T/check.out"; then
	ok "the JSON has every record once, in one map, without more"
else
	fail "the JSON has every record once, in one map, without more"
fi
# after_refused DESCRIPTION HASH: case.show of the long case after HASH
# is answered bad-request.
after_refused() {
	printf '\203\241v\001\242op\251case.show\244args\202\244case\331\040%s\245after\331\100%s' \
	    "$CASE" "$2" >"$T/after.req"
	"$POKE" -d "$T/stad" ctl-file "$T/after.req" >"$T/after.out" 2>&1
	if grep -q "^result: answer error bad-request: case.show: after names no event" \
	    "$T/after.out"; then
		ok "$1"
	else
		fail "$1"
		sed 's/^/# /' "$T/after.out"
	fi
}
after_refused "after naming no event of the case is a bad request" \
    "$(printf '%064d' 0)"

# The daemon keeps the follow-up of the case it showed last for the next
# page, but only until an event is stored: a decision taken after a
# paged show is in the very next show.
check "the coordinator decides on the long case" \
    "$TAFEL" -d "$T/stad" case decide "$CASE" --followup latent \
    --reason "Na de bulk."
check "the long case shows the new decision" \
    "$TAFEL" -d "$T/stad" case show "$CASE"
if grep -q '^Follow-up: latent' "$T/check.out"; then
	ok "the follow-up is the decision's, not the one kept from before"
else
	fail "the follow-up is the decision's, not the one kept from before"
	grep '^Follow-up' "$T/check.out" | sed 's/^/# /'
fi
check "tafel case list shows it too" \
    sh -c "'$TAFEL' -d '$T/stad' case list | grep '$CASE' | grep -q latent"

# A client that asks for a large answer (a page of the case's timeline,
# nearly 1 MiB: more than the socket holds) and then reads nothing.
# The daemon waits for it at most 10 s, drops the answer, and goes on.
printf '\203\241v\001\242op\251case.show\244args\201\244case\331\040%s' \
    "$CASE" >"$T/show.req"
"$POKE" -d "$T/stad" --hold 60 ctl-noread "$T/show.req" >"$T/noread.out" 2>&1 &
NOREAD=$!
sleep 1
check "status answers while a client does not read its answer" \
    "$TAFEL" -d "$T/stad" status
wait "$NOREAD"
if awk '/^result: / { if ($2 < $7 && $7 > 262144 &&
    /then closed by the daemon$/) ok = 1 } END { exit !ok }' "$T/noread.out"
then
	ok "the answer nobody read was dropped and the connection closed"
else
	fail "the answer nobody read was dropped and the connection closed"
	sed 's/^/# /' "$T/noread.out"
fi
check "the daemon says it dropped the answer" grep -q \
    "control: uid [0-9]* did not take its answer within 10 s" "$T/stad.log"
check "status answers after it" "$TAFEL" -d "$T/stad" status

# More cases than one case.list answer holds (about 26 objects a case,
# 61,440 objects a page): opened by a flood of case.open, alone.
printf '\203\241v\001\242op\251case.open\244args\203\245table\245aalst\247members\220\251pseudonym\241p' \
    >"$T/open.req"
ncases() {
	"$TAFEL" -d "$T/stad" status --json |
	    sed -n 's/^ *"cases": *\([0-9]*\).*/\1/p'
}
START=$(date +%s)
while [ "$(ncases)" -lt 2600 ] && [ $(($(date +%s) - START)) -lt 120 ]; do
	"$POKE" -d "$T/stad" --conns 16 --hold 2 ctl-flood "$T/open.req" \
	    >/dev/null 2>&1
done
NCASES=$(ncases)
check "more than 2,600 cases are open ($NCASES)" test "$NCASES" -ge 2600
check "tafel case list lists them" "$TAFEL" -d "$T/stad" case list
check "every case once" test "$(grep -E '^[0-9a-f]{32} ' "$T/check.out" |
    cut -c1-32 | sort -u | wc -l)" = "$NCASES"
check "tafel case list --json too" "$TAFEL" -d "$T/stad" case list --json
if [ "$(grep -o '"case": *"[0-9a-f]*"' "$T/check.out" | sort -u | wc -l)" = \
    "$NCASES" ] && [ "$(grep -c '"case": *"' "$T/check.out")" = "$NCASES" ] &&
    ! grep -q '"more"' "$T/check.out"; then
	ok "its JSON has every case once, in one array, without more"
else
	fail "its JSON has every case once, in one array, without more"
fi

# A page cursor naming an event of another case is refused: the page
# starts at the after event's row, found by its hash alone.
OTHER=$(grep -o '"case": *"[0-9a-f]*"' "$T/check.out" | grep -v "$CASE" |
    head -1 | sed 's/.*"\([0-9a-f]*\)"$/\1/')
OHASH=$("$TAFEL" -d "$T/stad" case show "$OTHER" --json |
    grep -o '"hash": *"[0-9a-f]*"' | head -1 | sed 's/.*"\([0-9a-f]*\)"$/\1/')
check "another case's event hash is known" test "${#OHASH}" = 64
after_refused "after naming an event of another case is a bad request" \
    "$OHASH"
check "the long case still shows whole after it" \
    "$TAFEL" -d "$T/stad" case show "$CASE"
check "... every record of it" test \
    "$(grep -c '^    0*599$' "$T/check.out")" = 40
finish
