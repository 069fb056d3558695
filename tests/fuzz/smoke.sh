#!/bin/sh
# Runs every libFuzzer harness for a bounded time from its seed corpus and
# reports executions per second and coverage; any finding fails.
#
#   sh tests/fuzz/smoke.sh BUILD_FUZZ_DIR SECONDS
BF=${1:-build-fuzz}
SECS=${2:-30}
TOP=$(cd "$(dirname "$0")/../.." && pwd)
passed=0
failed=0
for bin in "$BF"/fuzz_*; do
	[ -x "$bin" ] || continue
	name=$(basename "$bin" | sed 's/^fuzz_//')
	seeds=$TOP/tests/fuzz/corpus/$name
	work=$BF/corpus/$name
	mkdir -p "$work" "$BF/findings"
	if [ ! -d "$seeds" ]; then
		echo "not ok - fuzz $name: no seed corpus in $seeds"
		failed=$((failed + 1))
		continue
	fi
	log=$BF/$name.log
	if "$bin" -max_total_time="$SECS" -rss_limit_mb=2048 -timeout=10 \
	    -artifact_prefix="$BF/findings/$name-" -print_final_stats=1 \
	    "$work" "$seeds" >"$log" 2>&1; then
		execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log")
		rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log")
		cov=$(grep -o 'cov: [0-9]*' "$log" | tail -1)
		echo "ok - fuzz $name: $execs runs, $rate/s, $cov"
		passed=$((passed + 1))
	else
		echo "not ok - fuzz $name: finding, see $log"
		grep -E 'ERROR|SUMMARY|Test unit written' "$log" | head -5 |
		    sed 's/^/#   /'
		failed=$((failed + 1))
	fi
done
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
