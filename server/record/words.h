/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * words.h - every word of the record, in each language it is written in.
 *
 * One table for the automatic minutes (record.c) and the readable documents
 * (render_build.c), so that the record.json's entries and the Markdown, HTML and
 * PDF around them cannot drift apart, and an English meeting reads English
 * throughout. French first; a format takes its arguments in the same order
 * in both languages. Counts go through words_count(), which knows that
 * French writes "0 présent", "1 présent", "2 présents" and English
 * "1 member", "2 members".
 */
#ifndef CONCERTO_WORDS_H
#define CONCERTO_WORDS_H

#include <stdbool.h>
#include <stddef.h>

enum lang { FR, EN };

enum word {
    W_PV,
    W_MEETING_OF,
    W_DATE_AT,
    W_PLACE,
    W_ROOM,
    W_SESSION,
    W_TZ_LOCAL,
    W_TZ_UTC,
    W_PRESENT,
    W_EXCUSED,
    W_ABSENT,
    W_COLLEGE,
    W_OTHERS,
    W_NO_COLLEGE,
    W_NAME,
    W_NOTES,
    W_HOLDS,
    W_NOBODY,
    W_QUORUM_COLLEGE,
    W_MET,
    W_NOT_MET,
    W_PROXIES,
    W_GIVER,
    W_HOLDER,
    W_COLLEGE_COL,
    W_NO_PROXY,
    W_RECUSALS,
    W_MEMBER,
    W_ITEM,
    W_ITEM_REF,
    W_NO_RECUSAL,
    W_AGENDA,
    W_NUM,
    W_KIND,
    W_PRESENTER,
    W_PLANNED,
    W_ACTUAL,
    W_STATE,
    W_INFORMATION,
    W_DELIBERATION,
    W_VOTE_KIND,
    W_DONE,
    W_POSTPONED,
    W_PENDING,
    W_CURRENT,
    W_NO_AGENDA,
    W_DOCUMENTS,
    W_DOCUMENT,
    W_FORMAT,
    W_SHA256,
    W_DOC_REMOVED,
    W_MINUTES,
    W_LEGEND,
    W_OUTSIDE,
    W_CONTINUED,
    W_PRESENTED_BY,
    W_EDITED,
    W_NO_MINUTES,
    W_VOTE,
    W_MODE,
    W_NAMED,
    W_SECRET,
    W_RULE,
    W_SIMPLE,
    W_ABSOLUTE,
    W_QUALIFIED,
    W_DOUBLE,
    W_RELATIVE,
    W_ABSOLUTE_CAST,
    W_VOTERS,
    W_VOTERS_VALUE,
    W_QUORUM,
    W_QUORUM_VALUE,
    W_OPTION,
    W_TOTAL,
    W_YES,
    W_NO,
    W_ABSTAIN,
    W_RESULT,
    W_ADOPTED,
    W_REJECTED,
    W_WINNER,
    W_NO_WINNER,
    W_NO_QUORUM_OPEN,
    W_SECRET_NOTE,
    W_ROLL_CALL,
    W_CAST_BY,
    W_CANCELLED,
    W_STATS,
    W_BY_PARTICIPANT,
    W_BY_COLLEGE,
    W_TURNS,
    W_TIME,
    W_SHARE,
    W_MEMBERS,
    W_STATS_TOTAL,
    W_NO_TURNS,
    W_CLOSING,
    W_FINALIZED,
    W_APPROVED,
    W_NOT_APPROVED,
    W_CHAIN,
    W_VERIFY,
    W_PAGE,
    W_SEP,
    W_CHAIR,
    W_SECRETARY,
    W_ROLE_MEMBER,
    W_OBSERVER,
    W_ADMIN,

    W_ATTENDANCE_AT,
    W_PRESENCE,
    W_AT_CLOSE,
    W_PERIOD,
    W_UNTIL_CLOSE,
    W_STAYED,
    W_GONE,
    W_CHECKED_IN,
    W_MET_PAREN,
    W_GIVEN,
    W_USED,
    W_REVOKED,
    W_IN_FORCE,
    W_NOT_USED,
    W_BY_ROLE,
    W_QUOTED,
    W_SIGNATURES,
    W_CHAIR_TITLE,
    W_SECRETARY_TITLE,
    W_SIGNED,
    W_SIGNED_FINALIZED,
    W_SIGNED_APPROVED,
    W_AWAITING,
    W_KEY,
    W_KEY_UNKNOWN,
    W_HEAD,
    /* the automatic minutes */
    W_AUTO_OPENED,
    W_AUTO_SUSPENDED,
    W_AUTO_RESUMED,
    W_AUTO_CLOSED,
    W_AUTO_ITEM_OPENED,
    W_AUTO_ITEM_CLOSED,
    W_AUTO_ITEM_POSTPONED,
    W_AUTO_TURN,
    W_AUTO_VOTE_OPENED,
    W_AUTO_VOTE_CLOSED,
    W_AUTO_VOTE_CANCELLED,
    W_AUTO_ENTITLED_1,
    W_AUTO_ENTITLED,
    W_AUTO_VOTED_1,
    W_AUTO_VOTED,
    W_AUTO_PROXY_GIVEN,
    W_AUTO_PROXY_RECORDED,
    W_AUTO_PROXY_REVOKED,
    W_AUTO_PROXY_REVOKED_BY,
    W_AUTO_RECUSAL,
    W_AUTO_RECUSAL_BY,
    W_AUTO_RECUSAL_WITHDRAWN,
    W_AUTO_RECUSAL_WITHDRAWN_BY,
    W_AUTO_JOINED,
    W_AUTO_LEFT,
    W_AUTO_CHECKIN,
    W_AUTO_MARKED,
    W_AUTO_THE_CHAIR,
    W_AUTO_THE_SECRETARY,
    W_AUTO_ADOPTED,
    W_AUTO_REJECTED,
    W_AUTO_NO_DECISION,
    W_AUTO_WINNER,
    W_AUTO_CONTRIBUTION,
    W_AUTO_REPLY,
    W_AUTO_POINT_OF_ORDER,
    W_AUTO_YES,
    W_AUTO_NO,
    W_AUTO_ABSTAIN,
    W_AUTO_PRESENT,
    W_AUTO_EXCUSED,
    W_AUTO_ABSENT,
    W_AUTO_NONE,
    W_AUTO_NO_QUORUM,
    W_Q_REACHED,
    W_Q_LOST,
    W_Q_CLOSE_MET,
    W_Q_CLOSE_NOT_MET,
    W_Q_FIGURES,
    W_Q_PRESENT_1,
    W_Q_PRESENT,
    W_Q_COLLEGE,
    W_Q_COLLEGE_SHORT_1,
    W_Q_COLLEGE_SHORT,
    W_Q_OVERALL,
    W_Q_BY_COLLEGE,
    W_AUTO_THE_ADMIN,
    W_AUTO_INVITED,
    W_AUTO_INVITED_ALL,
    W_AUTO_SMALL_COLLEGES,
    W_WITHHELD,
    W_COLLEGE_FOR,
    W_COLLEGE_NOT_FOR,
    W_BY_COLLEGE_OUTCOMES,
    /* the convocation (convoc.c) */
    W_CONV_TITLE,
    W_CONV_SUBJECT,
    W_CONV_GREETING,
    W_CONV_INVITED,
    W_CONV_DATE,
    W_CONV_NO_DATE,
    W_CONV_DOCUMENTS,
    W_CONV_LINK,
    W_CONV_LINK_NOTE,
    W_CONV_ITEM,
    W_CONV_SIGNED,
    W_APPROVAL_ITEM,
    W_APPROVAL_ITEM_UNDATED,
    W_AUTO_APPROVED_VOTE,
    W_AUTO_APPROVED_NO_OBJECTION,
    W_APPROVED_BY,
    /* decisions and actions (followup) */
    W_FOLLOWUP_ITEM,
    W_AUTO_DECISION,
    W_AUTO_DECISION_VOTE,
    W_AUTO_ACTION,
    W_AUTO_ACTION_CARRIED,
    W_AUTO_ACTION_UPDATED,
    W_AUTO_DUE,
    W_AUTO_NO_DUE,
    W_ACTION_OPEN,
    W_ACTION_IN_PROGRESS,
    W_ACTION_DONE,
    W_ACTION_DROPPED,
    /* the built-in agenda template (hub/template.c) */
    W_TPL_OPENING,
    W_TPL_AGENDA,
    W_TPL_MISC,
    W_TPL_NEXT,
    W_COUNT
};

/* The language of a record's `lang` ("en" or anything else: French). */
enum lang
words_lang(const char *lang);

/* The word `w` in `lang` (borrowed, static). */
const char *
words_get(enum lang lang, enum word w);

/* The count `n` with `singular`'s word or the plural that follows it in the
 * table ("%lld membre présent" / "%lld membres présents"), into out. */
void
words_count(enum lang lang, enum word singular, long long n, char *out, size_t len);

/* The rule of a vote as it really counts (vote.c): a choice among options is
 * won by a plurality, or by an absolute majority of the votes cast; `buf`
 * holds a qualified share. Borrowed: static, or buf. */
const char *
words_rule(enum lang lang, const char *rule, bool choice, long long num, long long den, char *buf,
           size_t len);

/* The name of month `mo` (1..12) in `lang`, lowercase in French. */
const char *
words_month(enum lang lang, int mo);

/* "2 février 2021", "1er mars 2021", "2 February 2021" from a date that
 * begins "YYYY-MM-DD"; false (out untouched) when it does not. */
bool
words_day(enum lang lang, const char *date, char *out, size_t len);

/* The title of the item that approves the minutes of the meeting of `date`
 * (that meeting's own date, or its title when it has none). */
void
words_approval_item(enum lang lang, const char *date, const char *title, char *out, size_t len);

/* A quorum outcome: the whole body's figures and each college's. */
struct words_quorum {
    long long present, required;
    size_t n; /* colleges */
    const char *const *colleges;
    const long long *cpresent, *crequired;
};

/* The sentence for `q` with `lead` (W_Q_REACHED, W_Q_LOST, W_Q_CLOSE_MET or
 * W_Q_CLOSE_NOT_MET): when the quorum fails, what fails is named (the whole
 * body's count, or the college short of its own threshold). */
void
words_quorum(enum lang lang, enum word lead, const struct words_quorum *q, char *out, size_t len);

#endif
