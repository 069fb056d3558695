#!/bin/sh
# Cases as a partner table runs them, with four real daemons: only the
# case's members receive anything; records written concurrently from
# three daemons give every member the same timeline; concurrent follow-up
# decisions show as a conflict until someone decides again; declining
# and closing; the agenda of cases due for review.
. "$(dirname "$0")/lib.sh"

# The police may also open cases and decide on them at this table.
four_partners "coordinator police"

open_case "Casus-$$"
has_case() { "$TAFEL" -d "$T/$1" case show "$CASE" >/dev/null 2>&1; }
check "the police has the case" wait_for 20 has_case politie
check "CAW has the case" wait_for 20 has_case caw

# 50 records, written at the same time from three daemons.
writer() {	# writer ORG FIRST LAST
	i=$2
	while [ "$i" -le "$3" ]; do
		"$TAFEL" -d "$T/$1" record add "$CASE" --category note \
		    --text "record $i from $1 ($$)" >/dev/null || return 1
		i=$((i + 1))
	done
}
writer stad 1 17 & W1=$!
writer politie 18 34 & W2=$!
writer caw 35 50 & W3=$!
ok=0
wait $W1 || ok=1
wait $W2 || ok=1
wait $W3 || ok=1
check "three daemons write 50 records concurrently" [ "$ok" -eq 0 ]
count() {	# count ORG: records in its timeline
	"$TAFEL" -d "$T/$1" case show "$CASE" --json | grep -c '"type": "record"'
}
all50() { [ "$(count "$1")" -eq 50 ]; }
for o in stad politie caw; do
	check "$o holds all 50 records" wait_for 60 all50 "$o"
done
for o in stad politie caw; do
	"$TAFEL" -d "$T/$o" case show "$CASE" --json >"$T/$o.json"
done
check "every member prints a byte-identical timeline (--json)" \
    sh -c "cmp '$T/stad.json' '$T/politie.json' && cmp '$T/stad.json' '$T/caw.json'"
check "the timeline is ordered by Lamport counter" \
    sh -c "grep '\"lamport\"' '$T/stad.json' | sed 's/[^0-9]//g' | sort -nc"
check_not "OCMW, not a member, holds nothing of the case" has_case ocmw
check_not "nothing of the case is in OCMW's store" \
    grep -rqaF "from stad ($$)" "$T/ocmw/store"
check "OCMW's case list is empty" \
    sh -c "'$TAFEL' -d '$T/ocmw' case list | grep -q 'no cases'"

# Need-to-know inside the case: a record narrowed to the police.
check "a record narrowed with --to politie is shared" \
    "$TAFEL" -d "$T/stad" record add "$CASE" --category assessment \
    --to politie --text "narrowed-$$"
check "the police reads the narrowed record" \
    wait_for 20 sh -c "'$TAFEL' -d '$T/politie' case show $CASE | grep -qF narrowed-$$"
notshared() {	# CAW holds the header: one more assessment, no content
	"$TAFEL" -d "$T/caw" case show "$CASE" --json >"$T/caw-n.json" &&
	    grep -q '"category": "assessment"' "$T/caw-n.json" &&
	    grep -q '"content": false' "$T/caw-n.json"
}
check "CAW holds the narrowed record's header: its category, from whom, when" \
    wait_for 20 notshared
check "CAW's view says the content is not shared with it" \
    sh -c "'$TAFEL' -d '$T/caw' case show $CASE | grep -q 'not shared with your organisation'"
check_not "the narrowed text is nowhere in CAW's view" \
    grep -qF "narrowed-$$" "$T/caw-n.json"
check_not "nor in CAW's store" grep -rqaF "narrowed-$$" "$T/caw/store"

# Identity: only for members the owner cleared, with a reason.
check "an identity record before any clearance is shared" \
    "$TAFEL" -d "$T/stad" record add "$CASE" --category identity \
    --text "Naam-Een-$$ geboren 2008"
check "the owner clears the police for identity records, with a reason" \
    "$TAFEL" -d "$T/stad" case reveal "$CASE" --to politie \
    --reason "Politie moet persoon kunnen identificeren (art. 458ter)."
check "a second identity record is shared" \
    "$TAFEL" -d "$T/stad" record add "$CASE" --category identity \
    --text "Naam-Twee-$$ adres Aalst"
check "the police reads the identity record written after its clearance" \
    wait_for 20 sh -c "'$TAFEL' -d '$T/politie' case show $CASE | grep -qF Naam-Twee-$$"
check_not "the police did not get the identity written before its clearance" \
    sh -c "'$TAFEL' -d '$T/politie' case show $CASE | grep -qF Naam-Een-$$"
revealed() {
	"$TAFEL" -d "$T/$1" case show "$CASE" |
	    grep -A1 "cleared politie for the identity records" |
	    grep -q "art. 458ter"
}
for o in stad politie caw; do
	check "$o's timeline shows the clearance and its reason" \
	    wait_for 20 revealed "$o"
done
check_not "CAW, not cleared, has no identity in its store" \
    grep -rqaE "Naam-(Een|Twee)-$$" "$T/caw/store"
check_not "a record with identity for an uncleared member is refused" \
    "$TAFEL" -d "$T/stad" record add "$CASE" --category identity --to caw \
    --text x
check_not "only the owner clears members" \
    "$TAFEL" -d "$T/politie" case reveal "$CASE" --to caw --reason x

# Two decisions taken without knowing of each other.
stop stad
check "the police decides: latent follow-up" \
    "$TAFEL" -d "$T/politie" case decide "$CASE" --followup latent \
    --reason "Geen acuut risico; opvolgen via school."
stop politie
start stad || exit 1
check "the coordinator decides: prominent follow-up" \
    "$TAFEL" -d "$T/stad" case decide "$CASE" --followup prominent \
    --reason "Zorgwekkende signalen." --review 2027-01-15
start politie || exit 1
decisions() {	# decisions ORG: how many decide events it holds
	"$TAFEL" -d "$T/$1" case show "$CASE" --json | grep -c '"type": "decide"'
}
two() { [ "$(decisions "$1")" -eq 2 ]; }
for o in stad politie caw; do
	check "$o holds both decisions" wait_for 60 two "$o"
done
for o in stad politie caw; do
	check "$o shows the two decisions as a conflict" \
	    sh -c "'$TAFEL' -d '$T/$o' case show '$CASE' | grep -q 'Follow-up: CONFLICT'"
done
check "the case list shows the conflict" \
    sh -c "'$TAFEL' -d '$T/caw' case list | grep '$CASE' | grep -q conflict"
check "a later decision, knowing both, resolves the conflict" \
    "$TAFEL" -d "$T/stad" case decide "$CASE" --followup prominent \
    --reason "Na overleg op de partnertafel." --review "$(date -u +%Y-%m-%d)"
resolved() {
	"$TAFEL" -d "$T/$1" case show "$CASE" |
	    grep -q "^Follow-up: prominent, review on $(date -u +%Y-%m-%d)"
}
for o in stad politie caw; do
	check "$o shows the resolved follow-up" wait_for 30 resolved "$o"
done
check "the case is on the agenda: due for review today" \
    sh -c "'$TAFEL' -d '$T/caw' case list --due | grep -q '$CASE'"
check "--due --json lists it too" \
    sh -c "'$TAFEL' -d '$T/caw' case list --due --json | grep -q '$CASE'"

# A partner declines to contribute, with its reason.
check "CAW declines to contribute, with a reason" \
    "$TAFEL" -d "$T/caw" case decline "$CASE" \
    --reason "Geen hulpverleningsrelatie met betrokkene."
declined() {
	"$TAFEL" -d "$T/$1" case show "$CASE" | grep -q "declines to contribute"
}
check "the coordinator sees the decline and its reason" wait_for 30 declined stad
check_not "CAW may not decide (its role may not open cases)" \
    "$TAFEL" -d "$T/caw" case decide "$CASE" --followup none --reason x
check_not "a decision with an unknown follow-up level is refused" \
    "$TAFEL" -d "$T/stad" case decide "$CASE" --followup maybe --reason x

# Member changes: CAW leaves the case, OCMW joins it.
check "the owner removes CAW from the case and adds OCMW" \
    "$TAFEL" -d "$T/stad" case members "$CASE" --remove caw --add ocmw \
    --reason "OCMW neemt de begeleiding over."
check "OCMW now has the case, with its pseudonym" \
    wait_for 20 sh -c "'$TAFEL' -d '$T/ocmw' case show $CASE | grep -q 'Casus-$$'"
"$TAFEL" -d "$T/stad" record add "$CASE" --category action \
    --text "after-change-$$" >/dev/null
check "OCMW receives what is written after it joined" \
    wait_for 20 sh -c "'$TAFEL' -d '$T/ocmw' case show $CASE | grep -qF after-change-$$"
check "the police receives it too" \
    wait_for 20 sh -c "'$TAFEL' -d '$T/politie' case show $CASE | grep -qF after-change-$$"
check_not "OCMW did not receive what was written before it joined" \
    sh -c "'$TAFEL' -d '$T/ocmw' case show $CASE | grep -qF 'from stad ($$)'"
check_not "CAW, removed, receives nothing written after its removal" \
    sh -c "'$TAFEL' -d '$T/caw' case show $CASE | grep -qF after-change-$$"
check_not "nor is it in CAW's store" grep -rqaF "after-change-$$" "$T/caw/store"
check "every remaining member shows the change and its reason" \
    sh -c "'$TAFEL' -d '$T/politie' case show $CASE | grep -A1 'removed caw' | grep -q 'OCMW neemt'"
check_not "only the owner changes the members" \
    "$TAFEL" -d "$T/politie" case members "$CASE" --add caw

# Closing.
check "the coordinator closes the case" \
    "$TAFEL" -d "$T/stad" case close "$CASE" --reason "Opvolging afgerond."
"$TAFEL" -d "$T/stad" record add "$CASE" --category note --text late \
    >"$T/late.out" 2>&1
check "a closed case takes no new records" grep -q "is closed" "$T/late.out"
closed() { "$TAFEL" -d "$T/$1" case list | grep "$CASE" | grep -q closed; }
check "the police sees the case closed" wait_for 30 closed politie
check_not "a closed case is not on the agenda" \
    sh -c "'$TAFEL' -d '$T/stad' case list --due | grep -q '$CASE'"
finish
