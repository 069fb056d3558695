#!/bin/sh
# Two real daemons on loopback: a coordinator shares a record with the
# police, and the police reads it back decrypted through the client.
# Neither store holds the record or the pseudonym in plaintext.
. "$(dirname "$0")/lib.sh"

mkorg stad-aalst coordinator 1 || exit 1
mkorg politie-aalst police 2 || exit 1
start stad-aalst || exit 1
start politie-aalst || exit 1
check "both daemons adopt a table signed by both" \
    table aalst 2 stad-aalst,politie-aalst stad-aalst politie-aalst

SECRET="Signaal school 7B: Z. verspreidt propaganda $$"
PSEUDO="Casus-Noordster-$$"
"$TAFEL" -d "$T/stad-aalst" case open --table aalst \
    --members politie-aalst --pseudonym "$PSEUDO" >"$T/open.out" 2>&1
CASE=$(tail -n 1 "$T/open.out")
check "case open prints the case id alone on its last line" \
    sh -c "echo '$CASE' | grep -Eq '^[0-9a-f]{32}\$'"
check "the coordinator adds a record" \
    "$TAFEL" -d "$T/stad-aalst" record add "$CASE" --category signal \
    --text "$SECRET"
echo "Context from stdin $$" | "$TAFEL" -d "$T/stad-aalst" record add \
    "$CASE" --category context >/dev/null 2>&1 ||
    fail "a record read from standard input"

shows() { "$TAFEL" -d "$T/$1" case show "$CASE" | grep -qF "$2"; }
check "the police daemon shows the record, decrypted" \
    wait_for 15 shows politie-aalst "$SECRET"
check "the police daemon shows the record read from stdin" \
    wait_for 15 shows politie-aalst "Context from stdin $$"
check "the police daemon shows the pseudonym" \
    shows politie-aalst "$PSEUDO"
check "the police lists the case" \
    sh -c "'$TAFEL' -d '$T/politie-aalst' case list | grep -qF '$CASE'"

check "the police answers with a record of its own" \
    "$TAFEL" -d "$T/politie-aalst" record add "$CASE" --category context \
    --text "Gekend bij politie $$"
check "the coordinator sees the police record" \
    wait_for 15 shows stad-aalst "Gekend bij politie $$"
check "the record shows who wrote it (org and Unix account)" \
    shows stad-aalst "politie-aalst ($(id -un))"

# Nothing of the content in either store, in any file.
for o in stad-aalst politie-aalst; do
	check_not "no plaintext record in $o's LMDB files" \
	    grep -rqaF "$SECRET" "$T/$o/store"
	check_not "no plaintext pseudonym in $o's LMDB files" \
	    grep -rqaF "$PSEUDO" "$T/$o/store"
	check_not "no plaintext record in $o's log" \
	    grep -qaF "$SECRET" "$T/$o.log"
done

# A restart keeps everything and still decrypts.
stop politie-aalst
start politie-aalst || exit 1
check "after a restart the police still reads the record" \
    shows politie-aalst "$SECRET"
check "status answers with the org and the adopted table" \
    sh -c "'$TAFEL' -d '$T/politie-aalst' status | grep -q aalst"
finish
