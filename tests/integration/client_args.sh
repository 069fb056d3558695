#!/bin/sh
# The client's answers to mistakes: a bad command line, a missing state
# directory or a daemon that is not running each give exactly one line
# on stderr starting with "tafel: ", nothing on stdout, and a non-zero
# exit status (2 for the command line, 1 for the rest).
#
#   TAFEL_BUILD=build sh tests/integration/client_args.sh
TAFEL=${TAFEL_BUILD:-build}/tafel
if [ ! -x "$TAFEL" ]; then
	echo "not ok - no client at $TAFEL"
	exit 1
fi
TMP=$(mktemp -d "${TMPDIR:-/tmp}/tafel-args.XXXXXX") || exit 1
trap 'rm -rf "$TMP"' EXIT INT TERM
unset TAFEL_DIR
failed=0
CASE=0123456789abcdef0123456789abcdef

# check NAME RC PATTERN CMD...: runs CMD, wants exit status RC, one
# line on stderr that starts with "tafel: " and matches PATTERN, and no
# output on stdout.
check() {
	name=$1
	want=$2
	pattern=$3
	shift 3
	"$@" >"$TMP/out" 2>"$TMP/err" </dev/null
	rc=$?
	lines=$(wc -l <"$TMP/err")
	if [ "$rc" -ne "$want" ]; then
		echo "not ok - $name: exit status $rc, wanted $want"
	elif [ "$lines" -ne 1 ]; then
		echo "not ok - $name: $lines lines on stderr, wanted 1"
		sed 's/^/# /' "$TMP/err"
	elif ! grep -q "^tafel: .*$pattern" "$TMP/err"; then
		echo "not ok - $name: unexpected message"
		sed 's/^/# /' "$TMP/err"
	elif [ -s "$TMP/out" ]; then
		echo "not ok - $name: printed on stdout"
	else
		echo "ok - $name"
		return
	fi
	failed=$((failed + 1))
}

D=$TMP/org
check "unknown command" 2 "unknown command 'frob'" "$TAFEL" frob
check "unknown global option" 2 "unknown option -x" "$TAFEL" -x status
check "-d without a directory" 2 "-d needs a directory" "$TAFEL" -d
check "-d after the command" 2 "goes before the command" \
    "$TAFEL" status -d "$D"
check "no state directory" 2 "no state directory" "$TAFEL" status
check "missing state directory" 1 "no such directory" \
    "$TAFEL" -d "$TMP/nowhere" status
check "missing state directory (case list)" 1 "no such directory" \
    "$TAFEL" -d "$TMP/nowhere" case list
check "table without subcommand" 2 "needs a subcommand" \
    "$TAFEL" -d "$D" table
check "unknown case subcommand" 2 "unknown subcommand" \
    "$TAFEL" -d "$D" case frob
check "unknown option" 2 "unknown option --frob" \
    "$TAFEL" -d "$D" case list --frob
check "option given twice" 2 "given twice" \
    "$TAFEL" -d "$D" case list --json --json
check "missing option value" 2 "--table needs a value" \
    "$TAFEL" -d "$D" case open --table --members a --pseudonym x
check "missing required option" 2 "needs --pseudonym" \
    "$TAFEL" -d "$D" case open --table t --members a
check "bad org id in a list" 2 "not an organisation id" \
    "$TAFEL" -d "$D" case open --table t --members a,B --pseudonym x
check "bad case id" 2 "not a case id" "$TAFEL" -d "$D" case show 1234
check "extra argument" 2 "unexpected argument" \
    "$TAFEL" -d "$D" case show "$CASE" more
check "unknown category" 2 "unknown category 'gossip'" \
    "$TAFEL" -d "$D" record add "$CASE" --category gossip --text x
check "--text and --file" 2 "not both" \
    "$TAFEL" -d "$D" record add "$CASE" --category note --text x --file y
check "share-history without a case" 2 "needs a CASE id" \
    "$TAFEL" -d "$D" case share-history --to ocmw
check "share-history without --to" 2 "needs --to" \
    "$TAFEL" -d "$D" case share-history "$CASE"
check "share-history with a bad case id" 2 "not a case id" \
    "$TAFEL" -d "$D" case share-history 12ab --to ocmw
check "share-history with a bad org id" 2 "not an organisation id" \
    "$TAFEL" -d "$D" case share-history "$CASE" --to OCMW
check "share-history --to given twice" 2 "given twice" \
    "$TAFEL" -d "$D" case share-history "$CASE" --to a --to b
check "share-history with an extra argument" 2 "unexpected argument" \
    "$TAFEL" -d "$D" case share-history "$CASE" more --to ocmw
check "--minor takes no value" 2 "unexpected argument" \
    "$TAFEL" -d "$D" case open --table t --members a --pseudonym x \
    --minor yes
check "--minor twice" 2 "given twice" \
    "$TAFEL" -d "$D" case open --table t --members a --pseudonym x \
    --minor --minor
check "init without passphrase choice" 2 \
    "init needs --passphrase-file FILE or --no-passphrase" \
    "$TAFEL" -d "$D" init --org a --name A --role police \
    --listen tcp://127.0.0.1:7400
check "init with a bad org" 2 "not an organisation id" \
    "$TAFEL" -d "$D" init --org A --name A --role police \
    --listen tcp://127.0.0.1:7400 --no-passphrase
check "init with a bad role" 2 "unknown role 'cop'" \
    "$TAFEL" -d "$D" init --org a --name A --role cop \
    --listen tcp://127.0.0.1:7400 --no-passphrase
check "init with a bad endpoint" 2 "not an endpoint" \
    "$TAFEL" -d "$D" init --org a --name A --role police \
    --listen 127.0.0.1:7400 --no-passphrase
check "card before init" 1 "no such directory" "$TAFEL" -d "$D" card
check "table fingerprint of a missing file" 1 "nofile" \
    "$TAFEL" table fingerprint "$TMP/nofile"
check "adopt with a bad fingerprint" 2 "not a fingerprint" \
    "$TAFEL" -d "$D" table adopt "$TMP/nofile" --expect 123

# A bad command line changes nothing.
if [ -e "$D" ]; then
	echo "not ok - a refused init left $D behind"
	failed=$((failed + 1))
else
	echo "ok - refused commands left nothing behind"
fi

# A state directory whose daemon is not running.
if "$TAFEL" -d "$D" init --org a --name A --role police \
    --listen tcp://127.0.0.1:7400 --no-passphrase >/dev/null 2>&1; then
	echo "ok - init"
	check "status without a daemon" 1 "daemon is not running for $D" \
	    "$TAFEL" -d "$D" status
	check "case list without a daemon" 1 "daemon is not running" \
	    "$TAFEL" -d "$D" case list
	check "init twice" 1 "already holds keys" \
	    "$TAFEL" -d "$D" init --org a --name A --role police \
	    --listen tcp://127.0.0.1:7400 --no-passphrase
	check "sign a file that is not a table" 1 "not a table document" \
	    "$TAFEL" -d "$D" table sign "$D/card"
else
	echo "not ok - init"
	failed=$((failed + 1))
fi

[ "$failed" -eq 0 ]
