#!/bin/sh
# Interoperability of the signed exchange log with Go's reference code:
# golang.org/x/mod/sumdb/note and sumdb/tlog (Debian bookworm: golang-go,
# golang-golang-x-mod-dev), offline, in GOPATH mode.
#
#   1. tests/tools/tlog_interop.c, built against libtafel.a, writes a log:
#      vkeys, leaves, signed and cosigned checkpoints, consistency proofs
#      and a tlog-proof for every leaf;
#   2. tests/interop/verify.go checks all of it with x/mod and writes its
#      own signed checkpoint and proofs;
#   3. the C tool checks those (and that Go's signed note is byte for byte
#      ours);
#   4. two real daemons: x/mod opens every checkpoint of an exported
#      bundle with the log key and the partner's cosignature, checks the
#      consistency proofs between them (tlog.CheckTree) and a tlog-proof
#      from "tafel audit prove" (tlog.CheckRecord).
#
# Prints "ok - ..." lines; without go (or the x/mod sources), one
# "ok - skipped: ..." line and exit 0.
TOP=$(cd "$(dirname "$0")/../.." && pwd)
B=${TAFEL_BUILD:-$TOP/build}
GOCODE=${GOCODE:-/usr/share/gocode}

if ! command -v go >/dev/null 2>&1; then
	echo "ok - skipped: go not installed"
	exit 0
fi
if [ ! -d "$GOCODE/src/golang.org/x/mod/sumdb/note" ]; then
	echo "ok - skipped: golang-golang-x-mod-dev not installed"
	exit 0
fi
if [ ! -f "$B/libtafel.a" ]; then
	echo "not ok - interop: no $B/libtafel.a (run make first)"
	exit 1
fi

TMP=$(mktemp -d "${TMPDIR:-/tmp}/tafel-interop.XXXXXX") || exit 1
trap 'rm -rf "$TMP"' EXIT INT TERM
mkdir -p "$TMP/log" "$TMP/gopath" "$TMP/gocache"

CC=${CC:-cc}
# A sanitizer build of libtafel (make check-asan) needs the same flags.
SAN=""
if nm "$B/libtafel.a" 2>/dev/null | grep -q __asan_; then
	SAN="-fsanitize=address,undefined"
fi
# shellcheck disable=SC2046
if ! $CC -std=c11 -D_GNU_SOURCE -Wall -Wextra -Werror $SAN -I"$TOP/include" \
    $(pkg-config --cflags libsodium) -o "$TMP/tlog_interop" \
    "$TOP/tests/tools/tlog_interop.c" "$B/libtafel.a" \
    $(pkg-config --libs libsodium) >"$TMP/cc.log" 2>&1; then
	echo "not ok - interop: building tests/tools/tlog_interop.c"
	sed 's/^/# /' "$TMP/cc.log"
	exit 1
fi
echo "ok - interop: C generator built against $B/libtafel.a"

if ! (cd "$TOP/tests/interop" && GO111MODULE=off GOFLAGS= \
    GOPATH="$TMP/gopath:$GOCODE" GOCACHE="$TMP/gocache" GOPROXY=off \
    go build -o "$TMP/verify" verify.go) >"$TMP/go.log" 2>&1; then
	echo "not ok - interop: building tests/interop/verify.go"
	sed 's/^/# /' "$TMP/go.log"
	exit 1
fi
echo "ok - interop: Go verifier built offline ($(go version | \
    cut -d' ' -f3), x/mod from $GOCODE)"

rc=0
for n in 1 2 7 8 33; do
	rm -rf "$TMP/log"
	mkdir -p "$TMP/log"
	echo "# log of $n leaves"
	"$TMP/tlog_interop" gen "$TMP/log" "$n" || { rc=1; break; }
	"$TMP/verify" "$TMP/log" || { rc=1; break; }
	"$TMP/tlog_interop" check "$TMP/log" "$n" || {
		echo "not ok - interop: C check of Go's output, $n leaves"
		rc=1
		break
	}
done
[ "$rc" -eq 0 ] || exit "$rc"

# 4. Real daemons: the checkpoints of an exported bundle (with the
#    partner's cosignatures and the consistency proofs between them) and
#    a tlog-proof from "tafel audit prove", checked by x/mod.
[ -x "$B/tafeld" ] && [ -x "$B/tafel-bundlemap" ] || {
	echo "not ok - interop: no $B/tafeld (run make check)"
	exit 1
}
VERIFY=$TMP/verify
TAFEL_BUILD=$B
# shellcheck source=lib.sh
. "$TOP/tests/integration/lib.sh"
trap 'cleanup; rm -rf "$TMP"' EXIT INT TERM
mkorg stad coordinator 1 || exit 1
mkorg politie police 2 || exit 1
start stad || exit 1
start politie || exit 1
check "interop: two daemons adopt a table" table gent 1 stad stad politie
"$TAFEL" -d "$T/stad" case open --table gent --members politie \
    --pseudonym "Go $$" >"$T/open.out" 2>&1 || fail "a case is opened"
CASE=$(tail -n 1 "$T/open.out")
for i in 1 2 3; do
	"$TAFEL" -d "$T/stad" record add "$CASE" --category signal \
	    --text "interop $i" >/dev/null 2>&1 || fail "record $i"
	sleep 1.1	# one checkpoint a second: several to chain
done
cosigned() {
	"$TAFEL" -d "$T/stad" audit checkpoint | grep -q "^— tafel/politie/"
}
check "interop: the police cosigns the coordinator's log" \
    wait_for 15 cosigned
mkdir -p "$T/go"
"$TAFEL" -d "$T/stad" audit export -o "$T/stad.bundle" >/dev/null ||
    fail "interop: export"
"$B/tafel-bundlemap" -d "$T/go" "$T/stad.bundle" >/dev/null ||
    fail "interop: bundle dump"
"$TAFEL" -d "$T/stad" audit vkey >"$T/go/log.vkey"
"$TAFEL" -d "$T/politie" audit vkey >"$T/go/cosigners"
"$TAFEL" -d "$T/stad" audit prove 3 >"$T/go/prove.tlog-proof" ||
    fail "interop: audit prove"
"$TAFEL" -d "$T/stad" audit log --json | grep '"seq": 3,' |
    sed 's/.*"leaf": "\([0-9a-f]*\)".*/\1/' >"$T/go/prove.leaf"
check "interop: $(ls "$T/go" | grep -c '^ckpt-') checkpoints exported" \
    test -s "$T/go/ckpt-000001.note"
if "$VERIFY" daemon "$T/go" >"$T/go.out" 2>&1; then
	sed 's/^ok - /ok - interop: /' "$T/go.out"
else
	fail "interop: x/mod refuses what tafeld wrote"
	sed 's/^/# /' "$T/go.out"
fi
finish
