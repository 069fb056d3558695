#!/bin/sh
# The acting person of every event is the Unix account that ran the
# command, as the kernel reports it at the control socket (SO_PEERCRED),
# shown under the name the operator gave it in DIR/staff; what the
# client's environment claims does not matter, and an account that is
# not listed is refused.
. "$(dirname "$0")/lib.sh"

if [ "$(id -u)" -ne 0 ] || ! command -v useradd >/dev/null 2>&1 ||
    ! command -v runuser >/dev/null 2>&1; then
	echo "ok - skipped: needs root, useradd and runuser to make test accounts"
	finish
fi
for u in tafel-mw1 tafel-mw2; do
	id "$u" >/dev/null 2>&1 || useradd -M -N -s /usr/sbin/nologin "$u" ||
	    { echo "not ok - useradd $u"; exit 1; }
done
getent group tafel-staff >/dev/null || groupadd tafel-staff
usermod -a -G tafel-staff tafel-mw1
usermod -a -G tafel-staff tafel-mw2
# The test accounts must reach the binaries and the state directory.
chmod 0711 "$T"

mkorg stad coordinator 1 || exit 1
mkorg politie police 2 || exit 1
chgrp tafel-staff "$T/stad"
chmod 0710 "$T/stad"
printf '# account  name\ntafel-mw1  Jan Peeters\n' >"$T/stad/staff"
start stad || exit 1
start politie || exit 1
check "the control socket is open to the staff group" \
    sh -c "[ \"\$(stat -c %G:%a '$T/stad/tafeld.sock')\" = tafel-staff:660 ]"
check "a table is adopted" table aalst 1 stad stad politie
"$TAFEL" -d "$T/stad" case open --table aalst --members politie \
    --pseudonym "S-$$" >"$T/open.out" 2>&1
CASE=$(tail -n 1 "$T/open.out")
as() {	# as ACCOUNT COMMAND...: with a misleading environment
	u=$1
	shift
	runuser -u "$u" -- env USER=mallory LOGNAME=mallory HOME=/nonexistent \
	    "$@"
}
check "a listed staff member shares a record" \
    as tafel-mw1 "$TAFEL" -d "$T/stad" record add "$CASE" --category note \
    --text "by-mw1-$$"
shows() { "$TAFEL" -d "$T/$1" case show "$CASE" | grep -qF "$2"; }
check "the partner sees who wrote it: the account and its staff name" \
    wait_for 20 shows politie "stad (Jan Peeters, tafel-mw1): note"
check_not "the name the client's environment claimed appears nowhere" \
    sh -c "'$TAFEL' -d '$T/politie' case show $CASE --json | grep -q mallory"
check "events made by root show root" shows politie "stad (root): opened"
check_not "an account in the group but not on the staff list is refused" \
    as tafel-mw2 "$TAFEL" -d "$T/stad" record add "$CASE" \
    --category note --text "by-mw2-$$"
check "the refusal is logged with the account" \
    grep -q "uid [0-9]* (tafel-mw2) refused" "$T/stad.log"
check_not "nothing of the refused account reached the case" \
    shows stad "by-mw2-$$"
finish
