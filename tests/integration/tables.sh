#!/bin/sh
# The partner-table protocol with real daemons: refusals that keep the
# version in force, amendments that reach every member, removal of a
# member, several tables on one daemon, and expiry.
. "$(dirname "$0")/lib.sh"

for o in stad:coordinator:1 politie:police:2 caw:caw:3 ocmw:ocmw:4 \
    ninove:coordinator:5; do
	mkorg "${o%%:*}" "$(echo "$o" | cut -d: -f2)" "${o##*:}" || exit 1
done
for o in stad politie caw ocmw ninove; do
	start "$o" || exit 1
	"$TAFEL" -d "$T/$o" card >"$T/$o.card"
done
ADOPTERS="stad politie caw"
check "version 1 of table aalst is adopted by its three members" \
    table aalst 2 stad,politie stad politie caw
unset ADOPTERS
cp "$T/aalst.table" "$T/v1.table"

version() {	# version ORG TABLE: the version in force
	"$TAFEL" -d "$T/$1" table show "$2" --json |
	    sed -n 's/^ *"version": \([0-9]*\),*$/\1/p' | head -n 1
}
is_version() { [ "$(version "$1" "$2")" = "$3" ]; }
sign() {	# sign ORG FILE
	"$TAFEL" -d "$T/$1" table sign "$2" >/dev/null
}
adopt() {	# adopt ORG FILE: with the fingerprint of the file
	"$TAFEL" -d "$T/$1" table adopt "$2" \
	    --expect "$("$TAFEL" table fingerprint "$2")"
}
# refused DESC ORG FILE PATTERN: adoption fails with a reason matching
# PATTERN, and the version in force stays.
refused() {
	before=$(version "$2" aalst)
	if adopt "$2" "$3" >"$T/adopt.out" 2>&1; then
		fail "$1: adopted"
	elif ! grep -qiE "$4" "$T/adopt.out"; then
		fail "$1: unclear reason"
		sed 's/^/# /' "$T/adopt.out"
	elif [ "$(version "$2" aalst)" != "$before" ]; then
		fail "$1: the version in force changed"
	else
		ok "$1 ($(head -n 1 "$T/adopt.out"))"
	fi
}

# Version 2 adds OCMW.  Below the threshold first.
"$TAFEL" -d "$T/stad" table draft --from "$T/v1.table" \
    --add-cards "$T/ocmw.card" -o "$T/v2.table" >/dev/null ||
    fail "draft of version 2"
cp "$T/v2.table" "$T/v2-one-sig.table"
sign stad "$T/v2-one-sig.table"
refused "a version signed below threshold is refused" stad \
    "$T/v2-one-sig.table" "signature"
sign stad "$T/v2.table"
sign politie "$T/v2.table"

# Version 3, drafted from version 2 before anyone adopted it.
"$TAFEL" -d "$T/stad" table draft --from "$T/v2.table" \
    --expires "$(date -u -d '+400 days' +%Y-%m-%d)" -o "$T/v3skip.table" \
    >/dev/null || fail "draft of version 3"
"$TAFEL" -d "$T/stad" table sign "$T/v3skip.table" --from "$T/v2.table" \
    >/dev/null && "$TAFEL" -d "$T/politie" table sign "$T/v3skip.table" \
    --from "$T/v2.table" >/dev/null || fail "signing version 3"
refused "a version that skips a number is refused" stad "$T/v3skip.table" \
    "does not follow"

# A bad signature: the last byte of the document is the last signature's.
corrupt_last_byte() {
	sed -n '/^$/,/^-----END/p' "$1" | grep -v -e '^-----END' -e '^$' |
	    base64 -d >"$T/doc.bin"
	n=$(wc -c <"$T/doc.bin")
	last=$(tail -c 1 "$T/doc.bin" | od -An -tu1 | tr -d ' ')
	head -c $((n - 1)) "$T/doc.bin" >"$T/doc2.bin"
	printf "\\$(printf %o $((last ^ 1)))" >>"$T/doc2.bin"
	{ sed -n '1,/^$/p' "$1"; base64 -w 64 "$T/doc2.bin";
	    echo "-----END TAFEL TABLE-----"; } >"$2"
}
corrupt_last_byte "$T/v2.table" "$T/v2-badsig.table"
refused "a version with a bad signature is refused" stad \
    "$T/v2-badsig.table" "signature"
# A corrupted byte in the body: the client sees it before any daemon.
sed '5s/^\(.\)./\1A/' "$T/v2.table" >"$T/v2-corrupt.table"
cmp -s "$T/v2.table" "$T/v2-corrupt.table" &&
    sed '5s/^\(.\)./\1B/' "$T/v2.table" >"$T/v2-corrupt.table"
refused "a document with a corrupted byte is refused" stad \
    "$T/v2-corrupt.table" "edited|not a table|not valid"

# The proper version 2 is adopted by the coordinator and reaches the
# members of version 1; OCMW, new, adopts it with its fingerprint.
check "a properly signed amendment is adopted" adopt stad "$T/v2.table"
check "the amendment reaches the police and is adopted there" \
    wait_for 20 is_version politie aalst 2
check "the amendment reaches CAW and is adopted there" \
    wait_for 20 is_version caw aalst 2
check "a new member joins at version 2 with its fingerprint" \
    adopt ocmw "$T/v2.table"
refused "a replayed older version is refused" politie "$T/v1.table" \
    "older|already"

# A fork: another version 2, properly signed.
"$TAFEL" -d "$T/stad" table draft --from "$T/v1.table" \
    --add-cards "$T/ninove.card" -o "$T/v2fork.table" >/dev/null
sign stad "$T/v2fork.table"
sign politie "$T/v2fork.table"
refused "a fork (a second, different version 2) is refused" politie \
    "$T/v2fork.table" "fork"

# A case with CAW, then version 3 removes CAW.
"$TAFEL" -d "$T/stad" case open --table aalst --members politie,caw \
    --pseudonym "P-$$" >"$T/open.out" 2>&1
CASE=$(tail -n 1 "$T/open.out")
"$TAFEL" -d "$T/stad" record add "$CASE" --category signal \
    --text "before-removal-$$" >/dev/null
shows() { "$TAFEL" -d "$T/$1" case show "$CASE" 2>/dev/null | grep -qF "$2"; }
check "CAW receives a record while it is a member" \
    wait_for 20 shows caw "before-removal-$$"
"$TAFEL" -d "$T/stad" table draft --from "$T/v2.table" --remove caw \
    -o "$T/v3.table" >/dev/null || fail "draft of version 3"
sign stad "$T/v3.table"
sign politie "$T/v3.table"
check "version 3 without CAW is adopted" adopt stad "$T/v3.table"
check "the police adopts version 3 from the network" \
    wait_for 20 is_version politie aalst 3
check "the coordinator's case no longer lists CAW" \
    sh -c "! '$TAFEL' -d '$T/stad' case show '$CASE' | grep '^Members:' | grep -q caw"
"$TAFEL" -d "$T/stad" record add "$CASE" --category context \
    --text "after-removal-$$" >/dev/null
check "the police receives the record added after the removal" \
    wait_for 20 shows politie "after-removal-$$"
check_not "CAW does not receive the record added after the removal" \
    shows caw "after-removal-$$"
# CAW still thinks it is a member and tries to write: refused at the
# handshake, nothing of it is stored.
"$TAFEL" -d "$T/caw" record add "$CASE" --category note \
    --text "from-removed-$$" >/dev/null 2>&1
zap_refused() { grep -q "zap: refused a connection" "$T/stad.log"; }
check "the coordinator refuses CAW's handshake" wait_for 20 zap_refused
sleep 1
check_not "nothing CAW sent after its removal reaches the coordinator" \
    shows stad "from-removed-$$"

# Two tables on one daemon: the police also sits at Ninove's table.
ADOPTERS="ninove politie"
check "the police adopts a second table (ninove)" \
    table ninove 1 ninove ninove politie
unset ADOPTERS
check "the police daemon shows both tables" \
    sh -c "'$TAFEL' -d '$T/politie' table show | grep -c '^Table ' | grep -qx 2"
"$TAFEL" -d "$T/ninove" case open --table ninove --members politie \
    --pseudonym "N-$$" >"$T/open2.out" 2>&1
CASE2=$(tail -n 1 "$T/open2.out")
"$TAFEL" -d "$T/ninove" record add "$CASE2" --category signal \
    --text "ninove-only-$$" >/dev/null
check "the police receives Ninove's record" \
    wait_for 20 sh -c "'$TAFEL' -d '$T/politie' case show $CASE2 | grep -qF ninove-only-$$"
check_not "a member of aalst only (OCMW) cannot see Ninove's case" \
    "$TAFEL" -d "$T/ocmw" case show "$CASE2"
check_not "a member of aalst only (OCMW) cannot write to Ninove's case" \
    "$TAFEL" -d "$T/ocmw" record add "$CASE2" --category note --text x
check_not "Ninove's case is not opened at table aalst by the police" \
    "$TAFEL" -d "$T/politie" case open --table ninove --members stad \
    --pseudonym x

# Expiry, with the clock of the coordinator's daemon moved ahead.
later() {	# later OFFSET: restart the coordinator's daemon at now+OFFSET
	stop stad
	start_faked stad "$1" || fail "restart at $1"
	OFFSET=$1
}
# The client on the same moved clock, as on a machine whose time passed.
tafel_later() {
	ASAN_OPTIONS="${ASAN_OPTIONS:-}:verify_asan_link_order=0" \
	    LD_PRELOAD="$LIBFT" FAKETIME="$OFFSET" "$TAFEL" "$@"
}
if [ -n "$LIBFT" ]; then
	EXP=$("$TAFEL" -d "$T/stad" table show aalst --json |
	    sed -n 's/^ *"expires": \([0-9]*\),*$/\1/p')
	DATE=$(date -u -d "@$EXP" +%Y-%m-%d)
	DAYS=$(( (EXP - $(date +%s)) / 86400 ))
	later "+$((DAYS - 20))d"
	tafel_later -d "$T/stad" status >"$T/status.out" 2>&1
	check "tafel status warns when the table expires within 30 days" \
	    grep -q "expires in 2[01] days" "$T/status.out"
	later "+$((DAYS + 2))d"
	"$TAFEL" -d "$T/stad" record add "$CASE" --category note \
	    --text "too-late-$$" >"$T/exp.out" 2>&1
	check "an expired table refuses new records, naming the table and date" \
	    grep -q "table aalst expired on $DATE" "$T/exp.out"
	tafel_later -d "$T/stad" status >"$T/status.out" 2>&1
	check "tafel status says the table has expired" \
	    grep -q "EXPIRED on $DATE" "$T/status.out"
else
	ok "skipped: libfaketime is not installed (make deps installs it)"
fi
finish
