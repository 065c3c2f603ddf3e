/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * fuzz_proto_decode.c - proto/: every decoder of text from outside.
 *
 * Input: a client message (what a WebSocket delivers), which also goes to
 * the four decoders of HTTP API bodies. When its first line is the name of
 * an event type ("vote.closed\n{...}"), the rest is also decoded as a
 * stored body of that type, the way a restart reads the log.
 *
 * Checks:
 *   - whatever the input, the reply the hub would send (ok or error,
 *     echoing the request id) is one JSON object;
 *   - a decoded command has a known type, and a key when it changes state;
 *   - a decoded event body encodes to canonical JSON that decodes again to
 *     the same bytes (the hash chain is computed over them), and the event
 *     message built around it is JSON.
 */
#define _POSIX_C_SOURCE 200809L
#include "fuzz.h"

#include "core/event.h"
#include "proto/proto.h"

static void
pd_check_json(char *text, const char *what)
{
    FUZZ_CHECK(text != NULL, "%s: out of memory", what);
    json_error_t jerr;
    json_t *v = json_loads(text, 0, &jerr);
    FUZZ_CHECK(json_is_object(v), "%s is not a JSON object (%s): %s", what, jerr.text, text);
    json_decref(v);
    free(text);
}

static void
pd_command(const char *buf, size_t len)
{
    struct cmd c;
    int rc = proto_decode_cmd(buf, len, &c);
    FUZZ_CHECK(rc <= 0 && rc > -ERR_COUNT_, "proto_decode_cmd returned %d", rc);
    FUZZ_CHECK(strlen(c.id) < sizeof(c.id), "request id not terminated");
    if (rc) {
        pd_check_json(proto_error(c.id, rc, NULL), "the error reply");
        cmd_clear(&c);
        return;
    }
    FUZZ_CHECK(c.type < CMD_COUNT, "command type %d", (int)c.type);
    FUZZ_CHECK(!cmd_mutates(c.type) || (c.key[0] && strlen(c.key) < KEY_MAX),
               "%s without a key", proto_cmd_name(c.type));
    pd_check_json(proto_ok(c.id, 42, 1), "the ok reply");
    pd_check_json(proto_pong(c.id, FUZZ_NOW), "the pong");
    cmd_clear(&c);
}

static void
pd_api(const char *buf, size_t len)
{
    struct api_commission ac;
    if (proto_api_commission(buf, len, &ac) == 0) {
        FUZZ_CHECK(ac.name != NULL && ac.ncolleges <= 16, "commission");
        for (size_t i = 0; i < ac.ncolleges; i++) {
            FUZZ_CHECK(id_valid(ac.colleges[i]), "college %zu is not an identifier", i);
        }
        proto_api_commission_clear(&ac);
    }
    struct api_member am;
    if (proto_api_member(buf, len, true, &am) == 0) {
        FUZZ_CHECK(am.name != NULL && am.role != NULL, "member");
        proto_api_member_clear(&am);
    }
    struct api_meeting mt;
    if (proto_api_meeting(buf, len, &mt) == 0) {
        FUZZ_CHECK(mt.commission != NULL && mt.title != NULL, "meeting");
        proto_api_meeting_clear(&mt);
    }
    struct api_invite in;
    if (proto_api_invite(buf, len, &in) == 0) {
        FUZZ_CHECK(in.n == 0 || in.participants != NULL, "invitations");
        proto_api_invite_clear(&in);
    }
}

static void
pd_event(int type, const char *body, size_t len)
{
    struct event ev;
    memset(&ev, 0, sizeof(ev));
    if (proto_decode_event_body((enum ev_type)type, body, len, &ev)) {
        event_clear(&ev);
        return;
    }
    ev.type = (enum ev_type)type;
    char *once = proto_event_body(&ev);
    FUZZ_CHECK(once != NULL, "%s: no canonical body", proto_event_name(ev.type));
    struct event back;
    memset(&back, 0, sizeof(back));
    int rc = proto_decode_event_body(ev.type, once, strlen(once), &back);
    FUZZ_CHECK(rc == 0, "%s: its canonical body %s does not decode (%d)",
               proto_event_name(ev.type), once, rc);
    back.type = ev.type;
    char *twice = proto_event_body(&back);
    FUZZ_CHECK(twice != NULL && strcmp(once, twice) == 0, "%s: %s became %s",
               proto_event_name(ev.type), once, twice ? twice : "(null)");
    pd_check_json(proto_event_msg("ccr-2021-02", 7, FUZZ_NOW, "b1", proto_event_name(ev.type),
                                  once, "00ff00ff00ff00ff00ff00ff00ff00ff"
                                        "00ff00ff00ff00ff00ff00ff00ff00ff"),
                  "the event message");
    free(once);
    free(twice);
    event_clear(&ev);
    event_clear(&back);
}

int
FUZZ_ENTRY(const uint8_t *data, size_t size)
{
    fuzz_init();
    const char *buf = (const char *)data;
    pd_command(buf, size);
    pd_api(buf, size);
    const char *nl = memchr(buf, '\n', size < 40 ? size : 40);
    if (nl) {
        char name[40];
        size_t n = (size_t)(nl - buf);
        memcpy(name, buf, n);
        name[n] = 0;
        int type = proto_event_type(name);
        if (type >= 0) {
            pd_event(type, nl + 1, size - n - 1);
        }
    }
    return 0;
}
