#!/bin/sh
# Signed receipts, as the sender's case worker sees them: tafel case
# show says per recipient whether each record was delivered, is still
# pending, or was refused and why.  A receipt is signed by the
# recipient; the sender keeps it and names it by its hash.
. "$(dirname "$0")/lib.sh"

three_partners "Q-$$"

# show: the sender's view of the case, text.
show() { "$TAFEL" -d "$T/stad" case show "$CASE" >"$T/show.out" 2>&1; }
# after_record TEXT: the lines below the record with TEXT, up to the
# next event.
after_record() {
	show
	awk -v t="$1" 'index($0, t) { on = 1; next }
	    on && /^[0-9][0-9][0-9][0-9]-/ { on = 0 } on' "$T/show.out"
}
delivered_to_both() {
	after_record "$1" | grep -q "delivered to: politie, caw"
}

"$TAFEL" -d "$T/stad" record add "$CASE" --category note \
    --text "first-$$" >/dev/null
check "case show: a record both received is delivered to both" \
    wait_for 20 delivered_to_both "first-$$"
"$TAFEL" -d "$T/stad" case show "$CASE" --json --delivery >"$T/d.json"
check "case show --json --delivery: each recipient has a receipt hash" \
    [ "$(grep -cE '"receipt": "[0-9a-f]{64}"' "$T/d.json")" -ge 4 ]
check "case show --json --delivery: and the time the receipt came" \
    grep -qE '"time_ms": [1-9][0-9]{12}' "$T/d.json"
"$TAFEL" -d "$T/stad" case show "$CASE" --json >"$T/plain.json"
check_not "case show --json alone leaves delivery out (same on every member)" \
    grep -q '"delivery"' "$T/plain.json"
"$TAFEL" -d "$T/politie" case show "$CASE" >"$T/pol.out"
check_not "a recipient's view has no delivery lines for others' events" \
    grep -q "delivered to" "$T/pol.out"

# A recipient that is down: pending, then delivered once it is back.
stop caw
"$TAFEL" -d "$T/stad" record add "$CASE" --category note \
    --text "second-$$" >/dev/null
pending_caw() {
	after_record "second-$$" | grep -q "pending: caw" &&
	    after_record "second-$$" | grep -q "delivered to: politie"
}
check "case show: delivered to the police, pending for the stopped CAW" \
    wait_for 20 pending_caw
start caw || exit 1
check "case show: delivered to both once CAW is back" \
    wait_for 30 delivered_to_both "second-$$"

# A refusal: the coordinator's clock runs a day ahead, so its records
# come from the future for the others, who refuse them for good.
if [ -n "$LIBFT" ]; then
	stop stad
	start_faked stad +1d || fail "restart a day ahead"
	"$TAFEL" -d "$T/stad" record add "$CASE" --category note \
	    --text "future-$$" >/dev/null
	refused() {
		after_record "future-$$" | grep -q "refused by: politie (event time is in the future (check the sender's clock)); caw (event time is in the future"
	}
	check "case show: a record both refused shows as refused, with the reason" \
	    wait_for 20 refused
	"$TAFEL" -d "$T/stad" case show "$CASE" --json --delivery >"$T/d.json"
	check "case show --json --delivery: refused, with the reason" \
	    grep -q '"status": "refused"' "$T/d.json"
	check "the sender's log names the refusal" \
	    grep -q "politie refused [0-9a-f]*: event time is in the future" \
	    "$T/stad.log"
	check_not "the refused record is not in the police's case" \
	    sh -c "'$TAFEL' -d '$T/politie' case show $CASE | grep -q 'future-$$'"
	empty() {
		"$TAFEL" -d "$T/stad" peers --json | grep -q '"outbox": 0'
	}
	check "a refusal settles the outbox row: nothing is resent" \
	    wait_for 10 empty
else
	ok "skipped: libfaketime is not installed (make deps installs it)"
fi
finish
