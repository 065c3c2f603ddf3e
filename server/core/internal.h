/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * internal.h - what the parts of core/ share and nobody else sees: emitting
 * an event (append it to the output list, then fold it), and the apply and
 * handle entry points of each part (agenda.c, speakers.c, attendance.c).
 *
 * The emit protocol: core_emit() appends a zeroed event with seq, ts and
 * actor set; the caller fills its body; core_emit_done() folds it, and on
 * failure removes it again, so `out` only ever holds applied events.
 */
#ifndef CONCERTO_CORE_INTERNAL_H
#define CONCERTO_CORE_INTERNAL_H

#include "meeting.h"

char *core_strdup(const char *s); /* new; NULL for NULL or out of memory */
/* Replace *dst by a copy of src (NULL gives ""); ERR_NOMEM leaves *dst. */
int core_set(char **dst, const char *src);

struct event *core_emit(struct meeting *m, struct evlist *out, enum ev_type type,
                        const char *actor, int64_t now);
int core_emit_done(struct meeting *m, struct evlist *out);
void core_emit_drop(struct evlist *out);

/* Each returns 1 when the event or command is not theirs, else 0 or an error. */
int agenda_apply(struct meeting *m, const struct event *ev);
int agenda_handle(struct meeting *m, const struct cmd *c, const char *actor, int64_t now,
                  struct evlist *out);
int speakers_apply(struct meeting *m, const struct event *ev);
int speakers_handle(struct meeting *m, const struct cmd *c, const char *actor, int64_t now,
                    struct evlist *out);
int attendance_apply(struct meeting *m, const struct event *ev);
int attendance_handle(struct meeting *m, const struct cmd *c, const char *actor, int64_t now,
                      struct evlist *out);

int vote_apply(struct meeting *m, const struct event *ev);
int vote_handle(struct meeting *m, const struct cmd *c, const char *actor, int64_t now,
                struct evlist *out);
void vote_free(struct vote *v);
/* The secretariat changed participant `pidx` on the roster: revoke the live
 * proxies they gave or hold and withdraw their recusals (actor admin). */
int vote_release(struct meeting *m, uint32_t pidx, int64_t now, struct evlist *out);
int minutes_apply(struct meeting *m, const struct event *ev);
int documents_apply(struct meeting *m, const struct event *ev);
int minutes_handle(struct meeting *m, const struct cmd *c, const char *actor, int64_t now,
                   struct evlist *out);
void entry_free(struct entry *e);
int followup_apply(struct meeting *m, const struct event *ev);
int followup_handle(struct meeting *m, const struct cmd *c, const char *actor, int64_t now,
                    struct evlist *out);
void followup_free(struct meeting *m);

/* End the current turn, if any (speaker.turn_ended). */
int speakers_end_turn(struct meeting *m, const char *actor, int64_t now, struct evlist *out);
/* Write quorum.reached or quorum.lost when the status changed (open meetings). */
int quorum_check(struct meeting *m, int64_t now, struct evlist *out);

#endif
