#!/bin/sh
# The signed exchange log with three real daemons: bundles that verify,
# damage anywhere in a bundle named by its place, reconciliation of
# partners (honest, and one bundle taken before a share reached it), and
# a daemon whose store was rolled back and continued (a forked log),
# caught by its partner at the next exchange.
. "$(dirname "$0")/lib.sh"
MAP=$B/tafel-bundlemap

mkorg stad coordinator 1 || exit 1
mkorg politie police 2 || exit 1
mkorg school school 3 || exit 1
start stad || exit 1
start politie || exit 1
start school || exit 1
check "three daemons adopt a table" \
    table aalst 1 stad stad politie school

SECRET="Leerling 4B zegt iets zorgwekkends $$"
PSEUDO="Casus-Audit-$$"
"$TAFEL" -d "$T/stad" case open --table aalst --members politie,school \
    --pseudonym "$PSEUDO" >"$T/open.out" 2>&1
CASE=$(tail -n 1 "$T/open.out")
"$TAFEL" -d "$T/stad" record add "$CASE" --category signal \
    --text "$SECRET" >/dev/null 2>&1 || fail "a record is shared"
shows() { "$TAFEL" -d "$T/$1" case show "$CASE" | grep -qF "$2"; }
check "the police receives the record" wait_for 15 shows politie "$SECRET"
check "the school receives the record" wait_for 15 shows school "$SECRET"
"$TAFEL" -d "$T/politie" record add "$CASE" --category context \
    --text "Gekend $$" >/dev/null 2>&1 || fail "the police answers"
check "the coordinator receives the answer" \
    wait_for 15 shows stad "Gekend $$"

# Everything delivered and receipted: no item waits anywhere.
drained() {
	for o in stad politie school; do
		"$TAFEL" -d "$T/$o" peers --json | grep -q '"outbox": [1-9]' &&
		    return 1
	done
	return 0
}
check "every outbox drains" wait_for 20 drained

# Checkpoints and keys.
"$TAFEL" -d "$T/stad" audit vkey >"$T/stad.vkey" 2>&1
check "audit vkey is name+hex8+base64 with the origin as name" \
    grep -Eq '^tafel/stad/[0-9a-f]{16}\+[0-9a-f]{8}\+A[A-Za-z0-9+/]{43}$' \
    "$T/stad.vkey"
"$TAFEL" -d "$T/stad" audit checkpoint >"$T/stad.ckpt" 2>&1
check "audit checkpoint prints a signed checkpoint of the log" \
    sh -c "head -1 '$T/stad.ckpt' | grep -qx 'tafel/stad/[0-9a-f]*' &&
    sed -n 2p '$T/stad.ckpt' | grep -Eqx '[1-9][0-9]*' &&
    grep -q '^— tafel/stad/' '$T/stad.ckpt'"
cosigned() {
	"$TAFEL" -d "$T/$1" audit checkpoint | grep -q "^— tafel/$2/"
}
check "the police cosigns the coordinator's latest checkpoint" \
    wait_for 15 cosigned stad politie
check "the school cosigns the coordinator's latest checkpoint" \
    wait_for 15 cosigned stad school

# Every daemon's bundle verifies.
for o in stad politie school; do
	check "$o exports its bundle" \
	    "$TAFEL" -d "$T/$o" audit export -o "$T/$o.bundle"
	check "the bundle of $o verifies with its vkey" \
	    "$TAFEL" audit verify "$T/$o.bundle" --vkey \
	    "$("$TAFEL" -d "$T/$o" audit vkey)"
done
check_not "a bundle does not verify under another log's key" \
    "$TAFEL" audit verify "$T/stad.bundle" --vkey \
    "$("$TAFEL" -d "$T/politie" audit vkey)"
check_not "no case content or pseudonym in any bundle" \
    grep -qaF -e "$SECRET" -e "$PSEUDO" "$T/stad.bundle" \
    "$T/politie.bundle" "$T/school.bundle"

# The log says who did what: the case was opened, the record sent to
# both partners, received by both, and receipted.
"$TAFEL" -d "$T/stad" audit log --case "$CASE" >"$T/stad.log.txt"
check "stad's log has the case opened" grep -q 'case-opened' "$T/stad.log.txt"
check "stad's log has the record sent to both partners" \
    grep -q 'sent .* record/signal from stad to politie, school' \
    "$T/stad.log.txt"
check "stad's log has the police's answer received" \
    grep -q 'received .* record/context from politie' "$T/stad.log.txt"
check "stad's log has the case view" grep -q 'viewed' "$T/stad.log.txt"
"$TAFEL" -d "$T/stad" audit log --json >"$T/stad.log.json"
check "stad's log lists receipts from both partners" \
    sh -c "grep -q '\"kind\": \"receipt\".*\"from\": \"politie\"' \
    '$T/stad.log.json' && grep -q '\"kind\": \"receipt\".*\"from\": \
\"school\"' '$T/stad.log.json'"

# Damage: any one byte of any leaf, leaf hash, checkpoint or proof.
"$MAP" "$T/stad.bundle" >"$T/stad.map" || fail "the bundle map"
check "the bundle has consistency proofs to damage" \
    grep -q '^proof ' "$T/stad.map"
n=0
bad=0
while read -r kind idx off len; do
	[ "$kind" = table ] && continue
	for pos in 0 $((len / 2)) $((len - 1)); do
		cp "$T/stad.bundle" "$T/damaged"
		flip_byte "$T/damaged" $((off + pos))
		n=$((n + 1))
		case $kind in
		entry|hash) want="entry $idx:" ;;
		checkpoint|proof) want="checkpoint $idx" ;;
		esac
		if "$TAFEL" audit verify "$T/damaged" >"$T/damaged.out" 2>&1
		then
			fail "a flipped byte $pos of $kind $idx still verifies"
			bad=$((bad + 1))
		elif ! grep -qF "$want" "$T/damaged.out"; then
			fail "a flipped byte $pos of $kind $idx is not named" \
			    "as $want"
			sed 's/^/# /' "$T/damaged.out" | head -3
			bad=$((bad + 1))
		fi
	done
done <"$T/stad.map"
[ "$bad" -eq 0 ] && ok "each of $n single-byte changes fails and names the place"

# Reconciliation of honest partners.
check "stad and politie reconcile without a mismatch" \
    "$TAFEL" audit reconcile "$T/stad.bundle" "$T/politie.bundle"
check "politie and school reconcile without a mismatch" \
    "$TAFEL" audit reconcile "$T/politie.bundle" "$T/school.bundle"

# The school's bundle taken while a share is on its way: stop the school,
# share twice, export the coordinator.  The mismatches are exactly the
# envelopes for the school that it has not logged.
stop school
"$TAFEL" -d "$T/school" audit checkpoint >/dev/null 2>&1 &&
    fail "the stopped school still answers"
for i in 1 2; do
	"$TAFEL" -d "$T/stad" record add "$CASE" --category context \
	    --text "Tweede $i $$" >/dev/null 2>&1 || fail "share $i"
done
check "politie receives both new records" \
    wait_for 15 shows politie "Tweede 2 $$"
"$TAFEL" -d "$T/stad" audit export -o "$T/stad2.bundle" >/dev/null ||
    fail "stad exports again"
"$TAFEL" -d "$T/stad" audit log --json >"$T/stad2.json"
# The envelopes sent to the school after its bundle: the last two sent.
want=$(grep '"kind": "sent"' "$T/stad2.json" | grep '"school"' | tail -2 |
    sed 's/.*"env": "\([0-9a-f]*\)".*/\1/' | sort)
"$TAFEL" audit reconcile "$T/stad2.bundle" "$T/school.bundle" \
    >"$T/rec.out" 2>&1
rc=$?
got=$(grep '^MISMATCH' "$T/rec.out" | sed 's/.*envelope \([0-9a-f]*\).*/\1/' |
    sort)
if [ "$rc" -ne 0 ] && [ -n "$want" ] && [ "$got" = "$want" ] &&
    [ "$(grep -c '^MISMATCH' "$T/rec.out")" -eq 2 ] &&
    grep '^MISMATCH' "$T/rec.out" | grep -q 'school has not logged it'; then
	ok "reconcile reports exactly the two envelopes the school lacks"
else
	fail "reconcile against the school's older bundle (rc $rc)"
	sed 's/^/# /' "$T/rec.out" | head -10
fi
start school || exit 1
check "the school catches up" wait_for 20 shows school "Tweede 2 $$"
check "every outbox drains again" wait_for 20 drained
"$TAFEL" -d "$T/stad" audit export -o "$T/stad3.bundle" >/dev/null
"$TAFEL" -d "$T/school" audit export -o "$T/school3.bundle" >/dev/null
check "after catching up stad and school reconcile" \
    "$TAFEL" audit reconcile "$T/stad3.bundle" "$T/school3.bundle"

# A forked log: the police's store copied, the police continues (and is
# cosigned), then the old copy is put back and the police continues from
# there.  The coordinator notices at the next exchange.
check "the coordinator has cosigned the police's log" \
    wait_for 15 cosigned politie stad
stop politie
cp -a "$T/politie/store" "$T/politie.store.old"
start politie || exit 1
for i in 1 2; do
	"$TAFEL" -d "$T/politie" record add "$CASE" --category context \
	    --text "Voor de kopie $i $$" >/dev/null 2>&1 || fail "police $i"
done
check "the coordinator receives the police's records" \
    wait_for 15 shows stad "Voor de kopie 2 $$"
size_of() { "$TAFEL" -d "$T/$1" audit checkpoint | sed -n 2p; }
held=$(size_of politie)
cosigned_at() {
	"$TAFEL" -d "$T/politie" audit checkpoint >"$T/p.ckpt" &&
	    [ "$(sed -n 2p "$T/p.ckpt")" -ge "$1" ] &&
	    grep -q "^— tafel/stad/" "$T/p.ckpt"
}
check "the coordinator cosigns the police's log at size $held" \
    wait_for 15 cosigned_at "$held"
stop politie
rm -rf "$T/politie/store"
mv "$T/politie.store.old" "$T/politie/store"
start politie || exit 1
for i in 1 2 3 4 5 6; do
	"$TAFEL" -d "$T/politie" record add "$CASE" --category context \
	    --text "Na het terugzetten $i $$" >/dev/null 2>&1 ||
	    fail "police after restore $i"
done
forked() {
	"$TAFEL" -d "$T/stad" status --json | tr -d ' \n' |
	    grep -q '"forked":\["politie"\]'
}
check "the coordinator's status reports the police's log as forked" \
    wait_for 20 forked
check "the coordinator's log says so loudly" \
    grep -q 'THE LOG OF politie HAS FORKED' "$T/stad.log"
check "the coordinator's exchange log has the refusal" \
    sh -c "'$TAFEL' -d '$T/stad' audit log | grep -q 'refused.*checkpoint from politie'"
check "the coordinator's status names the fork for people" \
    sh -c "'$TAFEL' -d '$T/stad' status | grep -q 'the log of politie has forked'"
check "the police hears that the coordinator refuses to cosign" \
    wait_for 15 grep -q 'AUDIT: stad does not cosign our log' \
    "$T/politie.log"
forked_at() {
	"$TAFEL" -d "$T/$1" status --json | tr -d ' \n' |
	    grep -q '"forked":\["politie"\]'
}
check "the school, the other partner, reports it too" \
    wait_for 20 forked_at school
check "the police itself reports no fork of another log" \
    sh -c "'$TAFEL' -d '$T/politie' status --json | tr -d ' \n' |
    grep -q '\"forked\":\[\]'"
check "the police's status says its partners refuse to cosign" \
    sh -c "'$TAFEL' -d '$T/politie' status | grep -q 'stad refuses to cosign'"
finish
