#!/bin/sh
# A member added later, with four real daemons: it receives the headers
# of the case's earlier events (so every member holds the same DAG and
# timeline) but not their content, until a member re-shares the history
# with it (tafel case share-history); what is narrowed to others, identity
# it is not cleared for, and what the rules keep from it are never
# re-shared.  Cases about a minor: the minors rule of the table is kept by
# the sender and by the receiver, also against a modified sender.
. "$(dirname "$0")/lib.sh"
if [ ! -x "$POKE" ]; then
	echo "not ok - $POKE is not built (make check builds it)"
	exit 1
fi

# In a case about a minor, CAW does not receive assessments.
four_partners coordinator "minors caw assessment"
check "table show --json gives the minors rule" \
    sh -c "'$TAFEL' -d '$T/caw' table show aalst --json | grep -A2 '\"minors\"' | grep -q '\"assessment\"'"
check "table show prints the minors rule" \
    sh -c "'$TAFEL' -d '$T/caw' table show aalst | grep -q '^    minors caw assessment$'"

M=$$
open_case "Hist-$M"
shows() { "$TAFEL" -d "$T/$1" case show "$CASE" 2>/dev/null | grep -qF "$2"; }
json() { "$TAFEL" -d "$T/$1" case show "$CASE" --json; }
nevents() { json "$1" | grep -c '"type": '; }
check "the police has the case" wait_for 20 shows politie "Hist-$M"
check "CAW has the case" wait_for 20 shows caw "Hist-$M"

# The case's history before OCMW joins.
"$TAFEL" -d "$T/stad" record add "$CASE" --category signal \
    --text "sig-$M" >/dev/null || fail "signal"
"$TAFEL" -d "$T/politie" record add "$CASE" --category context \
    --text "ctx-$M" >/dev/null || fail "context"
"$TAFEL" -d "$T/stad" record add "$CASE" --category assessment \
    --to politie --text "narrow-$M" >/dev/null || fail "narrowed"
"$TAFEL" -d "$T/stad" case reveal "$CASE" --to politie \
    --reason "Politie identificeert." >/dev/null || fail "reveal"
"$TAFEL" -d "$T/stad" record add "$CASE" --category identity \
    --text "ident-$M" >/dev/null || fail "identity"
check "CAW shares a note" wait_for 20 sh -c \
    "'$TAFEL' -d '$T/caw' record add '$CASE' --category note --text 'note-$M'"
check "the coordinator decides" "$TAFEL" -d "$T/stad" case decide "$CASE" \
    --followup latent --reason "decide-$M"
all_at() { [ "$(nevents "$1")" -eq "$2" ]; }
for o in politie caw; do
	check "$o holds the 8 events" wait_for 30 all_at "$o" 8
done

check "the owner adds OCMW" "$TAFEL" -d "$T/stad" case members "$CASE" \
    --add ocmw --reason "OCMW sluit aan."
for o in stad politie caw ocmw; do
	check "$o holds all 9 events (OCMW: the earlier ones as headers)" \
	    wait_for 30 all_at "$o" 9
done
# What the owner relayed to OCMW for the two events it did not write
# came from their header-only copies, kept under message id and sender.
check "the owner keeps the 2 events it received in rxenvs" \
    [ "$(mdb_stat -s rxenvs "$T/stad/store" | sed -n 's/^ *Entries: //p')" = 2 ]
hashes() { json "$1" | grep '"hash"'; }
hashes stad >"$T/stad.hashes"
for o in politie caw ocmw; do
	hashes "$o" >"$T/$o.hashes"
	check "$o holds the same events, in the same order, as the owner" \
	    cmp "$T/stad.hashes" "$T/$o.hashes"
done
json ocmw >"$T/ocmw-1.json"
check "OCMW holds the content of only one event: the change that added it" \
    [ "$(grep -c '"content": true' "$T/ocmw-1.json")" -eq 1 ]
check "OCMW sees who wrote the earlier records, and when" \
    sh -c "grep -A4 '\"type\": \"record\"' '$T/ocmw-1.json' | grep -q '\"from\": \"politie\"'"
check "OCMW's view says the content is not shared with it" \
    sh -c "'$TAFEL' -d '$T/ocmw' case show $CASE | grep -q 'decided on the follow-up' &&
    '$TAFEL' -d '$T/ocmw' case show $CASE | grep -q 'not shared with your organisation'"
check "OCMW's view says a follow-up was decided before it joined" \
    sh -c "'$TAFEL' -d '$T/ocmw' case show $CASE | grep -q '^Follow-up: decided before your organisation joined'"
for mark in sig ctx narrow ident note decide; do
	check_not "no $mark-* text in OCMW's view" grep -qF "$mark-$M" "$T/ocmw-1.json"
	check_not "no $mark-* text in OCMW's store" \
	    grep -rqaF "$mark-$M" "$T/ocmw/store"
done

# Re-sharing the history.
"$TAFEL" -d "$T/stad" case share-history "$CASE" --to ocmw >"$T/sh.out" 2>&1
check "the owner re-shares the history with OCMW" \
    grep -q "re-shared 6 earlier event(s) of case $CASE with ocmw" "$T/sh.out"
for mark in sig ctx note decide; do
	check "OCMW now reads $mark-*" wait_for 30 shows ocmw "$mark-$M"
done
shared() { shows "$1" "re-shared 6 earlier event(s) with ocmw"; }
for o in stad politie caw ocmw; do
	check "$o's timeline shows the re-sharing" wait_for 30 shared "$o"
done
ME=$(id -un)
check "the re-sharing names the person who did it" \
    sh -c "'$TAFEL' -d '$T/ocmw' case show --json $CASE |
    grep -A3 '\"type\": \"share\"' | grep -q '\"by\": \"$ME\"'"
check_not "the record narrowed to the police is not re-shared" \
    shows ocmw "narrow-$M"
check_not "nor the identity record (OCMW is not cleared)" \
    shows ocmw "ident-$M"
check_not "neither is in OCMW's store" \
    grep -rqaE "(narrow|ident)-$M" "$T/ocmw/store"
check "OCMW's follow-up is the one decided before it joined" \
    sh -c "'$TAFEL' -d '$T/ocmw' case show $CASE | grep -q '^Follow-up: latent'"
# CAW and OCMW were both given everything but the narrowed and the identity
# record: their timelines are the same bytes.
json caw >"$T/caw.json"
json ocmw >"$T/ocmw.json"
check "CAW and OCMW print byte-identical timelines (--json)" \
    cmp "$T/caw.json" "$T/ocmw.json"
hashes stad >"$T/stad.hashes"
for o in politie caw ocmw; do
	hashes "$o" >"$T/$o.hashes"
	check "$o still holds the owner's events in its order" \
	    cmp "$T/stad.hashes" "$T/$o.hashes"
done

# Clearance later: an identity record sealed for every member cleared then
# is re-shared once OCMW is cleared too.
"$TAFEL" -d "$T/stad" case reveal "$CASE" --to ocmw \
    --reason "OCMW begeleidt." >/dev/null || fail "reveal ocmw"
wait_for 20 sh -c "'$TAFEL' -d '$T/ocmw' case show $CASE | grep -q 'cleared ocmw'"
if "$TAFEL" -d "$T/stad" case share-history "$CASE" --to ocmw \
    >"$T/share2.out" 2>&1; then
	ok "identity goes to the member cleared after the fact"
else
	# Seen twice under heavy load, not reproduced since: say why.
	fail "identity goes to the member cleared after the fact"
	sed 's/^/# /' "$T/share2.out"
	"$TAFEL" -d "$T/stad" case show "$CASE" | grep -i "cleared\|members" |
	    sed 's/^/# stad: /'
	grep "not re-shared with ocmw\|not relayed" "$T/stad.log" |
	    sed 's/^/# stad log: /' | tail -20
fi
check "OCMW reads the identity record now" wait_for 30 shows ocmw "ident-$M"
check_not "still not the narrowed record" shows ocmw "narrow-$M"
check_not "nor is it in OCMW's store" grep -rqaF "narrow-$M" "$T/ocmw/store"

# Bad arguments.
check_not "share-history without --to is refused" \
    "$TAFEL" -d "$T/stad" case share-history "$CASE"
check_not "share-history of a bad case id" \
    "$TAFEL" -d "$T/stad" case share-history nothex --to ocmw
check_not "share-history with a bad organisation id" \
    "$TAFEL" -d "$T/stad" case share-history "$CASE" --to 'Not An Id'
"$TAFEL" -d "$T/stad" case share-history "$CASE" --to stad >"$T/a2.out" 2>&1
check "share-history with one's own organisation is refused" \
    grep -q "your own organisation" "$T/a2.out"
"$TAFEL" -d "$T/stad" case share-history "$CASE" --to nobody >"$T/a3.out" 2>&1
check "share-history with a non-member is refused" \
    grep -q "nobody is not a member of case" "$T/a3.out"
"$TAFEL" -d "$T/stad" case share-history "$CASE" --to politie >"$T/a4.out" 2>&1
check "nothing to share with a member that received everything" \
    grep -q "nothing to share with politie" "$T/a4.out"
check_not "share-history with an extra argument" \
    "$TAFEL" -d "$T/stad" case share-history "$CASE" extra --to ocmw
check_not "share-history of an unknown case" \
    "$TAFEL" -d "$T/stad" case share-history \
    00000000000000000000000000000000 --to ocmw

# A modified sender (the coordinator's keys, outside its daemon) relays
# history that breaks the rules: OCMW checks every relayed event.
"$POKE" -d "$T/stad" -c "$T/ocmw.card" -t aalst --case "$CASE" \
    --cat note --text "hf-$M" history-forged >"$T/poke-f.out" 2>&1
check "OCMW refuses relayed content that is not what its author sealed" \
    grep -q "refused: the relayed content is not what its author sealed" \
    "$T/poke-f.out"
"$POKE" -d "$T/stad" -c "$T/ocmw.card" -t aalst --case "$CASE" \
    --cat assessment --to politie --text "hn-$M" history-narrowed \
    >"$T/poke-n.out" 2>&1
check "OCMW refuses a relayed record that was narrowed" \
    grep -q "refused: the relayed record was narrowed to other members" \
    "$T/poke-n.out"
check_not "neither reached OCMW's store" \
    grep -rqaE "(hf|hn)-$M|forged" "$T/ocmw/store"
check "OCMW logs the refusals" \
    grep -q "refused: the relayed record was narrowed" "$T/ocmw.log"

# A case about a minor: CAW does not receive assessments in it.
"$TAFEL" -d "$T/stad" case open --table aalst --members politie,caw \
    --pseudonym "Minor-$M" --minor >"$T/open2.out" 2>&1
check "a case about a minor is opened" grep -q "about a minor" "$T/open2.out"
CASE=$(tail -n 1 "$T/open2.out")
check "CAW has the minor's case" wait_for 20 shows caw "Minor-$M"
for o in stad politie caw; do
	check "$o marks the case as about a minor (--json)" \
	    sh -c "'$TAFEL' -d '$T/$o' case show --json $CASE | grep -q '\"minor\": true'"
done
check "case show says so" shows caw "Minor:     yes"
"$TAFEL" -d "$T/stad" record add "$CASE" --category assessment \
    --text "m-assess-$M" >/dev/null || fail "minor assessment"
check "the police reads the assessment" wait_for 20 shows politie "m-assess-$M"
check "the sender logged that the minors rule kept it from CAW" \
    grep -q "receive assessment in a case about a minor; not sealed" "$T/stad.log"
has_header() {
	"$TAFEL" -d "$T/caw" case show --json "$CASE" |
	    grep -A9 '"category": "assessment"' | grep -q '"content": false'
}
check "CAW holds only the assessment's header" wait_for 20 has_header
check_not "the assessment is not in CAW's store" \
    grep -rqaF "m-assess-$M" "$T/caw/store"
"$TAFEL" -d "$T/stad" record add "$CASE" --category assessment --to caw \
    --text x >"$T/m1.out" 2>&1
check "naming CAW for an assessment in a minor's case is refused" \
    grep -q "do not let caw (caw) receive assessment records in a case about a minor" \
    "$T/m1.out"
check "a note still reaches CAW in the minor's case" \
    "$TAFEL" -d "$T/stad" record add "$CASE" --category note \
    --text "m-note-$M"
check "CAW reads the note" wait_for 20 shows caw "m-note-$M"
# A modified sender (the coordinator's keys outside its daemon).
"$POKE" -d "$T/stad" -c "$T/caw.card" -t aalst --case "$CASE" \
    --cat assessment --text "m-forced-$M" record >"$T/poke.out" 2>&1
check "CAW refuses an assessment a modified sender seals for it" \
    grep -q "refused: the rules of table aalst do not let caw receive assessment in a case about a minor" \
    "$T/poke.out"
check "CAW logs the refusal" \
    grep -q "in a case about a minor" "$T/caw.log"
"$POKE" -d "$T/stad" -c "$T/caw.card" -t aalst --case "$CASE" \
    --cat assessment --text "m-hist-$M" history >"$T/poke-h.out" 2>&1
check "CAW refuses such an assessment relayed as history too" \
    grep -q "refused: the rules of table aalst do not let caw receive assessment in a case about a minor" \
    "$T/poke-h.out"
check_not "the forced assessments are not in CAW's store" \
    grep -rqaE "m-(forced|hist)-$M" "$T/caw/store"
# OCMW joins the minor's case: the minors flag goes with it, and the
# history re-shared with it keeps the rules.
check "the owner adds OCMW to the minor's case" \
    "$TAFEL" -d "$T/stad" case members "$CASE" --add ocmw
check "OCMW marks the joined case as about a minor" wait_for 20 sh -c \
    "'$TAFEL' -d '$T/ocmw' case show --json $CASE | grep -q '\"minor\": true'"
check "the police re-shares the history with OCMW" \
    "$TAFEL" -d "$T/politie" case share-history "$CASE" --to ocmw
check "OCMW reads the re-shared assessment" \
    wait_for 30 shows ocmw "m-assess-$M"
check "the case list marks the case" \
    sh -c "'$TAFEL' -d '$T/ocmw' case list | grep -q 'about a minor'"
check "the case list marks it in --json too" \
    sh -c "'$TAFEL' -d '$T/ocmw' case list --json | grep -A4 '$CASE' | grep -q '\"minor\": true'"

# CAW joins a minor's case later: the history re-shared with it leaves
# out what the minors rule keeps from its role.
"$TAFEL" -d "$T/stad" case open --table aalst --members politie \
    --pseudonym "Late-$M" --minor >"$T/open3.out" 2>&1
CASE=$(tail -n 1 "$T/open3.out")
"$TAFEL" -d "$T/stad" record add "$CASE" --category assessment \
    --text "l-assess-$M" >/dev/null || fail "late assessment"
"$TAFEL" -d "$T/politie" record add "$CASE" --category note \
    --text "l-note-$M" >/dev/null 2>&1 ||
    wait_for 20 sh -c "'$TAFEL' -d '$T/politie' record add '$CASE' --category note --text 'l-note-$M'" ||
    fail "late note"
check "the owner adds CAW to the minor's case" \
    wait_for 20 sh -c "'$TAFEL' -d '$T/stad' case show $CASE | grep -q 'l-note-$M' &&
    '$TAFEL' -d '$T/stad' case members $CASE --add caw"
check "CAW has the case, with the headers of both records" \
    wait_for 20 sh -c "[ \$('$TAFEL' -d '$T/caw' case show --json $CASE | grep -c '\"type\": \"record\"') -eq 2 ]"
"$TAFEL" -d "$T/stad" case share-history "$CASE" --to caw >"$T/sh3.out" 2>&1
check "the owner re-shares two events (the open and the note)" \
    grep -q "re-shared 2 earlier event(s)" "$T/sh3.out"
check "CAW reads the note" wait_for 20 shows caw "l-note-$M"
check_not "CAW was not given the assessment" shows caw "l-assess-$M"
check_not "nor is it in CAW's store" grep -rqaF "l-assess-$M" "$T/caw/store"
finish
