/*
 * What became of this organisation's envelopes, per recipient: delivered
 * (a signed receipt accepted it), refused (a signed receipt refused it,
 * or it was settled here because the recipient left the table), or
 * pending (its outbox row waits).  Read from DB_EVDELIV (under the
 * event's message id), DB_DELIV (under the envelope hash: rows written
 * before DB_EVDELIV existed) and DB_OUTBOX.
 *
 * A recipient that got only a header-only copy (docs/protocol.md 8.5)
 * is found under the copy's hash, which is computed from the full
 * envelope: the copy is a pure function of it.
 */
#include <sodium.h>
#include <stdlib.h>
#include <string.h>

#include "daemon.h"
#include "tafel/util.h"

int
delivery_copy_hash(struct tafeld *d, MDB_txn *txn, const uint8_t h[32],
    const uint8_t *id, uint8_t out[32])
{
	struct tafel_env *e;
	uint8_t *ho;
	size_t holen;
	MDB_val v;
	int rc = -1;

	if (outbox_env_get(d, txn, h, id, &v) != 0)
		return -1;
	if ((e = malloc(sizeof(*e))) == NULL)
		fatal("malloc");
	if (tafel_env_parse(v.mv_data, v.mv_size, e) == 0 &&
	    tafel_env_header_only(e, &ho, &holen) == 0) {
		crypto_hash_sha256(out, ho, holen);
		free(ho);
		rc = 0;
	}
	free(e);
	return rc;
}

static const char *
status_name(const struct deliv *dv)
{
	switch (dv->st) {
	case 0:
		return "pending";
	case TAFEL_ACK_OK:
		return "delivered";
	case TAFEL_ACK_REFUSED:
		return "refused";
	default:
		return "unknown";
	}
}

void
delivery_emit(struct tafeld *d, const uint8_t env[32], const uint8_t id[16],
    const char *const *to, size_t nto, struct tafel_mpw *w)
{
	struct deliv dv;
	uint8_t ho[32];
	bool have_ho = false, tried_ho = false;
	MDB_txn *txn = NULL;
	char hex[65];
	size_t i;
	int rc;

	tafel_mpw_array(w, nto);
	if (store_read(d->store, &txn) != 0)
		txn = NULL;
	for (i = 0; i < nto; i++) {
		memset(&dv, 0, sizeof(dv));
		rc = txn != NULL ? outbox_deliv_get(d, txn, env, id, to[i],
		    &dv) : -1;
		if (rc == 1 && !tried_ho) {
			tried_ho = true;
			have_ho = delivery_copy_hash(d, txn, env, id, ho) == 0;
		}
		if (rc == 1 && have_ho)
			rc = outbox_deliv_get(d, txn, ho, id, to[i], &dv);
		tafel_mpw_map(w, 5);
		tafel_mpw_str(w, "org");
		tafel_mpw_str(w, to[i]);
		tafel_mpw_str(w, "status");
		tafel_mpw_str(w, rc == 0 ? status_name(&dv) : "unknown");
		tafel_mpw_str(w, "why");
		tafel_mpw_str(w, rc == 0 ? dv.why : "");
		tafel_mpw_str(w, "time_ms");
		tafel_mpw_uint(w, rc == 0 ? dv.time_ms : 0);
		/* The signed receipt's hash; "" without one. */
		if (rc == 0 && !sodium_is_zero(dv.rcpt, 32))
			tafel_hex(hex, dv.rcpt, 32);
		else
			hex[0] = '\0';
		tafel_mpw_str(w, "receipt");
		tafel_mpw_str(w, hex);
	}
	if (txn != NULL)
		mdb_txn_abort(txn);
}

/*
 * record.delivery { "case": hex32, "record": hex32 } ->
 * { "record": hex32, "recipients": [ ... as delivery_emit ] }
 * for an event this organisation wrote.
 */
static void
op_delivery(struct tafeld *d, const struct tafel_ctl_req *r,
    struct tafel_mpw *w)
{
	struct tafel_mp_field f[] = {
		{ "case", TAFEL_MP_STR, 32, 32, false, NULL },
		{ "record", TAFEL_MP_STR, 32, 32, false, NULL },
	};
	uint8_t cid[16], id[16], key[TAFEL_ORG_MAX + 1 + 16], h[32];
	char chex[33], rhex[33];
	const char *to[TAFEL_MAX_RECIPIENTS];
	struct tafel_hdr *hd;
	MDB_txn *txn;
	MDB_val k, v;
	size_t n = strlen(d->self.org), i;
	int rc;

	if (tafel_mp_fields(r->args, f, 2) != 0 ||
	    tafel_mp_strcpy(chex, sizeof(chex), f[0].obj) != 0 ||
	    tafel_mp_strcpy(rhex, sizeof(rhex), f[1].obj) != 0 ||
	    tafel_unhex(cid, 16, chex) != 0 || tafel_unhex(id, 16, rhex) != 0) {
		tafel_ctl_err(w, "bad-request", "record.delivery: a case id "
		    "and a record id, 32 hex digits each");
		return;
	}
	if (store_read(d->store, &txn) != 0) {
		tafel_ctl_err(w, "storage", "cannot read the store");
		return;
	}
	/* Our own events are in DB_SEEN under (our org, message id). */
	memcpy(key, d->self.org, n);
	key[n] = 0;
	memcpy(key + n + 1, id, 16);
	k.mv_data = key;
	k.mv_size = n + 1 + 16;
	rc = mdb_get(txn, store_dbi(d->store, DB_SEEN), &k, &v);
	if (rc == 0 && v.mv_size == 32) {
		memcpy(h, v.mv_data, 32);
		rc = outbox_env_get(d, txn, h, id, &v);
	} else if (rc == 0)
		rc = MDB_CORRUPTED;
	if ((hd = malloc(sizeof(*hd))) == NULL)
		fatal("malloc");
	if (rc == 0 && (tafel_env_parse_hdr(v.mv_data, v.mv_size, hd) != 0 ||
	    memcmp(hd->case_id, cid, 16) != 0))
		rc = MDB_NOTFOUND;
	mdb_txn_abort(txn);
	if (rc != 0) {
		free(hd);
		tafel_ctl_err(w, rc == MDB_NOTFOUND ? "no-record" : "storage",
		    rc == MDB_NOTFOUND ? "no record with that id written "
		    "here in that case" : "cannot read the store");
		return;
	}
	for (i = 0; i < hd->nto && i < TAFEL_MAX_RECIPIENTS; i++)
		to[i] = hd->to[i];
	tafel_ctl_ok_begin(w);
	tafel_mpw_map(w, 2);
	tafel_mpw_str(w, "record");
	tafel_mpw_str(w, rhex);
	tafel_mpw_str(w, "recipients");
	delivery_emit(d, h, id, to, i, w);
	free(hd);
}

int
delivery_ctl(struct tafeld *d, const struct tafel_ctl_req *r,
    struct tafel_mpw *w)
{
	if (strcmp(r->op, "record.delivery") != 0)
		return -1;
	op_delivery(d, r, w);
	return 0;
}
