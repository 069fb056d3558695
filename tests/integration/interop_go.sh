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
#      ours).
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
exit $rc
