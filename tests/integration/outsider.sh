#!/bin/sh
# A daemon whose transport key is not in the adopted table cannot
# connect: the ZAP handshake is refused and nothing it sends is stored.
. "$(dirname "$0")/lib.sh"

mkorg stad-ninove coordinator 1 || exit 1
mkorg caw-ninove caw 2 || exit 1
mkorg indringer coordinator 3 || exit 1
start stad-ninove || exit 1
start caw-ninove || exit 1
start indringer || exit 1
check "ninove adopts a table without the outsider" \
    table ninove 1 stad-ninove stad-ninove caw-ninove
# The outsider knows ninove's card and makes a table of its own with it.
# Only the outsider adopts it: ninove's operator would never be given its
# fingerprint.
ADOPTERS=indringer
check "the outsider adopts a table of its own naming ninove" \
    table fake 1 indringer indringer stad-ninove
unset ADOPTERS
check_not "ninove refuses the outsider's table without its fingerprint" \
    "$TAFEL" -d "$T/stad-ninove" table adopt "$T/fake.table" \
    --expect "00000 00000 00000 00000 00000 00000"

SECRET="outsider-secret-$$"
"$TAFEL" -d "$T/indringer" case open --table fake --members stad-ninove \
    --pseudonym "X-$$" >"$T/open.out" 2>&1
CASE=$(tail -n 1 "$T/open.out")
"$TAFEL" -d "$T/indringer" record add "$CASE" --category signal \
    --text "$SECRET" >/dev/null 2>&1

refused() { grep -q "zap: refused a connection" "$T/stad-ninove.log"; }
check "ninove refuses the outsider's handshake" wait_for 15 refused
sleep 1
check "ninove holds no case from the outsider" \
    sh -c "! '$TAFEL' -d '$T/stad-ninove' case list | grep -qF '$CASE'"
check_not "nothing the outsider sent is in ninove's store" \
    grep -rqaF "$SECRET" "$T/stad-ninove/store"
check_not "ninove never received an envelope" \
    grep -q "received" "$T/stad-ninove.log"
# Its outbox for ninove keeps the two envelopes and its table document.
check "the outsider's envelopes stay undelivered in its outbox" \
    sh -c "'$TAFEL' -d '$T/indringer' status --json | grep -q '\"outbox\": *3'"
finish
