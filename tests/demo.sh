#!/bin/sh
# make demo: three partners of the Aalst partner table (the city's
# coordinator, the local police and CAW) each run their own tafeld on
# this machine.  They set up their partner table, the coordinator opens a
# case and everyone sees what they are allowed to see.
set -u
B=${1:-build}
TAFEL=$B/tafel
TAFELD=$B/tafeld
D=$(mktemp -d "${TMPDIR:-/tmp}/tafel-demo.XXXXXX")
PIDS=""
BASE=$((10000 + $$ % 22000))	# below the ephemeral port range
# tafeld refuses to run as root; only then pass the flag that allows it.
ROOTFLAG=""
[ "$(id -u)" -eq 0 ] && ROOTFLAG=--allow-root-dangerously

stop_all() {
	for p in $PIDS; do kill "$p" 2>/dev/null; done
	for p in $PIDS; do wait "$p" 2>/dev/null; done
}
trap 'stop_all; rm -rf "$D"' EXIT INT TERM

say() { printf '\n== %s\n' "$*"; }
run() { printf '$ %s\n' "$*"; "$@"; }
die() { echo "demo: $*" >&2; exit 1; }

say "Three organisations each create their own keys (tafel init)."
i=0
for spec in stad-aalst:coordinator:"Stad Aalst, coordinator LIVC-R" \
    politie-aalst:police:"Lokale politie Aalst, informatieofficier" \
    caw-aalst:caw:"CAW Oost-Vlaanderen, Aalst"; do
	org=${spec%%:*}
	rest=${spec#*:}
	role=${rest%%:*}
	name=${rest#*:}
	i=$((i + 1))
	"$TAFEL" -d "$D/$org" init --org "$org" --role "$role" \
	    --name "$name" --listen "tcp://127.0.0.1:$((BASE + i))" \
	    --no-passphrase >/dev/null || die "init $org failed"
	echo "  $org ($role): keys made; fingerprint $("$TAFEL" -d "$D/$org" id | sed -n 's/^Fingerprint: //p')"
done

say "Each organisation starts its daemon (tafeld)."
for org in stad-aalst politie-aalst caw-aalst; do
	# shellcheck disable=SC2086
	"$TAFELD" -d "$D/$org" $ROOTFLAG >"$D/$org.log" 2>&1 &
	PIDS="$PIDS $!"
done
for org in stad-aalst politie-aalst caw-aalst; do
	n=0
	until "$TAFEL" -d "$D/$org" status >/dev/null 2>&1; do
		n=$((n + 1))
		[ $n -lt 100 ] || die "tafeld for $org did not start"
		sleep 0.1
	done
	echo "  $org: running"
done

say "The coordinator drafts the partner table (the signed cooperation protocol)."
for org in stad-aalst politie-aalst caw-aalst; do
	"$TAFEL" -d "$D/$org" card >"$D/$org.card"
done
run "$TAFEL" -d "$D/stad-aalst" table draft --table aalst \
    --cards "$D/stad-aalst.card" "$D/politie-aalst.card" "$D/caw-aalst.card" \
    --signers stad-aalst,politie-aalst --threshold 2 -o "$D/aalst.table" \
    || die "draft failed"

say "The city and the police sign it."
run "$TAFEL" -d "$D/stad-aalst" table sign "$D/aalst.table" || die "sign"
run "$TAFEL" -d "$D/politie-aalst" table sign "$D/aalst.table" || die "sign"
FPR=$("$TAFEL" table fingerprint "$D/aalst.table")
echo "  Fingerprint, read out over the phone: $FPR"

say "Every partner adopts it, after checking the fingerprint."
for org in stad-aalst politie-aalst caw-aalst; do
	run "$TAFEL" -d "$D/$org" table adopt "$D/aalst.table" --expect "$FPR" \
	    || die "adopt failed for $org"
done

say "The coordinator opens a case under a pseudonym, with the police and CAW."
"$TAFEL" -d "$D/stad-aalst" case open --table aalst \
    --members politie-aalst,caw-aalst --pseudonym "Casus Noordster" \
    >"$D/open.out" || die "case open failed"
CASE=$(tail -n 1 "$D/open.out")
echo "  case $CASE"
for org in politie-aalst caw-aalst; do
	n=0
	until "$TAFEL" -d "$D/$org" case show "$CASE" >/dev/null 2>&1; do
		n=$((n + 1))
		[ $n -lt 300 ] || die "$org did not receive the case"
		sleep 0.1
	done
	echo "  $org has received the case"
done

say "Partners share what they know (each record sealed for the case members only)."
run "$TAFEL" -d "$D/stad-aalst" record add "$CASE" --category signal \
    --text "School meldt: leerling deelt extremistische filmpjes in de klasgroep." \
    || die "record failed"
run "$TAFEL" -d "$D/politie-aalst" record add "$CASE" --category context \
    --text "Geen gerechtelijk dossier. Eerder gekend voor kleine feiten (2022)." \
    || die "record failed"
run "$TAFEL" -d "$D/caw-aalst" record add "$CASE" --category assessment \
    --text "Jongere is bereid tot gesprek; begeleiding gezin loopt." \
    || die "record failed"

say "The partner table decides on the follow-up, with a review date."
run "$TAFEL" -d "$D/stad-aalst" case decide "$CASE" --followup latent \
    --reason "Geen acuut risico; school en CAW volgen op." \
    --review "$(date -u -d '+30 days' +%Y-%m-%d)" || die "decide failed"

say "The coordinator's list of cases (the agenda of the next meeting: tafel case list --due)."
run "$TAFEL" -d "$D/stad-aalst" case list

say "Each partner's own view of the case, from its own daemon and store."
for org in stad-aalst politie-aalst caw-aalst; do
	n=0
	until [ "$("$TAFEL" -d "$D/$org" case show "$CASE" 2>/dev/null |
	    grep -c '^20')" -ge 5 ]; do
		n=$((n + 1))
		[ $n -lt 100 ] || break
		sleep 0.1
	done
	printf '\n-- as seen by %s:\n' "$org"
	"$TAFEL" -d "$D/$org" case show "$CASE"
done

say "No store holds the case text in plaintext:"
if grep -rqaF "extremistische" "$D"/*/store; then
	echo "  FOUND plaintext in a store (this is a bug)"
	exit 1
fi
echo "  checked: the words of the records appear in none of the three stores."

say "Stopping the three daemons."
stop_all
PIDS=""
echo "Done."
