#!/bin/sh
# Runs the test suite and ends with one line "N passed, N failed".
#
#   sh tests/run.sh BUILD_DIR [unit|integration|unit-valgrind]
#
# Unit tests are cmocka binaries run with TAP output; integration tests are
# tests/integration/*.sh, which print "ok - ..." / "not ok - ..." lines.
# unit-valgrind runs the unit tests under valgrind's memcheck: any memory
# error or definite leak makes the binary exit non-zero, which counts as
# a failure (make check-valgrind).
# Every "ok" line counts as a pass, every "not ok" line as a failure, and a
# program that exits non-zero without reporting a failure counts as one.
B=${1:-build}
WHAT=${2:-all}
TOP=$(cd "$(dirname "$0")/.." && pwd)
B=$(cd "$B" && pwd) || exit 2
LOGDIR=$B/test-logs
mkdir -p "$LOGDIR"
passed=0
failed=0

# Sanitizer builds (make check-asan) write their reports here, from every
# process: unit tests, daemons and clients alike.  Each report is a failure.
SANLOG=$B/sanitizer-reports
rm -rf "$SANLOG"
mkdir -p "$SANLOG"
export ASAN_OPTIONS="log_path=$SANLOG/asan:detect_leaks=1"
export UBSAN_OPTIONS="log_path=$SANLOG/ubsan:print_stacktrace=1:halt_on_error=1"

run_one() {
	name=$1
	shift
	log=$LOGDIR/$name.log
	"$@" >"$log" 2>&1
	rc=$?
	p=$(grep -c '^ok ' "$log")
	f=$(grep -c '^not ok ' "$log")
	if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then
		f=1
		echo "not ok - $name exited with status $rc" >>"$log"
	fi
	passed=$((passed + p))
	failed=$((failed + f))
	if [ "$f" -ne 0 ]; then
		echo "FAIL $name ($p passed, $f failed); log: $log"
		grep -E '^not ok |^# |ERROR|error:|^==[0-9]+== ' "$log" |
		    head -30 | sed 's/^/    /'
	else
		echo "ok   $name ($p passed)"
	fi
}

if [ "$WHAT" = all ] || [ "$WHAT" = unit ]; then
	for t in "$B"/tests/test_*; do
		[ -x "$t" ] || continue
		run_one "unit-$(basename "$t")" env CMOCKA_MESSAGE_OUTPUT=TAP "$t"
	done
fi
if [ "$WHAT" = unit-valgrind ]; then
	command -v valgrind >/dev/null 2>&1 || {
		echo "valgrind is not installed (make deps installs it)"
		echo "0 passed, 1 failed"
		exit 1
	}
	for t in "$B"/tests/test_*; do
		[ -x "$t" ] || continue
		run_one "valgrind-$(basename "$t")" env CMOCKA_MESSAGE_OUTPUT=TAP \
		    valgrind -q --error-exitcode=1 --leak-check=full \
		    --errors-for-leak-kinds=definite \
		    --show-leak-kinds=definite "$t"
	done
fi
if [ "$WHAT" = all ] || [ "$WHAT" = integration ]; then
	for t in "$TOP"/tests/integration/*.sh; do
		[ -f "$t" ] || continue
		case $(basename "$t") in lib.sh) continue ;; esac
		run_one "integration-$(basename "$t" .sh)" \
		    env TAFEL_BUILD="$B" sh "$t"
	done
fi
for r in "$SANLOG"/*; do
	[ -f "$r" ] || continue
	failed=$((failed + 1))
	echo "FAIL sanitizer report $r:"
	head -30 "$r" | sed 's/^/    /'
done
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
