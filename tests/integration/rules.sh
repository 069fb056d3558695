#!/bin/sh
# The need-to-know rules of a table, enforced twice: the sender does not
# seal a category for a role that may not receive it, and a receiver
# refuses (and logs) an envelope that breaks the rules, even from a
# sender that was modified to send it anyway (tafel-poke).
. "$(dirname "$0")/lib.sh"
POKE=$B/tafel-poke
if [ ! -x "$POKE" ]; then
	echo "not ok - $POKE is not built (make check builds it)"
	exit 1
fi

mkorg stad coordinator 1 || exit 1
mkorg politie police 2 || exit 1
mkorg school school 3 || exit 1
for o in stad politie school; do start "$o" || exit 1; done

# Schools report, and hear only notes: no identities, no assessments.
cat >"$T/rules" <<'RULES'
# LIVC-R Aalst: schools report signals and receive only notes.
open coordinator
send coordinator all
send police all
send school signal note
recv coordinator all
recv police all
recv school note
retention-days 1825
max-record 65536
RULES
for o in stad politie school; do "$TAFEL" -d "$T/$o" card >"$T/$o.card"; done
check "a table with custom rules is drafted from a rules file" \
    "$TAFEL" -d "$T/stad" table draft --table aalst \
    --cards "$T/stad.card" "$T/politie.card" "$T/school.card" \
    --signers stad --threshold 1 --rules "$T/rules" -o "$T/aalst.table"
"$TAFEL" -d "$T/stad" table sign "$T/aalst.table" >/dev/null
FPR=$("$TAFEL" table fingerprint "$T/aalst.table")
for o in stad politie school; do
	"$TAFEL" -d "$T/$o" table adopt "$T/aalst.table" --expect "$FPR" \
	    >/dev/null || fail "adopt on $o"
done
check "table show prints the rules as written" \
    sh -c "'$TAFEL' -d '$T/school' table show aalst | grep -q 'recv school note'"

printf 'open coordinator\nsend school gossip\nretention-days 1\nmax-record 1\n' \
    >"$T/badrules"
"$TAFEL" -d "$T/stad" table draft --table x --cards "$T/stad.card" \
    --signers stad --threshold 1 --rules "$T/badrules" -o "$T/x.table" \
    >"$T/bad.out" 2>&1
check "a bad rules file is refused with file and line" \
    grep -q "badrules:2: unknown record category" "$T/bad.out"

"$TAFEL" -d "$T/stad" case open --table aalst --members politie,school \
    --pseudonym "R-$$" >"$T/open.out" 2>&1
CASE=$(tail -n 1 "$T/open.out")
shows() { "$TAFEL" -d "$T/$1" case show "$CASE" 2>/dev/null | grep -qF "$2"; }
check "the school receives the case" wait_for 20 shows school "R-$$"

"$TAFEL" -d "$T/stad" record add "$CASE" --category assessment \
    --text "assessment-$$" >/dev/null
"$TAFEL" -d "$T/stad" record add "$CASE" --category note \
    --text "note-$$" >/dev/null
check "the police receives the assessment" \
    wait_for 20 shows politie "assessment-$$"
check "the school receives the note" wait_for 20 shows school "note-$$"
check_not "the honest sender did not seal the assessment for the school" \
    shows school "assessment-$$"
check "the sender logged that it did not seal it for the school" \
    grep -q "do not let school (school) receive assessment" "$T/stad.log"

# A modified sender (the coordinator's own keys, outside its daemon)
# seals an assessment for the school anyway.
"$POKE" -d "$T/stad" -c "$T/school.card" -t aalst --case "$CASE" \
    --cat assessment --text "forced-$$" record >"$T/poke.out" 2>&1
check "the school refuses the forced assessment" \
    grep -q "refused: the rules of table aalst do not allow coordinator to send assessment to school" \
    "$T/poke.out"
check "the school logs the refusal with its reason" \
    grep -q "refused: the rules of table aalst do not allow" "$T/school.log"
check_not "the forced assessment is not in the school's case" \
    shows school "forced-$$"
check_not "nor anywhere in the school's store" \
    grep -rqaF "forced-$$" "$T/school/store"
# The same from the school's side: it may not send an assessment.
check_not "the school's client may not share an assessment" \
    "$TAFEL" -d "$T/school" record add "$CASE" --category assessment \
    --text "x"
"$POKE" -d "$T/school" -c "$T/politie.card" -t aalst --case "$CASE" \
    --cat assessment --text "school-forced-$$" record >"$T/poke2.out" 2>&1
check "the police refuses an assessment a modified school sends" \
    grep -q "refused: the rules of table aalst do not allow school to send assessment" \
    "$T/poke2.out"
check "the school still shares a signal, which everyone receives" \
    "$TAFEL" -d "$T/school" record add "$CASE" --category signal \
    --text "signal-$$"
check "the police receives the school's signal" \
    wait_for 20 shows politie "signal-$$"
finish
