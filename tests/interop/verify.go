// Command verify checks, with golang.org/x/mod/sumdb/note and sumdb/tlog
// (Debian bookworm: golang-golang-x-mod-dev 0.7.0, go 1.19), the log that
// tests/tools/tlog_interop wrote with libtafel, then writes the Go side's
// own signed checkpoint and proofs for the C side to check.
//
//	verify DIR
//
// Caveats of x/mod 0.7.0 (transparency-log.md sections 3.3, 3.4): the
// checkpoint body is parsed here (tlog.ParseTree only accepts the Go
// sumdb origin), the type 0x04 cosignature verifier is our own
// (note.NewVerifier knows only 0x01), and tlog.TreeHash(0) is not the
// RFC 6962 empty root, so size 0 is never asked of it.
//
// Prints "ok - ..." lines; exits 1 on the first failure.
package main

import (
	"bytes"
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"

	"golang.org/x/mod/sumdb/note"
	"golang.org/x/mod/sumdb/tlog"
)

const auditSkey = "PRIVATE+KEY+example.com/audit-log+6770f336+" +
	"AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz"

func fail(format string, args ...interface{}) {
	fmt.Printf("not ok - "+format+"\n", args...)
	os.Exit(1)
}

// cosigV1 verifies tlog-cosignature/v1 (type 0x04) signature lines.
type cosigV1 struct {
	name string
	hash uint32
	pub  ed25519.PublicKey
	time uint64
}

func (v *cosigV1) Name() string    { return v.name }
func (v *cosigV1) KeyHash() uint32 { return v.hash }
func (v *cosigV1) Verify(msg, sig []byte) bool {
	if len(sig) != 8+ed25519.SignatureSize {
		return false
	}
	t := binary.BigEndian.Uint64(sig[:8])
	if t > 1<<63-1 {
		return false
	}
	m := []byte("cosignature/v1\ntime " + strconv.FormatUint(t, 10) + "\n")
	m = append(m, msg...)
	if !ed25519.Verify(v.pub, m, sig[8:]) {
		return false
	}
	v.time = t
	return true
}

func newCosigVerifier(vkey string) (*cosigV1, error) {
	name, rest, ok := strings.Cut(vkey, "+")
	if !ok {
		return nil, errors.New("no name")
	}
	h16, b64, ok := strings.Cut(rest, "+")
	if !ok || len(h16) != 8 {
		return nil, errors.New("no key hash")
	}
	hash, err := strconv.ParseUint(h16, 16, 32)
	if err != nil {
		return nil, err
	}
	key, err := base64.StdEncoding.DecodeString(b64)
	if err != nil || len(key) != 33 || key[0] != 0x04 {
		return nil, errors.New("not an Ed25519 cosignature key")
	}
	sum := sha256.Sum256(append([]byte(name+"\n"), key...))
	if binary.BigEndian.Uint32(sum[:4]) != uint32(hash) {
		return nil, errors.New("key hash mismatch")
	}
	return &cosigV1{name: name, hash: uint32(hash), pub: key[1:]}, nil
}

type checkpoint struct {
	origin string
	size   int64
	root   tlog.Hash
}

// parseCheckpoint parses a C2SP checkpoint body strictly.
func parseCheckpoint(text string) (checkpoint, error) {
	var c checkpoint
	lines := strings.SplitAfter(text, "\n")
	if len(lines) < 4 || lines[len(lines)-1] != "" {
		return c, errors.New("not three lines")
	}
	c.origin = strings.TrimSuffix(lines[0], "\n")
	sz := strings.TrimSuffix(lines[1], "\n")
	n, err := strconv.ParseInt(sz, 10, 64)
	if err != nil || n < 0 || strconv.FormatInt(n, 10) != sz {
		return c, errors.New("bad size")
	}
	c.size = n
	c.root, err = tlog.ParseHash(strings.TrimSuffix(lines[2], "\n"))
	if err != nil || c.origin == "" {
		return c, errors.New("bad root or origin")
	}
	return c, nil
}

func readFile(dir, name string) []byte {
	b, err := os.ReadFile(filepath.Join(dir, name))
	if err != nil {
		fail("%v", err)
	}
	return b
}

func readHashes(b []byte) []tlog.Hash {
	var hs []tlog.Hash
	for _, l := range strings.Split(strings.TrimSuffix(string(b), "\n"),
		"\n") {
		if l == "" {
			continue
		}
		h, err := tlog.ParseHash(l)
		if err != nil {
			fail("hash line %q: %v", l, err)
		}
		hs = append(hs, h)
	}
	return hs
}

// openCheckpoint opens a note with the log and witness verifiers and
// requires both signatures.
func openCheckpoint(b []byte, logv note.Verifier, wit *cosigV1) (checkpoint,
	uint64) {
	wit.time = 0
	n, err := note.Open(b, note.VerifierList(logv, wit))
	if err != nil {
		fail("note.Open: %v", err)
	}
	if len(n.Sigs) != 2 || len(n.UnverifiedSigs) != 0 {
		fail("want 2 verified signatures, have %d", len(n.Sigs))
	}
	c, err := parseCheckpoint(n.Text)
	if err != nil {
		fail("checkpoint: %v", err)
	}
	return c, wit.time
}

// parseTlogProof parses c2sp.org/tlog-proof@v1 (no extra line here).
func parseTlogProof(b []byte) (int64, tlog.RecordProof, []byte) {
	head, nt, ok := bytes.Cut(b, []byte("\n\n"))
	if !ok {
		fail("tlog-proof: no blank line")
	}
	lines := strings.Split(string(head), "\n")
	if len(lines) < 2 || lines[0] != "c2sp.org/tlog-proof@v1" ||
		!strings.HasPrefix(lines[1], "index ") {
		fail("tlog-proof: bad header")
	}
	idx, err := strconv.ParseInt(strings.TrimPrefix(lines[1], "index "),
		10, 64)
	if err != nil {
		fail("tlog-proof: index: %v", err)
	}
	var p tlog.RecordProof
	for _, l := range lines[2:] {
		h, err := tlog.ParseHash(l)
		if err != nil {
			fail("tlog-proof: hash: %v", err)
		}
		p = append(p, h)
	}
	return idx, p, nt
}

// cosigFromLogVkey is the cosignature (type 0x04) verifier of a daemon
// whose log vkey (type 0x01) is given: tafeld cosigns with its sign key
// under its own log's origin.
func cosigFromLogVkey(vkey string) *cosigV1 {
	name, rest, ok := strings.Cut(vkey, "+")
	if !ok {
		fail("cosigner vkey %q: no name", vkey)
	}
	_, b64, _ := strings.Cut(rest, "+")
	key, err := base64.StdEncoding.DecodeString(b64)
	if err != nil || len(key) != 33 || key[0] != 0x01 {
		fail("cosigner vkey %q: not an Ed25519 vkey", vkey)
	}
	k := append([]byte{0x04}, key[1:]...)
	sum := sha256.Sum256(append([]byte(name+"\n"), k...))
	return &cosigV1{name: name, hash: binary.BigEndian.Uint32(sum[:4]),
		pub: key[1:]}
}

// daemonMode checks what real tafeld daemons wrote (tests/integration
// interop part): every checkpoint of an exported bundle with its
// cosignatures, the consistency proofs between them, and a tlog-proof
// from "tafel audit prove" for one leaf.
func daemonMode(dir string) {
	logv, err := note.NewVerifier(strings.TrimSpace(string(
		readFile(dir, "log.vkey"))))
	if err != nil {
		fail("log vkey: %v", err)
	}
	vs := []note.Verifier{logv}
	for _, l := range strings.Split(strings.TrimSpace(string(
		readFile(dir, "cosigners"))), "\n") {
		if l != "" {
			vs = append(vs, cosigFromLogVkey(l))
		}
	}
	files, _ := filepath.Glob(filepath.Join(dir, "ckpt-*.note"))
	sort.Strings(files)
	if len(files) == 0 {
		fail("no checkpoints in %s", dir)
	}
	var prev checkpoint
	cosigs := 0
	for i, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			fail("%v", err)
		}
		n, err := note.Open(b, note.VerifierList(vs...))
		if err != nil {
			fail("%s: note.Open: %v", filepath.Base(f), err)
		}
		if len(n.UnverifiedSigs) != 0 {
			fail("%s: a signature from an unknown key",
				filepath.Base(f))
		}
		logsig := false
		for _, s := range n.Sigs {
			if s.Name == logv.Name() && s.Hash == logv.KeyHash() {
				logsig = true
			} else {
				cosigs++
			}
		}
		if !logsig {
			fail("%s: not signed by the log", filepath.Base(f))
		}
		c, err := parseCheckpoint(n.Text)
		if err != nil || c.origin != logv.Name() {
			fail("%s: checkpoint body: %v", filepath.Base(f), err)
		}
		if i > 0 {
			cons := strings.Replace(strings.TrimSuffix(
				filepath.Base(f), ".note"), "ckpt-", "cons-", 1)
			p := readHashes(readFile(dir, cons))
			if err := tlog.CheckTree(tlog.TreeProof(p), c.size,
				c.root, prev.size, prev.root); err != nil {
				fail("%s: CheckTree %d -> %d: %v", cons,
					prev.size, c.size, err)
			}
		}
		prev = c
	}
	fmt.Printf("ok - x/mod: %d tafeld checkpoints open with the log key "+
		"and %d cosignature(s) verify, each consistent with the one "+
		"before (tlog.CheckTree)\n", len(files), cosigs)

	idx, p, nt := parseTlogProof(readFile(dir, "prove.tlog-proof"))
	n, err := note.Open(nt, note.VerifierList(vs...))
	if err != nil {
		fail("tlog-proof note: %v", err)
	}
	c, err := parseCheckpoint(n.Text)
	if err != nil {
		fail("tlog-proof checkpoint: %v", err)
	}
	leaf, err := hex.DecodeString(strings.TrimSpace(string(
		readFile(dir, "prove.leaf"))))
	if err != nil {
		fail("leaf: %v", err)
	}
	if err := tlog.CheckRecord(p, c.size, c.root, idx,
		tlog.RecordHash(leaf)); err != nil {
		fail("tlog.CheckRecord of entry %d: %v", idx, err)
	}
	leaf[len(leaf)-1] ^= 1
	if tlog.CheckRecord(p, c.size, c.root, idx,
		tlog.RecordHash(leaf)) == nil {
		fail("tlog.CheckRecord accepts a changed entry")
	}
	fmt.Printf("ok - x/mod: the tlog-proof of tafeld entry %d verifies "+
		"(note.Open, tlog.CheckRecord) and a changed entry does not\n",
		idx)
}

func main() {
	if len(os.Args) == 3 && os.Args[1] == "daemon" {
		daemonMode(os.Args[2])
		return
	}
	if len(os.Args) != 2 {
		fmt.Fprintln(os.Stderr, "usage: verify DIR")
		os.Exit(2)
	}
	dir := os.Args[1]

	// Keys: the log's with x/mod, the witness's with ours.
	logv, err := note.NewVerifier(strings.TrimSpace(string(
		readFile(dir, "log.vkey"))))
	if err != nil {
		fail("log vkey: %v", err)
	}
	wit, err := newCosigVerifier(strings.TrimSpace(string(
		readFile(dir, "witness.vkey"))))
	if err != nil {
		fail("witness vkey: %v", err)
	}
	if _, err := note.NewVerifier(wit.name + "+" +
		fmt.Sprintf("%08x", wit.hash) + "+" +
		base64.StdEncoding.EncodeToString(append([]byte{4},
			wit.pub...))); err == nil {
		fail("x/mod 0.7.0 accepted a type 0x04 vkey")
	}
	fmt.Println("ok - x/mod parses the log vkey; the 0x04 witness vkey " +
		"needs the custom verifier")

	// Leaves, and the tree as x/mod stores it.
	var leaves [][]byte
	for _, l := range strings.Split(strings.TrimSuffix(string(
		readFile(dir, "leaves")), "\n"), "\n") {
		b, err := hex.DecodeString(l)
		if err != nil {
			fail("leaf: %v", err)
		}
		leaves = append(leaves, b)
	}
	var stored []tlog.Hash
	hr := tlog.HashReaderFunc(func(idx []int64) ([]tlog.Hash, error) {
		out := make([]tlog.Hash, len(idx))
		for i, x := range idx {
			if x < 0 || x >= int64(len(stored)) {
				return nil, errors.New("no such hash")
			}
			out[i] = stored[x]
		}
		return out, nil
	})
	for i, l := range leaves {
		hs, err := tlog.StoredHashes(int64(i), l, hr)
		if err != nil {
			fail("StoredHashes: %v", err)
		}
		stored = append(stored, hs...)
	}
	n := int64(len(leaves))

	// Every checkpoint: signatures, size, root recomputed by x/mod.
	files, _ := filepath.Glob(filepath.Join(dir, "cp-*.note"))
	roots := map[int64]tlog.Hash{}
	for _, f := range files {
		c, t := openCheckpoint(readFile(dir, filepath.Base(f)), logv, wit)
		if c.origin != logv.Name() {
			fail("origin %q is not the key name", c.origin)
		}
		if c.size < 1 || c.size > n {
			fail("size %d", c.size)
		}
		th, err := tlog.TreeHash(c.size, hr)
		if err != nil || th != c.root {
			fail("%s: root differs from x/mod's TreeHash", f)
		}
		if t != uint64(1700000000+c.size) {
			fail("%s: cosignature time %d", f, t)
		}
		roots[c.size] = c.root
	}
	if _, ok := roots[n]; !ok {
		fail("no checkpoint of size %d", n)
	}
	fmt.Printf("ok - note.Open verifies %d checkpoints (log signature + "+
		"0x04 cosignature); x/mod TreeHash gives the same roots\n",
		len(files))

	// A tampered checkpoint is refused.
	cpn := readFile(dir, fmt.Sprintf("cp-%d.note", n))
	bad := bytes.Replace(cpn, []byte(fmt.Sprintf("\n%d\n", n)),
		[]byte(fmt.Sprintf("\n%d\n", n+1)), 1)
	if _, err := note.Open(bad, note.VerifierList(logv, wit)); err == nil {
		fail("tampered checkpoint opens")
	}
	fmt.Println("ok - note.Open refuses the checkpoint with its size " +
		"changed")

	// Consistency proofs, with tlog.CheckTree.
	files, _ = filepath.Glob(filepath.Join(dir, "cons-*"))
	for _, f := range files {
		var m, nn int64
		if _, err := fmt.Sscanf(filepath.Base(f), "cons-%d-%d", &m,
			&nn); err != nil {
			fail("%s: %v", f, err)
		}
		p := tlog.TreeProof(readHashes(readFile(dir,
			filepath.Base(f))))
		if err := tlog.CheckTree(p, nn, roots[nn], m,
			roots[m]); err != nil {
			fail("%s: CheckTree: %v", f, err)
		}
		if len(p) > 0 {
			p[0][0] ^= 1
			if tlog.CheckTree(p, nn, roots[nn], m, roots[m]) == nil {
				fail("%s: tampered proof passes", f)
			}
		}
	}
	fmt.Printf("ok - tlog.CheckTree accepts %d consistency proofs, "+
		"refuses them tampered\n", len(files))

	// tlog-proofs, with note.Open and tlog.CheckRecord.
	for i := int64(0); i < n; i++ {
		idx, p, nt := parseTlogProof(readFile(dir,
			fmt.Sprintf("proof-%d.tlog-proof", i)))
		c, _ := openCheckpoint(nt, logv, wit)
		if idx != i || c.size != n {
			fail("proof %d: index %d size %d", i, idx, c.size)
		}
		rh := tlog.RecordHash(leaves[i])
		if err := tlog.CheckRecord(p, c.size, c.root, idx,
			rh); err != nil {
			fail("proof %d: CheckRecord: %v", i, err)
		}
		if n > 1 && tlog.CheckRecord(p, c.size, c.root, (idx+1)%n,
			rh) == nil {
			fail("proof %d passes for another index", i)
		}
	}
	fmt.Printf("ok - note.Open + tlog.CheckRecord verify all %d "+
		"tlog-proofs; refused for another index\n", n)

	// The Go side: sign the same checkpoint, prove every leaf.
	signer, err := note.NewSigner(auditSkey)
	if err != nil {
		fail("NewSigner: %v", err)
	}
	th, err := tlog.TreeHash(n, hr)
	if err != nil {
		fail("TreeHash: %v", err)
	}
	text := fmt.Sprintf("%s\n%d\n%s\n", logv.Name(), n,
		base64.StdEncoding.EncodeToString(th[:]))
	msg, err := note.Sign(&note.Note{Text: text}, signer)
	if err != nil {
		fail("Sign: %v", err)
	}
	if err := os.WriteFile(filepath.Join(dir, "go-cp.note"), msg,
		0o644); err != nil {
		fail("%v", err)
	}
	write := func(name string, hs []tlog.Hash) {
		var b strings.Builder
		for _, h := range hs {
			b.WriteString(base64.StdEncoding.EncodeToString(h[:]))
			b.WriteString("\n")
		}
		if err := os.WriteFile(filepath.Join(dir, name),
			[]byte(b.String()), 0o644); err != nil {
			fail("%v", err)
		}
	}
	for i := int64(0); i < n; i++ {
		p, err := tlog.ProveRecord(n, i, hr)
		if err != nil {
			fail("ProveRecord: %v", err)
		}
		write(fmt.Sprintf("go-inc-%d", i), p)
	}
	for m := int64(1); m < n; m++ {
		p, err := tlog.ProveTree(n, m, hr)
		if err != nil {
			fail("ProveTree: %v", err)
		}
		write(fmt.Sprintf("go-cons-%d", m), p)
	}
	fmt.Println("ok - Go wrote its signed checkpoint and proofs for C")
}
