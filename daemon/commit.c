/*
 * Group commit.
 *
 * Durable LMDB commits cost one or two fsyncs each, far more than the
 * crypto of one record.  So the handlers of one turn of the event loop
 * (every control request, envelope and receipt that was ready) write
 * into one open transaction, and the first thing the next turn does is
 * commit it: a zero-delay timer, which zloop runs before it reads any
 * socket again.  Nothing written is announced before that commit: the
 * answers to clients, receipts to peers and sends are actions queued
 * here and run after it, told whether it succeeded.
 */
#include <stdlib.h>

#include "daemon.h"

struct commit_action {
	struct commit_action	*next;
	void			(*fn)(struct tafeld *, void *, bool);
	void			*arg;
};

static int
commit_tick(zloop_t *loop, int timer_id, void *arg)
{
	struct tafeld *d = arg;

	d->commit_timer = -1;	/* a one-shot timer ends by itself */
	(void)commit_flush(d);
	return 0;
}

int
commit_begin(struct tafeld *d)
{
	if (store_batch_open(d->store))
		return 0;
	if (store_batch_begin(d->store) != 0)
		return -1;
	if (d->commit_timer == -1 && d->loop != NULL &&
	    (d->commit_timer = zloop_timer(d->loop, 0, 1, commit_tick, d)) ==
	    -1) {
		/* No timer: no batch either; every write commits at once. */
		if (store_batch_commit(d->store) != 0)
			return -1;
	}
	return 0;
}

bool
commit_pending(struct tafeld *d)
{
	return store_batch_open(d->store) || d->actions != NULL;
}

void
commit_after(struct tafeld *d, void (*fn)(struct tafeld *, void *, bool),
    void *arg)
{
	struct commit_action *a;

	if (!commit_pending(d)) {
		fn(d, arg, true);
		return;
	}
	if ((a = malloc(sizeof(*a))) == NULL)
		fatal("malloc");
	a->next = NULL;
	a->fn = fn;
	a->arg = arg;
	if (d->actions == NULL)
		d->actions_tail = &d->actions;
	*d->actions_tail = a;
	d->actions_tail = &a->next;
}

int
commit_flush(struct tafeld *d)
{
	struct commit_action *a, *next;
	bool durable;

	if (d->commit_timer != -1) {
		zloop_timer_end(d->loop, d->commit_timer);
		d->commit_timer = -1;
	}
	durable = store_batch_commit(d->store) == 0;
	/* Event rows read in the lost batch are gone (timeline.c). */
	if (!durable)
		d->events_gen++;
	if (!durable)
		log_warnx("store: a group commit failed; its requests are "
		    "answered with an error and its envelopes not receipted");
	/* The actions may queue more (into a batch of the next turn). */
	a = d->actions;
	d->actions = NULL;
	d->actions_tail = &d->actions;
	for (; a != NULL; a = next) {
		next = a->next;
		a->fn(d, a->arg, durable);
		free(a);
	}
	return durable ? 0 : -1;
}
