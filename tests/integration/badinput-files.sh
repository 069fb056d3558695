#!/bin/sh
# The bad-input matrix for files handed to the client: corrupted key
# files, table documents and member cards.  Each gives one clear line on
# stderr ("tafel: ..."), nothing on stdout, exit status 1, and changes
# nothing: the file being signed stays as it was, a draft writes no
# output, the daemon adopts nothing and its store does not change.
. "$(dirname "$0")/lib.sh"

mkorg stad-brugge coordinator 1 || exit 1
mkorg politie-brugge police 2 || exit 1
start stad-brugge || exit 1
A=$T/stad-brugge
for o in stad-brugge politie-brugge; do
	"$TAFEL" -d "$T/$o" card >"$T/$o.card"
done
"$TAFEL" -d "$A" table draft --table brugge --cards "$T/stad-brugge.card" \
    "$T/politie-brugge.card" --signers stad-brugge --threshold 1 \
    -o "$T/good.table" >/dev/null &&
    "$TAFEL" -d "$A" table sign "$T/good.table" >/dev/null ||
    fail "a good table to start from"
FPR=$("$TAFEL" table fingerprint "$T/good.table")

counts() {
	for db in tables tablehist cases events envs rxenvs txenvs outbox seen deliv; do
		printf '%s=%s ' "$db" "$(mdb_stat -s "$db" "$A/store" |
		    sed -n 's/^ *Entries: //p')"
	done
}

# refuses NAME PATTERN COMMAND...: exit status 1, exactly one line on
# stderr, starting "tafel: " and matching PATTERN, nothing on stdout.
refuses() {
	name=$1
	pat=$2
	shift 2
	"$@" >"$T/out" 2>"$T/err" </dev/null
	rc=$?
	why=""
	[ "$rc" -eq 1 ] || why="$why; exit status $rc, wanted 1"
	[ "$(wc -l <"$T/err")" -eq 1 ] ||
	    why="$why; $(wc -l <"$T/err") lines on stderr, wanted 1"
	grep -q "^tafel: .*$pat" "$T/err" ||
	    why="$why; no line matching 'tafel: .*$pat'"
	[ -s "$T/out" ] && why="$why; output on stdout"
	if [ -z "$why" ]; then
		ok "$name"
	else
		fail "$name: ${why#; }"
		sed 's/^/# /' "$T/err" | head -5
	fi
}

# Byte surgery with dd: put BYTE (octal escape) at OFFSET of FILE.
poke_byte() {
	printf "$3" | dd of="$1" bs=1 seek="$2" conv=notrunc 2>/dev/null
}

# other_char FILE: FILE with the 11th character of line 9 (base64 inside
# the armour) replaced by another base64 character, whatever it was.
other_char() {
	awk 'NR == 9 { c = substr($0, 11, 1) == "A" ? "B" : "A"
	    $0 = substr($0, 1, 10) c substr($0, 12) } { print }' "$1"
}

# Armoured documents: the bytes between the blank line and END.
unarmour() { sed -n '/^$/,/^-----END/p' "$1" | sed '1d;$d' | base64 -d; }
# rearmour IN BIN OUT: IN's header and comment lines around BIN.
rearmour() {
	{
		sed -n '1,/^$/p' "$1"
		base64 -w 64 "$2"
		tail -n 1 "$1"
	} >"$3"
}

# 1. Corrupted key files, to table sign (the client's one use of keys).
K=$T/kopie
mkdir -m 700 "$K"
cp "$A/card" "$A/tafel.conf" "$K/"
key() {
	rm -rf "$K/secret.key"
	cp "$A/secret.key" "$K/secret.key"
	chmod 600 "$K/secret.key"
}
signs_nothing() {
	cp "$T/good.table" "$T/sign.table"
	refuses "$1" "$2" "$TAFEL" -d "$K" table sign "$T/sign.table"
	cmp -s "$T/good.table" "$T/sign.table" ||
	    fail "$1: the table file was changed"
}
key; head -c 100 "$A/secret.key" >"$K/secret.key"
signs_nothing "key file cut short" "not a tafel secret-key file"
key; poke_byte "$K/secret.key" 0 'X'
signs_nothing "key file with a wrong magic" "not a tafel secret-key file"
key; poke_byte "$K/secret.key" 8 '\007'
signs_nothing "key file with an unknown algorithm" "secret.key"
key; poke_byte "$K/secret.key" 8 '\001'
signs_nothing "clear key file that claims a passphrase" "passphrase"
key; flip_byte "$K/secret.key" 70
signs_nothing "key file with a damaged signing key" \
    "does not belong to the member card"
key; flip_byte "$K/secret.key" 210
signs_nothing "key file with damaged padding" "is damaged"
# A damaged box key (offset 98..129 in a clear key file): the public half
# no longer matches the card, so the client refuses it as the daemon does.
key; flip_byte "$K/secret.key" 100
signs_nothing "key file whose box key does not match the card" \
    "does not belong to the member card"
key; cat "$A/secret.key" "$A/secret.key" >"$K/secret.key"
signs_nothing "key file twice as long" "wrong size"
key; : >"$K/secret.key"
signs_nothing "empty key file" "wrong size"
key; chmod 644 "$K/secret.key"
signs_nothing "key file readable by others" "chmod 600"
key; chmod 640 "$K/secret.key"
signs_nothing "key file readable by the group" "chmod 600"
rm -f "$K/secret.key"; ln -s "$A/secret.key" "$K/secret.key"
signs_nothing "key file that is a symbolic link" "secret.key"
rm -f "$K/secret.key"; mkdir "$K/secret.key"
signs_nothing "key file that is a directory" "not a regular file"
rm -rf "$K/secret.key"
signs_nothing "no key file" "has no secret key"

# 2. Corrupted table documents, to fingerprint, sign and adopt.
before=$(counts)
: >"$T/t.empty"
head -c 5000 /dev/urandom >"$T/t.random"
head -n 10 "$T/good.table" >"$T/t.truncated"
sed 's/^Table: brugge/Table: gent/' "$T/good.table" >"$T/t.edited"
other_char "$T/good.table" >"$T/t.base64"
head -c 2000000 /dev/zero | tr '\0' 'A' >"$T/t.huge"
cp "$T/stad-brugge.card" "$T/t.card"
sed 's/-----END TAFEL TABLE-----/-----END TAFEL CARD-----/' \
    "$T/good.table" >"$T/t.label"
{ echo "Dear partner, please find the table below."; cat "$T/good.table"; } \
    >"$T/t.prefix"
for f in empty random truncated edited base64 huge card label prefix; do
	refuses "table fingerprint refuses a table file: $f" "t.$f" \
	    "$TAFEL" table fingerprint "$T/t.$f"
	cp "$T/t.$f" "$T/sign.table"
	refuses "table sign refuses a table file: $f" "sign.table" \
	    "$TAFEL" -d "$A" table sign "$T/sign.table"
	cmp -s "$T/t.$f" "$T/sign.table" ||
	    fail "table sign of a table file ($f) changed it"
	refuses "table adopt refuses a table file: $f" "t.$f" \
	    "$TAFEL" -d "$A" table adopt "$T/t.$f" --expect "$FPR"
done
# Signed content changed under intact armour: a flipped signature byte
# (the fingerprint, a hash of the body, stays the same).
unarmour "$T/good.table" >"$T/bin"
n=$(wc -c <"$T/bin")
flip_byte "$T/bin" $((n - 10))
rearmour "$T/good.table" "$T/bin" "$T/t.badsig"
refuses "table adopt with a broken signature: the daemon refuses it" \
    "only 0 of 1 required signatures" \
    "$TAFEL" -d "$A" table adopt "$T/t.badsig" --expect "$FPR"
refuses "table adopt with the fingerprint of another table" \
    "fingerprint" "$TAFEL" -d "$A" table adopt "$T/good.table" \
    --expect "11111 22222 33333 44444 55555 66666"
after=$(counts)
if [ "$before" = "$after" ] && "$TAFEL" -d "$A" status |
    grep -q "Tables: *none"; then
	ok "no refused table was adopted; the store did not change"
else
	fail "a refused table changed the daemon: $before -> $after"
fi

# 3. Corrupted member cards, to table draft and in DIR/card.
: >"$T/c.empty"
sed 's/^Org: stad-brugge/Org: stad-gent/' "$T/stad-brugge.card" >"$T/c.edited"
other_char "$T/stad-brugge.card" >"$T/c.base64"
head -n 8 "$T/stad-brugge.card" >"$T/c.truncated"
head -c 100000 /dev/zero | tr '\0' 'A' >"$T/c.huge"
head -c 3000 /dev/urandom >"$T/c.random"
cp "$T/good.table" "$T/c.table"
unarmour "$T/stad-brugge.card" >"$T/bin"
n=$(wc -c <"$T/bin")
flip_byte "$T/bin" $((n - 5))
rearmour "$T/stad-brugge.card" "$T/bin" "$T/c.badsig"
for f in empty edited base64 truncated huge random table badsig; do
	refuses "table draft refuses a card: $f" "c.$f" \
	    "$TAFEL" -d "$A" table draft --table x --cards "$T/c.$f" \
	    "$T/politie-brugge.card" --signers stad-brugge --threshold 1 \
	    -o "$T/draft.out"
	if [ -e "$T/draft.out" ]; then
		fail "table draft with a card ($f) wrote its output"
		rm -f "$T/draft.out"
	fi
done
cp "$K/card" "$T/card.saved"
for f in edited base64 truncated badsig; do
	cp "$T/c.$f" "$K/card"
	refuses "DIR/card $f: tafel id refuses it" "card" \
	    "$TAFEL" -d "$K" id
done
cp "$T/card.saved" "$K/card"
check "status still answers" "$TAFEL" -d "$A" status
finish
