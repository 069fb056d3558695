#!/bin/sh
# tafel record import: many files into one case, many requests in
# flight from one process.  Every file is named once, in the order
# given: shared (with its record id) or not shared and why.  Files that
# cannot be records (missing, a directory, empty, too large, control
# characters, not UTF-8) are found before anything is sent, and then
# nothing is; a record the daemon refuses, a daemon that answers out of
# order or not at all, or is not running, is said per file; the exit
# status says whether all were shared.
. "$(dirname "$0")/lib.sh"

three_partners "import-$$"
[ -n "$CASE" ] || { fail "no case opened"; finish; }

count() {	# count ORG: records in its timeline
	"$TAFEL" -d "$T/$1" case show "$CASE" --json | grep -c '"type": "record"'
}

# 60 good files; one with CR LF line ends, one with a space in its name.
mkdir "$T/in"
i=1
while [ $i -le 60 ]; do
	printf 'intake %d of import-%d\nline two\n' $i $$ >"$T/in/r$i.txt"
	i=$((i + 1))
done
printf 'dos lines %d\r\nsecond\r\n' $$ >"$T/in/r7.txt"
mv "$T/in/r9.txt" "$T/in/r 9.txt"
files=""
i=1
while [ $i -le 60 ]; do
	[ $i -eq 9 ] || files="$files $T/in/r$i.txt"
	i=$((i + 1))
done

# shellcheck disable=SC2086
if "$TAFEL" -d "$T/stad" record import "$CASE" --category note --jobs 8 \
    $files "$T/in/r 9.txt" >"$T/imp.out" 2>"$T/imp.err"; then
	ok "60 files imported, exit status 0"
else
	fail "60 files imported, exit status 0"
	sed 's/^/# /' "$T/imp.err" | head
fi
check "nothing on standard error" [ ! -s "$T/imp.err" ]
check "one line a file, each 'shared record ID from FILE'" \
    [ "$(grep -cE '^shared record [0-9a-f]{32} from ' "$T/imp.out")" -eq 60 ]
# The files in the order given (r9 last, under its own name).
{ i=1; while [ $i -le 60 ]; do [ $i -eq 9 ] || echo "$T/in/r$i.txt";
    i=$((i + 1)); done; echo "$T/in/r 9.txt"; } >"$T/order.want"
sed 's/^shared record [0-9a-f]* from //' "$T/imp.out" >"$T/order.got"
check "the lines come in the order the files were given" \
    cmp "$T/order.want" "$T/order.got"
check "60 different record ids" \
    [ "$(awk '{print $3}' "$T/imp.out" | sort -u | wc -l)" -eq 60 ]
has60() { [ "$(count "$1")" -eq 60 ]; }
for o in stad politie caw; do
	check "$o holds the 60 records" wait_for 60 has60 "$o"
done
"$TAFEL" -d "$T/politie" case show "$CASE" >"$T/show.out"
check "a record reads as its file did (the police's copy)" \
    grep -q "intake 42 of import-$$" "$T/show.out"
check "CR LF line ends became LF" \
    sh -c "grep -q 'dos lines $$\$' '$T/show.out' && ! grep -q \"\$(printf '\\r')\" '$T/show.out'"
id42=$(grep "/r42.txt\$" "$T/imp.out" | awk '{print $3}')
check "the id printed for a file is its record's id" \
    sh -c "'$TAFEL' -d '$T/stad' case show '$CASE' --json |
    grep -A8 '\"id\": \"$id42\"' | grep -q '\"text\": \"intake 42 of'"

# Files that cannot be records among good ones: every file is checked
# before anything is sent; the bad ones are named, in order, and
# nothing is shared, so that the same command can run again once they
# are fixed.
mkdir "$T/bad" "$T/bad/dir"
printf 'good A\n' >"$T/bad/a.txt"
: >"$T/bad/empty.txt"
printf '\n\r\n\n' >"$T/bad/blank.txt"
head -c 600000 /dev/zero | tr '\0' 'x' >"$T/bad/huge.txt"
head -c 300000 /dev/zero | tr '\0' 'y' >"$T/bad/long.txt"
printf 'good B\n' >"$T/bad/b.txt"
printf 'bell \007 here\n' >"$T/bad/ctl.txt"
printf 'caf\351 latin-1\n' >"$T/bad/latin1.txt"
printf 'good C\n' >"$T/bad/c.txt"
printf 'name\n' >"$T/bad/$(printf 'esc\033[31mred')"
"$TAFEL" -d "$T/stad" record import "$CASE" --category note \
    "$T/bad/a.txt" "$T/bad/missing.txt" "$T/bad/dir" "$T/bad/empty.txt" \
    "$T/bad/blank.txt" "$T/bad/huge.txt" "$T/bad/long.txt" "$T/bad/b.txt" \
    "$T/bad/ctl.txt" "$T/bad/latin1.txt" "$T/bad/c.txt" >"$T/bad.out" \
    2>"$T/bad.err"
rc=$?
check "a file that cannot be a record: exit status 1" [ "$rc" -eq 1 ]
check "... and nothing is shared, not even the good files" \
    sh -c "[ ! -s '$T/bad.out' ] && [ \$('$TAFEL' -d '$T/stad' case show '$CASE' --json | grep -c '\"type\": \"record\"') -eq 60 ]"
for f in "missing.txt: not shared: No such file or directory" \
    "dir: not shared: it is a directory" \
    "empty.txt: not shared: the record is empty" \
    "blank.txt: not shared: the record is empty" \
    "huge.txt: not shared: the file is too large for a record" \
    "long.txt: not shared: the record is too long (300000 bytes" \
    "ctl.txt: not shared: the record holds a control character (byte 6)" \
    "latin1.txt: not shared: the record is not UTF-8 text"; do
	check "named on standard error: ${f%%: *}" grep -qF "/bad/$f" "$T/bad.err"
done
check "only the bad files are named, in the order given" \
    sh -c "grep -o '/bad/[a-z0-9]*[.a-z]*' '$T/bad.err' | tr '\n' ' ' |
    grep -qx '/bad/missing.txt /bad/dir /bad/empty.txt /bad/blank.txt /bad/huge.txt /bad/long.txt /bad/ctl.txt /bad/latin1.txt '"
check "a last line says so" \
    sh -c "tail -n 1 '$T/bad.err' | grep -q '8 of 11 files cannot be records; nothing was shared'"

# Records the daemon refuses (longer than the table's max-record, 65536
# by default, but under the 256 KiB a record may be): answered at once,
# while the good ones wait for their commit; named in the order given
# all the same, and the others are shared.
head -c 70000 /dev/zero | tr '\0' 'z' >"$T/bad/big1.txt"
cp "$T/bad/big1.txt" "$T/bad/big2.txt"
"$TAFEL" -d "$T/stad" record import "$CASE" --category note \
    "$T/bad/a.txt" "$T/bad/big1.txt" "$T/bad/b.txt" "$T/bad/big2.txt" \
    "$T/bad/c.txt" >"$T/mix.all" 2>&1
rc=$?
check "a record the daemon refuses: exit status 1" [ "$rc" -eq 1 ]
check "each refused file named with the daemon's reason" \
    [ "$(grep -c '/bad/big[12].txt: not shared: the record is longer than table aalst allows (65536 bytes)' "$T/mix.all")" -eq 2 ]
check "every file is named in the order given, shared or not" \
    sh -c "grep -o '/bad/[a-z0-9]*[.a-z]*' '$T/mix.all' | tr '\n' ' ' |
    grep -qx '/bad/a.txt /bad/big1.txt /bad/b.txt /bad/big2.txt /bad/c.txt '"
check "a last line counts what was shared" \
    sh -c "tail -n 1 '$T/mix.all' | grep -q '3 of 5 files shared in case $CASE'"
has63() { [ "$(count stad)" -eq 63 ]; }
check "the case holds 63 records: the good ones, once each" has63

# A file name that would move the terminal's cursor is printed defused.
"$TAFEL" -d "$T/stad" record import "$CASE" --category note \
    "$T/bad/$(printf 'esc\033[31mred')" >"$T/esc.out" 2>&1
check "a file name's escape character is not printed" \
    sh -c "grep -q 'from $T/bad/esc?\\[31mred\$' '$T/esc.out' &&
    ! grep -q \"\$(printf '\\033')\" '$T/esc.out'"

# --to applies to every file: the police reads both, CAW sees that they
# exist and not what they say.
printf 'for the police %d one\n' $$ >"$T/bad/to1.txt"
printf 'for the police %d two\n' $$ >"$T/bad/to2.txt"
"$TAFEL" -d "$T/stad" record import "$CASE" --category note --to politie \
    "$T/bad/to1.txt" "$T/bad/to2.txt" >"$T/to.out" 2>&1
check "--to: both files shared" \
    [ "$(grep -c '^shared record' "$T/to.out")" -eq 2 ]
has66() { [ "$(count "$1")" -eq 66 ]; }
check "--to: the police holds them" wait_for 30 has66 politie
check "--to: CAW holds them too, as headers" wait_for 30 has66 caw
"$TAFEL" -d "$T/politie" case show "$CASE" >"$T/to-pol.out"
"$TAFEL" -d "$T/caw" case show "$CASE" >"$T/to-caw.out"
check "--to: the police reads both" \
    sh -c "grep -q 'for the police $$ one' '$T/to-pol.out' &&
    grep -q 'for the police $$ two' '$T/to-pol.out'"
check "--to: CAW reads neither" \
    sh -c "! grep -q 'for the police $$' '$T/to-caw.out' &&
    [ \$(grep -c 'the content is not shared with your' '$T/to-caw.out') -ge 2 ]"
check_not "--to: nothing of their text in CAW's store" \
    grep -rqaF "for the police $$" "$T/caw/store"

# The daemon refuses: every file named with the daemon's reason.
"$TAFEL" -d "$T/stad" record import 0123456789abcdef0123456789abcdef \
    --category note "$T/bad/a.txt" "$T/bad/b.txt" >"$T/nocase.out" \
    2>"$T/nocase.err"
rc=$?
check "an unknown case: exit status 1, nothing shared" \
    sh -c "[ $rc -eq 1 ] && [ ! -s '$T/nocase.out' ]"
check "an unknown case: each file named with the daemon's reason" \
    [ "$(grep -c ': not shared: no case 0123456789abcdef0123456789abcdef here' \
    "$T/nocase.err")" -eq 2 ]
"$TAFEL" -d "$T/stad" record import "$CASE" --category note --to ocmw \
    "$T/bad/a.txt" >/dev/null 2>"$T/to.err"
check "--to an organisation not in the case: refused by the daemon" \
    grep -q "a.txt: not shared: .*ocmw" "$T/to.err"

# Usage errors: exit 2 before anything is read or sent.
"$TAFEL" -d "$T/stad" record import "$CASE" --category note \
    >/dev/null 2>&1
check "no FILE: exit status 2" [ $? -eq 2 ]
for j in 0 65 x; do
	"$TAFEL" -d "$T/stad" record import "$CASE" --category note \
	    --jobs $j "$T/bad/a.txt" >/dev/null 2>&1
	check "--jobs $j: exit status 2" [ $? -eq 2 ]
done
"$TAFEL" -d "$T/stad" record import "$CASE" --category gossip \
    "$T/bad/a.txt" >/dev/null 2>&1
check "an unknown category: exit status 2" [ $? -eq 2 ]
check "the case still holds 66 records" has66 stad

# docs/operator.md 14.3: more files than a command line takes, split by
# xargs (here 4 a part, to make several), one named "-dash.txt" after --.
mkdir "$T/many"
for k in 1 2 3 4 5 6 7 8 9; do
	printf 'many %d\n' $k >"$T/many/m$k.txt"
done
printf 'dash\n' >"$T/many/-dash.txt"
(cd "$T/many" && find . -name '*.txt' -print0 | sed -z 's|^\./||' | sort -z |
    xargs -0 -n 4 "$TAFEL" -d "$T/stad" record import "$CASE" \
    --category note --) >"$T/many.out" 2>&1
rc=$?
check "xargs: ten files in three parts, all shared, exit 0" \
    sh -c "[ $rc -eq 0 ] && [ \$(grep -c '^shared record' '$T/many.out') -eq 10 ]"
check "a file named -dash.txt after -- is a file" \
    grep -q "^shared record [0-9a-f]* from -dash.txt\$" "$T/many.out"
has76() { [ "$(count stad)" -eq 76 ]; }
check "the case holds 76 records" has76

# A daemon that answers late and the last request first (tafel-poke in
# its place, on a state directory of its own): each file is still
# printed with its own answer, in the order given; one whose connection
# closed without an answer after the whole request was sent is "not
# known whether shared".
mkorg lone coordinator 9 || fail "init lone"
mkdir "$T/rev"
for k in 1 2 3 4 5 6 7; do
	printf 'file %d\n' $k >"$T/rev/f$k.txt"
done
printf 'HANGUP\n' >"$T/rev/f4.txt"
printf 'NOID\n' >"$T/rev/f7.txt"
"$POKE" -d "$T/lone" --conns 7 --hold 30 ctl-serve-reverse \
    >"$T/rev.poke" 2>&1 &
REV=$!
wait_for 10 test -S "$T/lone/tafeld.sock" || fail "the fake daemon listens"
"$TAFEL" -d "$T/lone" record import "$CASE" --category note --jobs 7 \
    "$T"/rev/f1.txt "$T"/rev/f2.txt "$T"/rev/f3.txt "$T"/rev/f4.txt \
    "$T"/rev/f5.txt "$T"/rev/f6.txt "$T"/rev/f7.txt >"$T/rev.all" 2>&1
rc=$?
wait $REV
check "the fake daemon served all seven, the last first" \
    grep -q "^result: 7 served, the last first; 1 hung up" "$T/rev.poke"
for k in 1 2 3 5 6; do
	echo "shared record $(printf 'file %d' $k | sha256sum | cut -c1-32) from $T/rev/f$k.txt"
	[ $k -eq 3 ] && echo "tafel: $T/rev/f4.txt: not known whether shared (look with: tafel case show $CASE): the tafel daemon closed the connection without answering (see its log)"
done >"$T/rev.want"
echo "tafel: $T/rev/f7.txt: not known whether shared (look with: tafel case show $CASE): the tafel daemon's answer does not name the record (are tafel and tafeld the same version?)" >>"$T/rev.want"
head -n 7 "$T/rev.all" >"$T/rev.got"
check "answers in reverse: each file with its own id, in the order given" \
    cmp "$T/rev.want" "$T/rev.got"
check "no answer, or one naming no record: exit status 1, counted" \
    sh -c "[ $rc -eq 1 ] && tail -n 1 '$T/rev.all' | grep -q '5 of 7 files shared'"

# Interrupted (SIGINT) while two requests wait for a daemon that never
# answers: nothing more is sent, every file still gets its line, in
# order: the two in flight "not known whether shared" once the daemon
# hangs up, the rest "not shared: interrupted before it was sent".
for k in 1 2 3 4 5; do
	printf 'stop %d\n' $k >"$T/rev/s$k.txt"
done
"$POKE" -d "$T/lone" --conns 5 --hold 4 ctl-serve-reverse \
    >"$T/int.poke" 2>&1 &
INTP=$!
wait_for 10 test -S "$T/lone/tafeld.sock" || fail "the fake daemon listens"
"$TAFEL" -d "$T/lone" record import "$CASE" --category note --jobs 2 \
    "$T"/rev/s1.txt "$T"/rev/s2.txt "$T"/rev/s3.txt "$T"/rev/s4.txt \
    "$T"/rev/s5.txt >"$T/int.all" 2>&1 &
INTC=$!
wait_for 10 grep -q "^read 2" "$T/int.poke" || fail "two requests in"
kill -INT $INTC
wait $INTC
rc=$?
wait $INTP
{
	for k in 1 2; do
		echo "tafel: $T/rev/s$k.txt: not known whether shared (look with: tafel case show $CASE): the tafel daemon closed the connection without answering (see its log)"
	done
	for k in 3 4 5; do
		echo "tafel: $T/rev/s$k.txt: not shared: interrupted before it was sent"
	done
	echo "tafel: 0 of 5 files shared in case $CASE; the others are named above"
} >"$T/int.want"
check "interrupted: every file named, in order, exit status 1" \
    sh -c "[ $rc -eq 1 ] && cmp '$T/int.want' '$T/int.all'"
rm -f "$T/lone/tafeld.sock"

# A daemon that is not running: every file named, nothing lost.
stop caw
"$TAFEL" -d "$T/caw" record import "$CASE" --category note \
    "$T/bad/a.txt" "$T/bad/b.txt" "$T/bad/c.txt" >"$T/down.out" \
    2>"$T/down.err"
rc=$?
check "a daemon that is not running: exit status 1" [ "$rc" -eq 1 ]
check "a daemon that is not running: each file named, not shared" \
    [ "$(grep -c 'not shared: the tafel daemon is not running' \
    "$T/down.err")" -eq 3 ]

finish
