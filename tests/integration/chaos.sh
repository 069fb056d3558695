#!/bin/sh
# Crashes: 1,000 records are shared while the sender's and a
# recipient's daemons are each killed with SIGKILL at random moments (at
# least 20 times each) and started again.  Afterwards every record the
# client reported as shared is on every recipient exactly once, and the
# members' timelines are the same bytes.
. "$(dirname "$0")/lib.sh"

N=${CHAOS_RECORDS:-1000}
KILLS=${CHAOS_KILLS:-20}	# at least this many of each daemon

three_partners "K-$$"
has() { "$TAFEL" -d "$T/$1" case show "$CASE" >/dev/null 2>&1; }
check "the police has the case" wait_for 20 has politie
check "CAW has the case" wait_for 20 has caw

rnd() { od -An -N2 -tu2 /dev/urandom | tr -d ' '; }
pid_of() { eval "echo \$PID_$1"; }
# alive NAME: its daemon runs; if it was killed, reap it and start it
# again (start waits until it answers).
revive() {
	p=$(pid_of "$1")
	kill -0 "$p" 2>/dev/null && return 0
	wait "$p" 2>/dev/null
	start "$1" >/dev/null || fail "restart $1"
}
# kill_later NAME: SIGKILL to its daemon at a random moment in the next
# 0-250 ms, while the shares go on.  Not twice to the same process: a
# kill is scheduled only once the last one has landed and the daemon
# was started again (returns 1 otherwise).
last_stad=0
last_politie=0
kill_later() {
	p=$(pid_of "$1")
	eval "[ \"\$last_$1\" != $p ]" || return 1
	eval "last_$1=$p"
	ms=$(( $(rnd) % 250 ))
	( sleep "$(printf '0.%03d' "$ms")"; kill -9 "$p" 2>/dev/null ) &
}

# A kill is due every STEP records, the two daemons in turn; one that
# cannot be scheduled yet (the last kill of that daemon is pending) is
# scheduled at the next record.  The shares go on until N are done and
# every kill is made.
STEP=$(( N / (2 * KILLS + 2) ))
done_n=0
tries=0
k_stad=0
k_pol=0
want_stad=0
want_pol=0
: >"$T/done"
while [ "$done_n" -lt "$N" -o "$k_stad" -lt "$KILLS" -o \
    "$k_pol" -lt "$KILLS" ] && [ "$tries" -lt $((3 * N)) ]; do
	tries=$((tries + 1))
	if "$TAFEL" -d "$T/stad" record add "$CASE" --category note \
	    --text "chaos-$tries-$$" >/dev/null 2>&1; then
		# The client was told "shared": this one must arrive.
		echo "chaos-$tries-$$" >>"$T/done"
		done_n=$((done_n + 1))
		if [ $((done_n % STEP)) -eq 0 ]; then
			if [ $(((done_n / STEP) % 2)) -eq 0 ]; then
				want_stad=$((want_stad + 1))
			else
				want_pol=$((want_pol + 1))
			fi
		fi
		if [ "$k_stad" -lt "$want_stad" ] && kill_later stad; then
			k_stad=$((k_stad + 1))
		elif [ "$k_pol" -lt "$want_pol" ] && kill_later politie; then
			k_pol=$((k_pol + 1))
		fi
	fi
	revive stad
	revive politie
done
sleep 0.3
revive stad
revive politie
check "$N records were reported shared" [ "$done_n" -ge "$N" ]
echo "# $tries attempts; $k_stad kills of the sender, $k_pol of the police"
# Counted by the daemons themselves: each start logs "running for".
r_stad=$(( $(grep -c "running for" "$T/stad.log") - 1 ))
r_pol=$(( $(grep -c "running for" "$T/politie.log") - 1 ))
echo "# restarts after a kill: sender $r_stad, police $r_pol"
check "the sender was killed at least $KILLS times" \
    [ "$k_stad" -ge "$KILLS" -a "$r_stad" -ge "$KILLS" ]
check "the recipient was killed at least $KILLS times" \
    [ "$k_pol" -ge "$KILLS" -a "$r_pol" -ge "$KILLS" ]

empty() {
	"$TAFEL" -d "$T/stad" peers --json >"$T/peers.json" 2>/dev/null &&
	    ! grep -q '"outbox": [1-9]' "$T/peers.json"
}
check "everything is delivered in the end (the sender's outbox is empty)" \
    wait_for 120 empty

# Each record reported shared: exactly once on each recipient.
for o in politie caw; do
	"$TAFEL" -d "$T/$o" case show "$CASE" >"$T/$o.show" 2>&1
	grep -o "chaos-[0-9]*-$$" "$T/$o.show" | sort >"$T/$o.got"
	sort "$T/done" >"$T/done.sorted"
	check "$o: every record reported shared is there" \
	    sh -c "comm -23 '$T/done.sorted' '$T/$o.got' | wc -l | grep -qx 0"
	check "$o: none is there twice" \
	    sh -c "uniq -d '$T/$o.got' | wc -l | grep -qx 0"
done
# The timelines agree, byte for byte (what the sender itself holds too).
for o in stad politie caw; do
	"$TAFEL" -d "$T/$o" case show "$CASE" --json >"$T/$o.json" 2>&1
done
check "the police's timeline is the sender's, byte for byte" \
    cmp -s "$T/stad.json" "$T/politie.json"
check "CAW's timeline is the sender's, byte for byte" \
    cmp -s "$T/stad.json" "$T/caw.json"
check "no daemon lost its store (each still starts and answers)" \
    "$TAFEL" -d "$T/politie" status
finish
