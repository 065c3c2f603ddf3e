/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * test_proto.c - proto/: decoding client messages (proto_decode.c), the canonical
 * event bodies the hash chain is computed over, the wire messages, the
 * snapshot, the HTTP API bodies, and the small JSON builder (pj.c).
 *
 * Hostile input is the point of most tests here: every case must give its
 * typed error, leave the decoded command cleared, and keep the request id
 * when it was usable so that the reply can echo it. Canonical bodies are
 * compared byte for byte with text written by hand from proto/PROTOCOL.md
 * section 5.2; other outputs are parsed back with jansson and checked field
 * by field.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/meeting.h"
#include "err.h"
#include "proto/pj.h"
#include "proto/proto.h"

#define NOW 1612254600000LL

/* ---- helpers ------------------------------------------------------------------------- */

static int
decode(const char *text, struct cmd *c)
{
    return proto_decode_cmd(text, strlen(text), c);
}

/* Every string of a body is NULL: nothing leaked out of a refused decode. */
static void
assert_body_empty(const struct body *b)
{
    const char *const s[] = {b->participant, b->name,       b->college,         b->role,
                             b->title,       b->date,       b->place,           b->room,
                             b->lang,        b->commission, b->commission_name, b->token};
    for (size_t i = 0; i < sizeof(s) / sizeof(s[0]); i++) {
        assert_null(s[i]);
    }
}

static void
expect_error(const char *text, int code)
{
    struct cmd c;
    int rc = decode(text, &c);
    if (rc != code) {
        fail_msg("%s: got %s, expected %s", text, err_str(rc), err_str(code));
    }
    assert_body_empty(&c.b);
    cmd_clear(&c);
}

static json_t *
parse(const char *text)
{
    json_error_t jerr;
    assert_non_null(text);
    json_t *v = json_loads(text, 0, &jerr);
    if (!v) {
        fail_msg("not JSON (%s): %s", jerr.text, text);
    }
    return v;
}

static const char *
jstr(json_t *o, const char *path)
{
    json_t *v = json_object_get(o, path);
    if (!json_is_string(v)) {
        fail_msg("%s is not a string", path);
    }
    return json_string_value(v);
}

static json_int_t
jint(json_t *o, const char *path)
{
    json_t *v = json_object_get(o, path);
    if (!json_is_integer(v)) {
        fail_msg("%s is not an integer", path);
    }
    return json_integer_value(v);
}

/* A string of n copies of c (new). */
static char *
repeat(char c, size_t n)
{
    char *s = malloc(n + 1);
    assert_non_null(s);
    memset(s, c, n);
    s[n] = 0;
    return s;
}

/* ---- names --------------------------------------------------------------------------- */

static void
test_event_names_round_trip(void **state)
{
    (void)state;
    for (int t = 0; t < EV_COUNT; t++) {
        const char *name = proto_event_name((enum ev_type)t);
        assert_string_not_equal(name, "unknown");
        assert_int_equal(proto_event_type(name), t);
    }
    assert_string_equal(proto_event_name(EV_PARTICIPANT_JOINED), "participant.joined");
    assert_string_equal(proto_event_name(EV_MEETING_OPENED), "meeting.opened");
    assert_string_equal(proto_event_name(EV_COUNT), "unknown");
    assert_int_equal(proto_event_type("meeting.exploded"), ERR_NOT_FOUND);
    assert_int_equal(proto_event_type(""), ERR_NOT_FOUND);
}

static void
test_command_names_are_the_protocol_ones(void **state)
{
    (void)state;
    assert_string_equal(proto_cmd_name(CMD_HELLO), "hello");
    assert_string_equal(proto_cmd_name(CMD_PING), "ping");
    assert_string_equal(proto_cmd_name(CMD_MEETING_OPEN), "meeting.open");
    assert_string_equal(proto_cmd_name(CMD_MEETING_SUSPEND), "meeting.suspend");
    assert_string_equal(proto_cmd_name(CMD_MEETING_RESUME), "meeting.resume");
    assert_string_equal(proto_cmd_name(CMD_MEETING_CLOSE), "meeting.close");
    assert_string_equal(proto_cmd_name(CMD_COUNT), "unknown");
}

/* ---- decoding valid commands --------------------------------------------------------- */

static void
test_decode_reads_type_id_key_and_empty_body(void **state)
{
    (void)state;
    struct cmd c;
    assert_int_equal(
        decode("{\"type\": \"meeting.open\", \"id\": 7, \"key\": \"c1f0e9a2-4\", \"body\": {}}",
               &c),
        0);
    assert_int_equal(c.type, CMD_MEETING_OPEN);
    assert_string_equal(c.id, "7");
    assert_string_equal(c.key, "c1f0e9a2-4");
    assert_body_empty(&c.b);
    cmd_clear(&c);
}

static void
test_decode_accepts_a_missing_body_and_any_field_order(void **state)
{
    (void)state;
    struct cmd c;
    assert_int_equal(decode("{\"key\":\"k\",\"type\":\"meeting.close\"}", &c), 0);
    assert_int_equal(c.type, CMD_MEETING_CLOSE);
    assert_string_equal(c.key, "k");
    assert_string_equal(c.id, "");
    cmd_clear(&c);
}

static void
test_decode_of_ping_needs_neither_id_nor_key(void **state)
{
    (void)state;
    struct cmd c;
    assert_int_equal(decode("{\"type\":\"ping\"}", &c), 0);
    assert_int_equal(c.type, CMD_PING);
    assert_string_equal(c.id, "");
    assert_string_equal(c.key, "");
    cmd_clear(&c);
}

static void
test_decode_of_hello_reads_token_and_since(void **state)
{
    (void)state;
    struct cmd c;
    assert_int_equal(
        decode("{\"type\":\"hello\",\"id\":\"h-1\",\"body\":{\"token\":\"abc_DEF-123\","
               "\"since\":41}}",
               &c),
        0);
    assert_int_equal(c.type, CMD_HELLO);
    assert_string_equal(c.id, "\"h-1\"");
    assert_string_equal(c.b.token, "abc_DEF-123");
    assert_int_equal(c.b.since, 41);
    assert_true(c.b.has & HAS_SINCE);
    cmd_clear(&c);
    assert_null(c.b.token);

    assert_int_equal(decode("{\"type\":\"hello\",\"body\":{\"token\":\"t\"}}", &c), 0);
    assert_string_equal(c.b.token, "t");
    assert_int_equal(c.b.since, 0);
    assert_false(c.b.has & HAS_SINCE);
    cmd_clear(&c);
}

static void
test_decode_keeps_a_negative_or_string_id_as_raw_json(void **state)
{
    (void)state;
    struct cmd c;
    assert_int_equal(decode("{\"type\":\"ping\",\"id\":-12}", &c), 0);
    assert_string_equal(c.id, "-12");
    cmd_clear(&c);
    assert_int_equal(decode("{\"type\":\"ping\",\"id\":\"a\\\"b\\\\c/\xc3\xa9\"}", &c), 0);
    /* the raw JSON of the string, escaped so that it parses back */
    json_t *v = json_loads(c.id, JSON_DECODE_ANY, NULL);
    assert_non_null(v);
    assert_string_equal(json_string_value(v), "a\"b\\c/\xc3\xa9");
    json_decref(v);
    cmd_clear(&c);
}

static void
test_decode_accepts_a_key_of_64_printable_characters(void **state)
{
    (void)state;
    char text[256];
    char *key = repeat('~', 64);
    snprintf(text, sizeof(text), "{\"type\":\"meeting.open\",\"key\":\"%s\"}", key);
    struct cmd c;
    assert_int_equal(decode(text, &c), 0);
    assert_string_equal(c.key, key);
    cmd_clear(&c);
    free(key);
}

static void
test_decode_accepts_a_message_of_exactly_the_size_limit(void **state)
{
    (void)state;
    const char *msg = "{\"type\":\"ping\"}";
    char *buf = repeat(' ', PROTO_MAX_MESSAGE);
    memcpy(buf, msg, strlen(msg));
    struct cmd c;
    assert_int_equal(proto_decode_cmd(buf, PROTO_MAX_MESSAGE, &c), 0);
    assert_int_equal(c.type, CMD_PING);
    cmd_clear(&c);
    free(buf);
}

/* ---- decoding hostile input ---------------------------------------------------------- */

static void
test_decode_refuses_invalid_json_with_bad_json(void **state)
{
    (void)state;
    static const char *const bad[] = {
        "",
        "{",
        "{\"type\":\"ping\"",
        "{\"type\":\"ping\"} trailing",
        "{'type':'ping'}",
        "{\"type\":\"ping\",}",
        "{\"type\":\"p\xffing\"}",               /* not UTF-8 */
        "{\"type\":\"ping\",\"type\":\"ping\"}", /* duplicate key */
        "{\"type\":\"ping\",\"id\":1e999999}",
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        expect_error(bad[i], ERR_BAD_JSON);
    }
}

static void
test_decode_refuses_a_message_that_is_not_an_object(void **state)
{
    (void)state;
    expect_error("[]", ERR_BAD_MESSAGE);
    expect_error("[{\"type\":\"ping\"}]", ERR_BAD_MESSAGE);
    /* Scalars: jansson refuses them at parse time, which is also a refusal. */
    static const char *const scalars[] = {"\"ping\"", "42", "null", "true"};
    for (size_t i = 0; i < 4; i++) {
        struct cmd c;
        int rc = decode(scalars[i], &c);
        assert_true(rc == ERR_BAD_JSON || rc == ERR_BAD_MESSAGE);
    }
}

static void
test_decode_refuses_a_type_that_is_not_a_string(void **state)
{
    (void)state;
    expect_error("{\"type\":42}", ERR_BAD_MESSAGE);
    expect_error("{\"type\":null}", ERR_BAD_MESSAGE);
    expect_error("{\"type\":[\"ping\"]}", ERR_BAD_MESSAGE);
    expect_error("{\"type\":{}}", ERR_BAD_MESSAGE);
    expect_error("{\"id\":1}", ERR_BAD_MESSAGE);
    expect_error("{}", ERR_BAD_MESSAGE);
}

static void
test_decode_refuses_an_unknown_type(void **state)
{
    (void)state;
    expect_error("{\"type\":\"meeting.explode\"}", ERR_UNKNOWN_TYPE);
    expect_error("{\"type\":\"\"}", ERR_UNKNOWN_TYPE);
    expect_error("{\"type\":\"PING\"}", ERR_UNKNOWN_TYPE);
    expect_error("{\"type\":\"welcome\"}", ERR_UNKNOWN_TYPE);
}

static void
test_decode_refuses_an_id_of_the_wrong_type(void **state)
{
    (void)state;
    expect_error("{\"type\":\"ping\",\"id\":true}", ERR_BAD_MESSAGE);
    expect_error("{\"type\":\"ping\",\"id\":1.5}", ERR_BAD_MESSAGE);
    expect_error("{\"type\":\"ping\",\"id\":null}", ERR_BAD_MESSAGE);
    expect_error("{\"type\":\"ping\",\"id\":[1]}", ERR_BAD_MESSAGE);
    expect_error("{\"type\":\"ping\",\"id\":{\"a\":1}}", ERR_BAD_MESSAGE);
}

static void
test_decode_refuses_a_string_id_over_64_bytes_or_with_control_characters(void **state)
{
    (void)state;
    char text[256];
    char *id = repeat('a', 65);
    snprintf(text, sizeof(text), "{\"type\":\"ping\",\"id\":\"%s\"}", id);
    expect_error(text, ERR_BAD_MESSAGE);
    id[64] = 0;
    snprintf(text, sizeof(text), "{\"type\":\"ping\",\"id\":\"%s\"}", id);
    struct cmd c;
    assert_int_equal(decode(text, &c), 0);
    free(id);
    expect_error("{\"type\":\"ping\",\"id\":\"a\\u0001b\"}", ERR_BAD_MESSAGE);
    expect_error("{\"type\":\"ping\",\"id\":\"a\\nb\"}", ERR_BAD_MESSAGE);
}

static void
test_decode_refuses_a_key_or_body_of_the_wrong_type(void **state)
{
    (void)state;
    expect_error("{\"type\":\"meeting.open\",\"key\":42}", ERR_BAD_MESSAGE);
    expect_error("{\"type\":\"meeting.open\",\"key\":null}", ERR_BAD_MESSAGE);
    expect_error("{\"type\":\"meeting.open\",\"key\":[\"k\"]}", ERR_BAD_MESSAGE);
    expect_error("{\"type\":\"meeting.open\",\"key\":\"k\",\"body\":[]}", ERR_BAD_MESSAGE);
    expect_error("{\"type\":\"meeting.open\",\"key\":\"k\",\"body\":\"\"}", ERR_BAD_MESSAGE);
    expect_error("{\"type\":\"meeting.open\",\"key\":\"k\",\"body\":null}", ERR_BAD_MESSAGE);
    expect_error("{\"type\":\"hello\",\"body\":{\"token\":42}}", ERR_BAD_MESSAGE);
    expect_error("{\"type\":\"hello\",\"body\":{\"token\":\"t\",\"since\":\"41\"}}",
                 ERR_BAD_MESSAGE);
    expect_error("{\"type\":\"hello\",\"body\":{\"token\":\"t\",\"since\":4.5}}", ERR_BAD_MESSAGE);
}

static void
test_decode_refuses_unknown_fields_in_the_envelope_and_the_body(void **state)
{
    (void)state;
    expect_error("{\"type\":\"ping\",\"extra\":1}", ERR_BAD_MESSAGE);
    expect_error("{\"type\":\"ping\",\"Type\":\"ping\"}", ERR_BAD_MESSAGE);
    expect_error("{\"type\":\"ping\",\"body\":{\"x\":1}}", ERR_BAD_MESSAGE);
    expect_error("{\"type\":\"meeting.open\",\"key\":\"k\",\"body\":{\"force\":true}}",
                 ERR_BAD_MESSAGE);
    expect_error("{\"type\":\"hello\",\"body\":{\"token\":\"t\",\"role\":\"chair\"}}",
                 ERR_BAD_MESSAGE);
}

static void
test_decode_refuses_a_mutating_command_without_key(void **state)
{
    (void)state;
    expect_error("{\"type\":\"meeting.open\"}", ERR_BAD_MESSAGE);
    expect_error("{\"type\":\"meeting.suspend\",\"id\":3}", ERR_BAD_MESSAGE);
    expect_error("{\"type\":\"meeting.resume\",\"body\":{}}", ERR_BAD_MESSAGE);
    expect_error("{\"type\":\"meeting.close\"}", ERR_BAD_MESSAGE);
}

static void
test_decode_refuses_a_missing_token_in_hello(void **state)
{
    (void)state;
    expect_error("{\"type\":\"hello\"}", ERR_BAD_MESSAGE);
    expect_error("{\"type\":\"hello\",\"body\":{\"since\":3}}", ERR_BAD_MESSAGE);
}

static void
test_decode_refuses_an_empty_long_or_unprintable_key(void **state)
{
    (void)state;
    char text[256];
    char *key = repeat('k', 65);
    snprintf(text, sizeof(text), "{\"type\":\"meeting.open\",\"key\":\"%s\"}", key);
    expect_error(text, ERR_INVALID);
    free(key);
    expect_error("{\"type\":\"meeting.open\",\"key\":\"\"}", ERR_INVALID);
    expect_error("{\"type\":\"meeting.open\",\"key\":\"two words\"}", ERR_INVALID);
    expect_error("{\"type\":\"meeting.open\",\"key\":\" k\"}", ERR_INVALID);
    expect_error("{\"type\":\"meeting.open\",\"key\":\"tab\\there\"}", ERR_INVALID);
    expect_error("{\"type\":\"meeting.open\",\"key\":\"cl\xc3\xa9\"}", ERR_INVALID);
    expect_error("{\"type\":\"meeting.open\",\"key\":\"del\\u007f\"}", ERR_INVALID);
}

static void
test_decode_refuses_control_characters_in_strings(void **state)
{
    (void)state;
    expect_error("{\"type\":\"hello\",\"body\":{\"token\":\"ab\\u0001cd\"}}", ERR_INVALID);
    expect_error("{\"type\":\"hello\",\"body\":{\"token\":\"ab\\ncd\"}}", ERR_INVALID);
    expect_error("{\"type\":\"hello\",\"body\":{\"token\":\"ab\\tcd\"}}", ERR_INVALID);
    expect_error("{\"type\":\"hello\",\"body\":{\"token\":\"ab\\u001bcd\"}}", ERR_INVALID);
    expect_error("{\"type\":\"hello\",\"body\":{\"token\":\"ab\\u007fcd\"}}", ERR_INVALID);
}

static void
test_decode_refuses_an_embedded_nul(void **state)
{
    (void)state;
    /* jansson refuses \u0000 at parse time unless asked not to; proto/ also
     * checks the length. Either way the message is refused and nothing leaks. */
    static const char *const bad[] = {
        "{\"type\":\"hello\",\"body\":{\"token\":\"ab\\u0000cd\"}}",
        "{\"type\":\"ping\\u0000x\"}",
        "{\"type\":\"meeting.open\",\"key\":\"k\\u0000\"}",
        "{\"type\":\"ping\",\"id\":\"a\\u0000\"}",
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        struct cmd c;
        int rc = decode(bad[i], &c);
        if (rc != ERR_BAD_JSON && rc != ERR_INVALID && rc != ERR_BAD_MESSAGE &&
            rc != ERR_UNKNOWN_TYPE) {
            fail_msg("%s: got %s", bad[i], err_str(rc));
        }
        assert_body_empty(&c.b);
    }
    /* A raw NUL byte inside the buffer is not JSON. */
    static const char raw[] = "{\"type\":\"ping\"}\0{\"type\":\"meeting.open\"}";
    struct cmd c;
    assert_int_equal(proto_decode_cmd(raw, sizeof(raw) - 1, &c), ERR_BAD_JSON);
}

static void
test_decode_refuses_an_oversize_message_before_parsing_it(void **state)
{
    (void)state;
    const char *msg = "{\"type\":\"ping\",\"id\":5}";
    char *buf = repeat(' ', PROTO_MAX_MESSAGE + 1);
    memcpy(buf, msg, strlen(msg));
    struct cmd c;
    assert_int_equal(proto_decode_cmd(buf, PROTO_MAX_MESSAGE + 1, &c), ERR_TOO_LARGE);
    assert_string_equal(c.id, "");
    free(buf);
}

static void
test_decode_refuses_an_overlong_token_or_a_negative_since(void **state)
{
    (void)state;
    char text[512];
    char *tok = repeat('t', 129);
    snprintf(text, sizeof(text), "{\"type\":\"hello\",\"body\":{\"token\":\"%s\"}}", tok);
    expect_error(text, ERR_TOO_LARGE);
    free(tok);
    expect_error("{\"type\":\"hello\",\"body\":{\"token\":\"t\",\"since\":-1}}", ERR_INVALID);
}

static void
test_decode_echoes_a_usable_id_on_errors(void **state)
{
    (void)state;
    static const struct {
        const char *text;
        int code;
        const char *id;
    } cases[] = {
        {"{\"type\":\"meeting.explode\",\"id\":7}", ERR_UNKNOWN_TYPE, "7"},
        {"{\"type\":42,\"id\":\"r1\"}", ERR_BAD_MESSAGE, "\"r1\""},
        {"{\"id\":8}", ERR_BAD_MESSAGE, "8"},
        {"{\"type\":\"meeting.open\",\"id\":9}", ERR_BAD_MESSAGE, "9"},
        {"{\"type\":\"meeting.open\",\"id\":10,\"key\":\"a b\"}", ERR_INVALID, "10"},
        {"{\"type\":\"ping\",\"id\":11,\"extra\":0}", ERR_BAD_MESSAGE, "11"},
        {"{\"type\":\"hello\",\"id\":12,\"body\":{\"token\":\"t\",\"since\":-5}}", ERR_INVALID,
         "12"},
        /* unusable ids are not echoed */
        {"{\"type\":\"ping\",\"id\":true}", ERR_BAD_MESSAGE, ""},
        {"{\"type\":\"ping\",\"id\":7", ERR_BAD_JSON, ""},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct cmd c;
        int rc = decode(cases[i].text, &c);
        if (rc != cases[i].code || strcmp(c.id, cases[i].id) != 0) {
            fail_msg("%s: got %s with id '%s'", cases[i].text, err_str(rc), c.id);
        }
        assert_body_empty(&c.b);
    }
}

static void
test_an_error_reply_echoes_the_id_exactly(void **state)
{
    (void)state;
    struct cmd c;
    assert_int_equal(decode("{\"type\":\"meeting.explode\",\"id\":7}", &c), ERR_UNKNOWN_TYPE);
    char *e = proto_error(c.id, ERR_UNKNOWN_TYPE, NULL);
    assert_string_equal(e, "{\"type\":\"error\",\"id\":7,\"body\":{\"code\":\"unknown_type\","
                           "\"message\":\"unknown message type\"}}");
    free(e);
    assert_int_equal(decode("{\"type\":\"nope\",\"id\":\"q\\\"1\"}", &c), ERR_UNKNOWN_TYPE);
    e = proto_error(c.id, ERR_UNKNOWN_TYPE, "no such command");
    assert_string_equal(e, "{\"type\":\"error\",\"id\":\"q\\\"1\",\"body\":{\"code\":"
                           "\"unknown_type\",\"message\":\"no such command\"}}");
    free(e);
    e = proto_error("", ERR_BAD_JSON, NULL);
    assert_string_equal(e, "{\"type\":\"error\",\"body\":{\"code\":\"bad_json\","
                           "\"message\":\"the message is not valid JSON\"}}");
    free(e);
}

/* Any id the decoder accepts must come back whole in the reply: an id of
 * quotes or backslashes doubles in length once escaped. */
static void
test_a_string_id_full_of_escapes_is_echoed_whole_or_refused(void **state)
{
    (void)state;
    static const char *const units[] = {"\\\"", "\\\\"};
    static const char raw[] = {'"', '\\'};
    for (size_t u = 0; u < 2; u++) {
        char text[512] = "{\"type\":\"ping\",\"id\":\"";
        for (int i = 0; i < 64; i++) {
            strcat(text, units[u]);
        }
        strcat(text, "\"}");
        struct cmd c;
        int rc = decode(text, &c);
        if (rc == 0) {
            char *ok = proto_ok(c.id, 1, 0);
            assert_non_null(ok); /* a truncated id would not parse back */
            json_t *v = parse(ok);
            const char *id = json_string_value(json_object_get(v, "id"));
            assert_non_null(id);
            assert_int_equal(strlen(id), 64);
            for (size_t i = 0; i < 64; i++) {
                assert_int_equal(id[i], raw[u]);
            }
            json_decref(v);
            free(ok);
        } else {
            assert_int_equal(rc, ERR_BAD_MESSAGE);
            assert_string_equal(c.id, "");
        }
        char *e = proto_error(c.id, ERR_BAD_MESSAGE, NULL);
        assert_non_null(e);
        free(e);
    }
}

/* ---- replies ------------------------------------------------------------------------- */

static void
test_ok_replies_are_compact_with_seq_and_replayed(void **state)
{
    (void)state;
    char *s = proto_ok("7", 43, 0);
    assert_string_equal(s, "{\"type\":\"ok\",\"id\":7,\"body\":{\"seq\":43}}");
    free(s);
    s = proto_ok("\"a\"", 43, 1);
    assert_string_equal(s,
                        "{\"type\":\"ok\",\"id\":\"a\",\"body\":{\"seq\":43,\"replayed\":true}}");
    free(s);
    s = proto_ok("", 0, 0);
    assert_string_equal(s, "{\"type\":\"ok\",\"body\":{\"seq\":0}}");
    free(s);
}

static void
test_pong_carries_the_server_clock(void **state)
{
    (void)state;
    char *s = proto_pong("9", NOW);
    char want[128];
    snprintf(want, sizeof(want), "{\"type\":\"pong\",\"id\":9,\"body\":{\"now\":%lld}}",
             (long long)NOW);
    assert_string_equal(s, want);
    free(s);
    s = proto_pong("", 5);
    assert_string_equal(s, "{\"type\":\"pong\",\"body\":{\"now\":5}}");
    free(s);
}

static void
test_http_errors_carry_code_and_message(void **state)
{
    (void)state;
    char *s = proto_http_error(ERR_FORBIDDEN, NULL);
    assert_string_equal(
        s, "{\"error\":{\"code\":\"forbidden\",\"message\":\"your role may not do this\"}}");
    free(s);
    s = proto_http_error(ERR_INVALID, "line 3: a member needs a college");
    assert_string_equal(
        s, "{\"error\":{\"code\":\"invalid\",\"message\":\"line 3: a member needs a college\"}}");
    free(s);
}

static void
test_quote_escapes_only_what_json_requires(void **state)
{
    (void)state;
    char *q = proto_quote("a\"b\\c/d\xc3\xa9\n");
    assert_string_equal(q, "\"a\\\"b\\\\c/d\xc3\xa9\\n\"");
    free(q);
    q = proto_quote("");
    assert_string_equal(q, "\"\"");
    free(q);
}

static void
test_check_text_limits_length_and_control_characters(void **state)
{
    (void)state;
    assert_int_equal(proto_check_text("Salle du conseil", 16, 0), 0);
    assert_int_equal(proto_check_text("Salle du conseil", 15, 0), ERR_TOO_LARGE);
    assert_int_equal(proto_check_text("", 0, 0), 0);
    assert_int_equal(proto_check_text("a\nb\tc", 10, 0), ERR_INVALID);
    assert_int_equal(proto_check_text("a\nb\tc", 10, 1), 0);
    assert_int_equal(proto_check_text("a\rb", 10, 1), ERR_INVALID);
    assert_int_equal(proto_check_text("a\x01", 10, 1), ERR_INVALID);
    assert_int_equal(proto_check_text("a\x7f", 10, 1), ERR_INVALID);
    assert_int_equal(proto_check_text("\xc3\xa9t\xc3\xa9", 6, 0), 0); /* bytes, not chars */
    assert_int_equal(proto_check_text("\xc3\xa9t\xc3\xa9", 4, 0), ERR_TOO_LARGE);
}

/* ---- canonical bodies ---------------------------------------------------------------- */

static void
test_participant_added_body_is_canonical(void **state)
{
    (void)state;
    struct event ev;
    memset(&ev, 0, sizeof(ev));
    ev.type = EV_PARTICIPANT_ADDED;
    ev.b.participant = "vasseur";
    ev.b.name = "H\xc3\xa9l\xc3\xa8ne Vasseur";
    ev.b.college = "";
    ev.b.role = "chair";
    char *s = proto_event_body(&ev);
    assert_string_equal(s, "{\"college\":\"\",\"name\":\"H\xc3\xa9l\xc3\xa8ne Vasseur\","
                           "\"participant\":\"vasseur\",\"role\":\"chair\"}");
    free(s);
}

static void
test_canonical_body_escapes_only_quote_backslash_and_controls(void **state)
{
    (void)state;
    struct event ev;
    memset(&ev, 0, sizeof(ev));
    ev.type = EV_PARTICIPANT_ADDED;
    ev.b.participant = "p1";
    ev.b.name = "Le \"Pr\xc3\xa9sident\" \\ C/O \xf0\x9f\x8f\xa0\t\n\x01";
    ev.b.college = "locataires";
    ev.b.role = "member";
    char *s = proto_event_body(&ev);
    assert_string_equal(s, "{\"college\":\"locataires\",\"name\":\"Le \\\"Pr\xc3\xa9sident\\\" "
                           "\\\\ C/O \xf0\x9f\x8f\xa0\\t\\n\\u0001\",\"participant\":\"p1\","
                           "\"role\":\"member\"}");
    free(s);
}

static void
test_canonical_body_writes_missing_strings_as_empty(void **state)
{
    (void)state;
    struct event ev;
    memset(&ev, 0, sizeof(ev));
    ev.type = EV_PARTICIPANT_ADDED;
    ev.b.participant = "p1";
    ev.b.name = "X";
    ev.b.role = "observer";
    char *s = proto_event_body(&ev);
    assert_string_equal(
        s, "{\"college\":\"\",\"name\":\"X\",\"participant\":\"p1\",\"role\":\"observer\"}");
    free(s);
}

static void
test_bodies_without_fields_are_an_empty_object(void **state)
{
    (void)state;
    static const enum ev_type types[] = {EV_MEETING_OPENED, EV_MEETING_SUSPENDED,
                                         EV_MEETING_RESUMED, EV_MEETING_CLOSED};
    for (size_t i = 0; i < 4; i++) {
        struct event ev;
        memset(&ev, 0, sizeof(ev));
        ev.type = types[i];
        char *s = proto_event_body(&ev);
        assert_string_equal(s, "{}");
        free(s);
    }
    struct event ev;
    memset(&ev, 0, sizeof(ev));
    ev.type = EV_PARTICIPANT_LEFT;
    ev.b.participant = "dubois";
    char *s = proto_event_body(&ev);
    assert_string_equal(s, "{\"participant\":\"dubois\"}");
    free(s);
    ev.type = EV_COUNT;
    assert_null(proto_event_body(&ev));
}

static void
test_meeting_created_body_has_sorted_keys_and_unescaped_text(void **state)
{
    (void)state;
    struct event ev;
    memset(&ev, 0, sizeof(ev));
    ev.type = EV_MEETING_CREATED;
    ev.b.title = "Bilan 2020 / feuille de route";
    ev.b.date = "2021-02-02T09:30:00+01:00";
    ev.b.place = "Visioconf\xc3\xa9rence";
    ev.b.room = "https://meet.jit.si/concerto-ccr";
    ev.b.lang = "fr";
    ev.b.commission = "ccr-hdf";
    ev.b.commission_name = "CCR";
    char *s = proto_event_body(&ev);
    assert_non_null(s);
    /* compact: no whitespace outside strings */
    assert_null(strstr(s, "\": "));
    assert_null(strstr(s, ", \""));
    /* "/" and non-ASCII are written as they are */
    assert_non_null(strstr(s, "\"room\":\"https://meet.jit.si/concerto-ccr\""));
    assert_non_null(strstr(s, "\"title\":\"Bilan 2020 / feuille de route\""));
    assert_non_null(strstr(s, "\"place\":\"Visioconf\xc3\xa9rence\""));
    /* keys in byte order */
    const char *keys[] = {"\"date\":", "\"lang\":", "\"place\":", "\"room\":", "\"title\":"};
    const char *prev = s;
    for (size_t i = 0; i < 5; i++) {
        const char *at = strstr(s, keys[i]);
        assert_non_null(at);
        assert_true(at > prev || (i == 0 && at >= prev));
        prev = at;
    }
    assert_int_equal(s[0], '{');
    assert_int_equal(s[strlen(s) - 1], '}');
    free(s);
}

/* Every event type, every field filled with random text, numbers, lists:
 * the body written by proto_event_body() is exactly what jansson writes for
 * the same value with JSON_COMPACT | JSON_SORT_KEYS (the canonical form of
 * PROTOCOL.md 5.2), and reads back to the same body. */
static const char *const pieces[] = {
    "a", "Z9", " ", "\xc3\xa9", "\xf0\x9f\x8f\xa0", "\xe2\x80\xa8", "\"", "\\", "/", "\n", "\t",
    "\r", "\b", "\f", "\x01", "\x1f", "\x7f", "{", "}", ",", ":", "[", "]", "\\u0041", "",
};

static uint32_t rng_state = 12345;

static uint32_t
rnd(void)
{
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 17;
    rng_state ^= rng_state << 5;
    return rng_state;
}

static char *
random_text(void)
{
    char buf[256] = "";
    size_t n = rnd() % 9;
    for (size_t i = 0; i < n; i++) {
        strcat(buf, pieces[rnd() % (sizeof(pieces) / sizeof(pieces[0]))]);
    }
    char *t = malloc(strlen(buf) + 1);
    assert_non_null(t);
    return strcpy(t, buf);
}

static void
random_strlist(struct strlist *l)
{
    l->n = rnd() % 4;
    l->v = calloc(l->n ? l->n : 1, sizeof(char *));
    for (size_t i = 0; i < l->n; i++) {
        l->v[i] = random_text();
    }
}

static void
random_intlist(struct intlist *l)
{
    l->n = rnd() % 4;
    l->v = calloc(l->n ? l->n : 1, sizeof(int64_t));
    for (size_t i = 0; i < l->n; i++) {
        l->v[i] = (int64_t)rnd() * (int64_t)(rnd() % 100000);
    }
}

static void
random_body(struct body *b)
{
    char **strs[] = {&b->participant, &b->name, &b->college, &b->role, &b->title, &b->date,
                     &b->place, &b->room, &b->lang, &b->commission, &b->commission_name,
                     &b->token, &b->item, &b->description, &b->presenter, &b->kind, &b->parent,
                     &b->origin, &b->request, &b->status, &b->reason, &b->vote, &b->question,
                     &b->mode, &b->rule, &b->choice, &b->voter, &b->by, &b->from, &b->to,
                     &b->winner, &b->text, &b->entry};
    int64_t *ints[] = {&b->since, &b->duration, &b->position, &b->speaking_time,
                       &b->first_turn, &b->alternate, &b->quorum, &b->quorum_college,
                       &b->allowed, &b->spoken, &b->elapsed, &b->present, &b->required,
                       &b->grace, &b->share_num, &b->share_den, &b->deadline, &b->all,
                       &b->passed, &b->quorum_met, &b->voted, &b->entitled_n, &b->proxy_max,
                       &b->proxy_college, &b->proxy_quorum};
    struct strlist *lists[] = {&b->options, &b->entitled, &b->present_ids, &b->voters,
                               &b->bys, &b->colleges, &b->speakers, &b->receipts, &b->replaces};
    struct intlist *ilists[] = {&b->counts, &b->college_counts, &b->choices};
    for (size_t i = 0; i < sizeof(strs) / sizeof(strs[0]); i++) {
        *strs[i] = rnd() % 8 ? random_text() : NULL; /* NULL is written as "" */
    }
    for (size_t i = 0; i < sizeof(ints) / sizeof(ints[0]); i++) {
        *ints[i] = rnd() % 3 ? (int64_t)rnd() * (int64_t)(rnd() % 1000000) : rnd() % 2;
    }
    for (size_t i = 0; i < sizeof(lists) / sizeof(lists[0]); i++) {
        random_strlist(lists[i]);
    }
    for (size_t i = 0; i < sizeof(ilists) / sizeof(ilists[0]); i++) {
        random_intlist(ilists[i]);
    }
}

static void
test_canonical_bodies_are_what_jansson_writes_sorted_and_compact(void **state)
{
    (void)state;
    for (int round = 0; round < 300; round++) {
        for (int t = 0; t < EV_COUNT; t++) {
            struct event ev;
            memset(&ev, 0, sizeof(ev));
            ev.type = (enum ev_type)t;
            random_body(&ev.b);
            char *body = proto_event_body(&ev);
            assert_non_null(body);
            json_error_t jerr;
            json_t *v = json_loads(body, JSON_REJECT_DUPLICATES, &jerr);
            assert_non_null(v);
            char *again = json_dumps(v, JSON_COMPACT | JSON_SORT_KEYS);
            assert_string_equal(body, again);
            free(again);
            json_decref(v);
            free(body);
            event_clear(&ev);
        }
    }
}

static void
test_canonical_body_refuses_text_that_is_not_utf8(void **state)
{
    (void)state;
    static const char *const bad[] = {"\xc3", "a\xc3(", "\xed\xa0\x80", "\xc0\xaf",
                                      "\xe0\x80\xaf", "\xf4\x90\x80\x80", "\xff", "\x80"};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        json_t *j = json_string(bad[i]);
        assert_null(j); /* jansson refuses it too */
        struct event ev;
        memset(&ev, 0, sizeof(ev));
        ev.type = EV_PARTICIPANT_ADDED;
        ev.b.participant = "p1";
        ev.b.name = (char *)bad[i];
        ev.b.role = "member";
        assert_null(proto_event_body(&ev));
    }
}

/* ---- stored bodies and event messages ------------------------------------------------ */

static void
test_decode_event_body_reads_back_what_was_encoded(void **state)
{
    (void)state;
    struct event ev;
    memset(&ev, 0, sizeof(ev));
    ev.type = EV_PARTICIPANT_ADDED;
    ev.b.participant = "moreau";
    ev.b.name = "Jean \"Jeannot\" Moreau";
    ev.b.college = "locataires";
    ev.b.role = "member";
    char *body = proto_event_body(&ev);
    assert_non_null(body);

    struct event back;
    memset(&back, 0, sizeof(back));
    assert_int_equal(proto_decode_event_body(EV_PARTICIPANT_ADDED, body, strlen(body), &back), 0);
    assert_string_equal(back.b.participant, "moreau");
    assert_string_equal(back.b.name, "Jean \"Jeannot\" Moreau");
    assert_string_equal(back.b.college, "locataires");
    assert_string_equal(back.b.role, "member");
    back.type = EV_PARTICIPANT_ADDED;
    char *again = proto_event_body(&back);
    assert_string_equal(again, body);
    free(again);
    free(body);
    event_clear(&back);
}

static void
test_decode_event_body_refuses_what_the_table_does_not_allow(void **state)
{
    (void)state;
    struct event ev;
    memset(&ev, 0, sizeof(ev));
    const char *extra = "{\"participant\":\"dubois\",\"x\":1}";
    assert_int_equal(proto_decode_event_body(EV_PARTICIPANT_JOINED, extra, strlen(extra), &ev),
                     ERR_BAD_MESSAGE);
    assert_null(ev.b.participant);
    const char *missing = "{}";
    assert_int_equal(proto_decode_event_body(EV_PARTICIPANT_JOINED, missing, 2, &ev),
                     ERR_BAD_MESSAGE);
    const char *bad_id = "{\"participant\":\"Du Bois\"}";
    assert_int_equal(proto_decode_event_body(EV_PARTICIPANT_JOINED, bad_id, strlen(bad_id), &ev),
                     ERR_INVALID);
    assert_int_equal(proto_decode_event_body(EV_PARTICIPANT_JOINED, "{", 1, &ev), ERR_BAD_JSON);
    assert_int_equal(proto_decode_event_body(EV_PARTICIPANT_JOINED, "[]", 2, &ev), ERR_BAD_MESSAGE);
    assert_int_equal(proto_decode_event_body(EV_COUNT, "{}", 2, &ev), ERR_INVALID);
    assert_null(ev.b.participant);
}

static void
test_event_message_has_the_documented_shape(void **state)
{
    (void)state;
    const char *hash = "9f00000000000000000000000000000000000000000000000000000000000e1";
    char *s = proto_event_msg("ccr-2021-02", 43, NOW, "vasseur", "meeting.opened", "{}", hash);
    char want[512];
    snprintf(want, sizeof(want),
             "{\"type\":\"event\",\"event\":{\"meeting\":\"ccr-2021-02\",\"seq\":43,"
             "\"ts\":%lld,\"type\":\"meeting.opened\",\"actor\":\"vasseur\",\"body\":{},"
             "\"hash\":\"%s\"}}",
             (long long)NOW, hash);
    assert_string_equal(s, want);
    free(s);
}

static void
test_event_message_round_trips_through_a_json_parser(void **state)
{
    (void)state;
    struct event ev;
    memset(&ev, 0, sizeof(ev));
    ev.type = EV_PARTICIPANT_ADDED;
    ev.b.participant = "dubois";
    ev.b.name = "Claire \"C.\" Dubois / \xc3\xa9";
    ev.b.college = "bailleurs";
    ev.b.role = "member";
    char *body = proto_event_body(&ev);
    const char *hash = "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff";
    char *msg = proto_event_msg("m1", 2, NOW + 5, "admin", "participant.added", body, hash);
    json_t *v = parse(msg);
    assert_string_equal(jstr(v, "type"), "event");
    json_t *e = json_object_get(v, "event");
    assert_string_equal(jstr(e, "meeting"), "m1");
    assert_int_equal(jint(e, "seq"), 2);
    assert_int_equal(jint(e, "ts"), NOW + 5);
    assert_string_equal(jstr(e, "actor"), "admin");
    assert_string_equal(jstr(e, "type"), "participant.added");
    assert_string_equal(jstr(e, "hash"), hash);
    json_t *b = json_object_get(e, "body");
    assert_string_equal(jstr(b, "name"), "Claire \"C.\" Dubois / \xc3\xa9");
    /* the body inside the message is the canonical text, byte for byte */
    char *inner = json_dumps(b, JSON_COMPACT | JSON_SORT_KEYS);
    assert_string_equal(inner, body);
    assert_non_null(strstr(msg, body));
    free(inner);
    json_decref(v);
    free(msg);
    free(body);
}

/* ---- the snapshot and welcome -------------------------------------------------------- */

static struct meeting *
sample_meeting(void)
{
    struct meeting *m = meeting_new("ccr-2021-02");
    struct evlist ev = {0};
    assert_non_null(m);
    struct body b;
    memset(&b, 0, sizeof(b));
    b.title = "Bilan 2020";
    b.date = "2021-02-02T09:30:00+01:00";
    b.place = "Visioconf\xc3\xa9rence";
    b.room = "https://meet.jit.si/concerto-ccr-2021-02";
    b.lang = "fr";
    b.commission = "ccr-hdf";
    b.commission_name = "CCR Hauts-de-France";
    assert_int_equal(meeting_create(m, &b, NOW, &ev), 0);
    static const char *const people[][4] = {
        {"vasseur", "H\xc3\xa9l\xc3\xa8ne Vasseur", "", "chair"},
        {"dubois", "Claire Dubois", "bailleurs", "member"},
        {"lefebvre", "Marc Lefebvre", "bailleurs", "member"},
        {"moreau", "Jean Moreau", "locataires", "member"},
        {"petit", "Anne Petit", "", "observer"},
    };
    for (size_t i = 0; i < 5; i++) {
        struct body p;
        memset(&p, 0, sizeof(p));
        p.participant = (char *)people[i][0];
        p.name = (char *)people[i][1];
        p.college = (char *)people[i][2];
        p.role = (char *)people[i][3];
        assert_int_equal(meeting_add_participant(m, &p, NOW, &ev), 0);
    }
    assert_int_equal(meeting_join(m, "vasseur", NOW + 1, &ev), 0);
    assert_int_equal(meeting_join(m, "dubois", NOW + 2, &ev), 0);
    assert_int_equal(meeting_join(m, "moreau", NOW + 3, &ev), 0);
    assert_int_equal(meeting_join(m, "petit", NOW + 4, &ev), 0);
    struct cmd c;
    memset(&c, 0, sizeof(c));
    c.type = CMD_MEETING_OPEN;
    strcpy(c.key, "k");
    assert_int_equal(meeting_handle(m, &c, "vasseur", NOW + 10, &ev), 0);
    evlist_clear(&ev);
    return m;
}

static void
test_snapshot_carries_meeting_participants_attendance_seq_and_head(void **state)
{
    (void)state;
    struct meeting *m = sample_meeting();
    const char *head = "ab00000000000000000000000000000000000000000000000000000000000cd";
    char *s = proto_snapshot(m, head);
    json_t *v = parse(s);

    json_t *mt = json_object_get(v, "meeting");
    assert_string_equal(jstr(mt, "id"), "ccr-2021-02");
    assert_string_equal(jstr(mt, "title"), "Bilan 2020");
    assert_string_equal(jstr(mt, "date"), "2021-02-02T09:30:00+01:00");
    assert_string_equal(jstr(mt, "place"), "Visioconf\xc3\xa9rence");
    assert_string_equal(jstr(mt, "room"), "https://meet.jit.si/concerto-ccr-2021-02");
    assert_string_equal(jstr(mt, "lang"), "fr");
    assert_string_equal(jstr(mt, "state"), "open");
    assert_int_equal(jint(mt, "opened_at"), NOW + 10);
    assert_int_equal(jint(mt, "closed_at"), 0);
    json_t *cm = json_object_get(mt, "commission");
    assert_string_equal(jstr(cm, "id"), "ccr-hdf");
    assert_string_equal(jstr(cm, "name"), "CCR Hauts-de-France");

    json_t *ps = json_object_get(v, "participants");
    assert_true(json_is_array(ps));
    assert_int_equal(json_array_size(ps), 5);
    static const char *const ids[] = {"vasseur", "dubois", "lefebvre", "moreau", "petit"};
    static const int present[] = {1, 1, 0, 1, 1};
    for (size_t i = 0; i < 5; i++) {
        json_t *p = json_array_get(ps, i);
        assert_string_equal(jstr(p, "id"), ids[i]);
        assert_true(json_is_boolean(json_object_get(p, "present")));
        assert_int_equal(json_is_true(json_object_get(p, "present")), present[i]);
    }
    json_t *p0 = json_array_get(ps, 0);
    assert_string_equal(jstr(p0, "name"), "H\xc3\xa9l\xc3\xa8ne Vasseur");
    assert_string_equal(jstr(p0, "college"), "");
    assert_string_equal(jstr(p0, "role"), "chair");
    assert_string_equal(jstr(json_array_get(ps, 1), "college"), "bailleurs");
    assert_string_equal(jstr(json_array_get(ps, 1), "role"), "member");

    /* attendance counts members only: 2 of 3 here */
    json_t *at = json_object_get(v, "attendance");
    assert_int_equal(jint(at, "present"), 2);
    assert_int_equal(jint(at, "total"), 3);
    json_t *cols = json_object_get(at, "colleges");
    assert_int_equal(jint(json_object_get(cols, "bailleurs"), "present"), 1);
    assert_int_equal(jint(json_object_get(cols, "bailleurs"), "total"), 2);
    assert_int_equal(jint(json_object_get(cols, "locataires"), "present"), 1);
    assert_int_equal(jint(json_object_get(cols, "locataires"), "total"), 1);

    assert_int_equal(jint(v, "seq"), (json_int_t)m->seq);
    assert_string_equal(jstr(v, "head"), head);
    json_decref(v);
    free(s);
    meeting_free(m);
}

static void
test_welcome_in_resume_mode_has_no_snapshot(void **state)
{
    (void)state;
    struct meeting *m = sample_meeting();
    const struct participant *you = meeting_participant(m, "dubois");
    char *s = proto_welcome("1", m, you, NULL, 9, NOW + 99, NULL);
    json_t *v = parse(s);
    assert_string_equal(jstr(v, "type"), "welcome");
    assert_int_equal(jint(v, "id"), 1);
    json_t *b = json_object_get(v, "body");
    assert_string_equal(jstr(b, "mode"), "resume");
    assert_int_equal(jint(b, "seq"), 9);
    assert_int_equal(jint(b, "now"), NOW + 99);
    assert_null(json_object_get(b, "snapshot"));
    json_t *y = json_object_get(b, "you");
    assert_string_equal(jstr(y, "participant"), "dubois");
    assert_string_equal(jstr(y, "name"), "Claire Dubois");
    assert_string_equal(jstr(y, "college"), "bailleurs");
    assert_string_equal(jstr(y, "role"), "member");
    /* no language of the participant's own: the meeting's */
    assert_string_equal(jstr(y, "lang"), m->lang ? m->lang : "fr");
    json_decref(v);
    free(s);
    s = proto_welcome("1", m, you, "en", 9, NOW + 99, NULL);
    v = parse(s);
    assert_string_equal(jstr(json_object_get(json_object_get(v, "body"), "you"), "lang"), "en");
    json_decref(v);
    free(s);
    meeting_free(m);
}

static void
test_welcome_in_snapshot_mode_embeds_the_snapshot_object(void **state)
{
    (void)state;
    struct meeting *m = sample_meeting();
    char *snap = proto_snapshot(m, "00");
    char *s = proto_welcome("\"w\"", m, meeting_participant(m, "vasseur"), NULL, m->seq, NOW, snap);
    json_t *v = parse(s);
    assert_string_equal(jstr(v, "id"), "w");
    json_t *b = json_object_get(v, "body");
    assert_string_equal(jstr(b, "mode"), "snapshot");
    assert_int_equal(jint(b, "seq"), (json_int_t)m->seq);
    json_t *sn = json_object_get(b, "snapshot");
    assert_true(json_is_object(sn));
    assert_string_equal(jstr(json_object_get(sn, "meeting"), "state"), "open");
    assert_int_equal(jint(sn, "seq"), (json_int_t)m->seq);
    assert_string_equal(jstr(json_object_get(b, "you"), "role"), "chair");
    json_decref(v);
    free(s);
    /* the participant's language in the head, the snapshot spliced as is */
    s = proto_welcome("\"w\"", m, meeting_participant(m, "vasseur"), "en", m->seq, NOW, snap);
    v = parse(s);
    b = json_object_get(v, "body");
    assert_string_equal(jstr(json_object_get(b, "you"), "lang"), "en");
    assert_true(json_is_object(json_object_get(b, "snapshot")));
    json_decref(v);
    free(s);
    free(snap);
    meeting_free(m);
}

/* ---- HTTP API bodies ----------------------------------------------------------------- */

static int
api_commission(const char *text, struct api_commission *c)
{
    return proto_api_commission(text, strlen(text), c);
}

static void
test_api_commission_reads_name_and_colleges(void **state)
{
    (void)state;
    struct api_commission c;
    assert_int_equal(api_commission("{\"name\":\"CCR Hauts-de-France\",\"colleges\":[\"bailleurs\","
                                    "\"locataires\"]}",
                                    &c),
                     0);
    assert_string_equal(c.name, "CCR Hauts-de-France");
    assert_int_equal(c.ncolleges, 2);
    assert_string_equal(c.colleges[0], "bailleurs");
    assert_string_equal(c.colleges[1], "locataires");
    proto_api_commission_clear(&c);
    assert_null(c.name);
    assert_null(c.colleges);
}

static void
test_api_commission_refuses_malformed_bodies_and_leaves_nothing(void **state)
{
    (void)state;
    static const struct {
        const char *text;
        int code;
    } cases[] = {
        {"{\"name\":\"C\"}", ERR_BAD_MESSAGE},
        {"{\"colleges\":[\"a\"]}", ERR_BAD_MESSAGE},
        {"{\"name\":\"\",\"colleges\":[\"a\"]}", ERR_INVALID},
        {"{\"name\":\"C\",\"colleges\":\"a\"}", ERR_BAD_MESSAGE},
        {"{\"name\":\"C\",\"colleges\":[\"a\",42]}", ERR_BAD_MESSAGE},
        {"{\"name\":\"C\",\"colleges\":[\"ok\",\"Not Ok\"]}", ERR_INVALID},
        {"{\"name\":\"C\",\"colleges\":[\"a\"],\"admin\":true}", ERR_BAD_MESSAGE},
        {"{\"name\":42,\"colleges\":[\"a\"]}", ERR_BAD_MESSAGE},
        {"{\"name\":\"a\\u0001\",\"colleges\":[\"a\"]}", ERR_INVALID},
        {"{\"name\":\"C\",\"colleges\":[\"a\",\"b\",\"c\",\"d\",\"e\",\"f\",\"g\",\"h\",\"i\","
         "\"j\",\"k\",\"l\",\"m\",\"n\",\"o\",\"p\",\"q\"]}",
         ERR_TOO_LARGE},
        {"[\"C\"]", ERR_BAD_MESSAGE},
        {"{\"name\":", ERR_BAD_JSON},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct api_commission c;
        int rc = api_commission(cases[i].text, &c);
        if (rc != cases[i].code) {
            fail_msg("%s: got %s, expected %s", cases[i].text, err_str(rc), err_str(cases[i].code));
        }
        assert_null(c.name);
        assert_null(c.colleges);
        assert_int_equal(c.ncolleges, 0);
    }
}

static void
test_api_bodies_over_one_mebibyte_are_too_large(void **state)
{
    (void)state;
    size_t n = (1u << 20) + 1;
    char *buf = repeat(' ', n);
    buf[0] = '{';
    buf[n - 1] = '}';
    struct api_commission c;
    assert_int_equal(proto_api_commission(buf, n, &c), ERR_TOO_LARGE);
    struct api_meeting m;
    assert_int_equal(proto_api_meeting(buf, n, &m), ERR_TOO_LARGE);
    free(buf);
}

static void
test_api_member_takes_an_optional_college(void **state)
{
    (void)state;
    struct api_member mb;
    const char *t = "{\"name\":\"Claire Dubois\",\"college\":\"bailleurs\",\"role\":\"member\"}";
    assert_int_equal(proto_api_member(t, strlen(t), true, &mb), 0);
    assert_string_equal(mb.name, "Claire Dubois");
    assert_string_equal(mb.college, "bailleurs");
    assert_string_equal(mb.role, "member");
    proto_api_member_clear(&mb);
    t = "{\"name\":\"Anne Petit\",\"role\":\"observer\"}";
    assert_int_equal(proto_api_member(t, strlen(t), true, &mb), 0);
    assert_null(mb.college);
    proto_api_member_clear(&mb);
    t = "{\"name\":\"Anne Petit\",\"college\":\"\",\"role\":\"observer\"}";
    assert_int_equal(proto_api_member(t, strlen(t), true, &mb), 0);
    assert_string_equal(mb.college, "");
    proto_api_member_clear(&mb);
    t = "{\"name\":\"Anne Petit\"}";
    assert_int_equal(proto_api_member(t, strlen(t), true, &mb), ERR_BAD_MESSAGE);
    assert_null(mb.name);
    /* role and college are words as the secretariat types them: the hub
     * reads them as the roster does (roster.c); here they are only text */
    t = "{\"name\":\"Anne Petit\",\"role\":\"Observatrice\",\"college\":\"Les Bailleurs\"}";
    assert_int_equal(proto_api_member(t, strlen(t), true, &mb), 0);
    assert_string_equal(mb.role, "Observatrice");
    assert_string_equal(mb.college, "Les Bailleurs");
    proto_api_member_clear(&mb);
    t = "{\"name\":\"Anne Petit\",\"role\":\"observer\\u0007\"}";
    assert_int_equal(proto_api_member(t, strlen(t), true, &mb), ERR_INVALID);
    assert_null(mb.name);
    t = "{\"name\":\"Anne Petit\",\"role\":\"observatrice du collège\"}";
    assert_int_equal(proto_api_member(t, strlen(t), true, &mb), ERR_TOO_LARGE);
    assert_null(mb.name);
    /* the language too is a word read by the hub (roster_lang); absent: NULL */
    t = "{\"name\":\"Anne Petit\",\"role\":\"observer\",\"lang\":\"Anglais\"}";
    assert_int_equal(proto_api_member(t, strlen(t), true, &mb), 0);
    assert_string_equal(mb.lang, "Anglais");
    proto_api_member_clear(&mb);
    t = "{\"name\":\"Anne Petit\",\"role\":\"observer\"}";
    assert_int_equal(proto_api_member(t, strlen(t), true, &mb), 0);
    assert_null(mb.lang);
    proto_api_member_clear(&mb);
    t = "{\"name\":\"Anne Petit\",\"role\":\"observer\",\"lang\":2}";
    assert_int_equal(proto_api_member(t, strlen(t), true, &mb), ERR_BAD_MESSAGE);
}

static void
test_api_member_edit_takes_any_field(void **state)
{
    (void)state;
    struct api_member mb;
    const char *t = "{\"email\":\"a@b.fr\"}";
    assert_int_equal(proto_api_member(t, strlen(t), false, &mb), 0);
    assert_null(mb.name);
    assert_null(mb.role);
    assert_string_equal(mb.email, "a@b.fr");
    proto_api_member_clear(&mb);
    t = "{}";
    assert_int_equal(proto_api_member(t, strlen(t), false, &mb), 0);
    proto_api_member_clear(&mb);
    t = "{\"lead\":\"x\"}";
    assert_int_equal(proto_api_member(t, strlen(t), false, &mb), ERR_BAD_MESSAGE);
    t = "{\"name\":3}";
    assert_int_equal(proto_api_member(t, strlen(t), false, &mb), ERR_BAD_MESSAGE);
}

static void
test_api_meeting_requires_commission_and_title(void **state)
{
    (void)state;
    struct api_meeting m;
    const char *t = "{\"commission\":\"ccr-hdf\",\"title\":\"Bilan\",\"date\":\"2021-02-02\","
                    "\"place\":\"Lille\",\"room\":\"https://x/y\",\"lang\":\"en\"}";
    assert_int_equal(proto_api_meeting(t, strlen(t), &m), 0);
    assert_string_equal(m.commission, "ccr-hdf");
    assert_string_equal(m.title, "Bilan");
    assert_string_equal(m.date, "2021-02-02");
    assert_string_equal(m.place, "Lille");
    assert_string_equal(m.room, "https://x/y");
    assert_string_equal(m.lang, "en");
    proto_api_meeting_clear(&m);
    t = "{\"commission\":\"ccr-hdf\",\"title\":\"Bilan\"}";
    assert_int_equal(proto_api_meeting(t, strlen(t), &m), 0);
    assert_null(m.date);
    assert_null(m.lang);
    proto_api_meeting_clear(&m);
    t = "{\"title\":\"Bilan\"}";
    assert_int_equal(proto_api_meeting(t, strlen(t), &m), ERR_BAD_MESSAGE);
    t = "{\"commission\":\"ccr-hdf\"}";
    assert_int_equal(proto_api_meeting(t, strlen(t), &m), ERR_BAD_MESSAGE);
    t = "{\"commission\":\"CCR HDF\",\"title\":\"Bilan\"}";
    assert_int_equal(proto_api_meeting(t, strlen(t), &m), ERR_INVALID);
    t = "{\"commission\":\"ccr-hdf\",\"title\":\"Bilan\",\"state\":\"open\"}";
    assert_int_equal(proto_api_meeting(t, strlen(t), &m), ERR_BAD_MESSAGE);
    assert_null(m.commission);
    assert_null(m.title);
}

static void
test_api_invite_reads_a_list_or_nothing_for_everyone(void **state)
{
    (void)state;
    struct api_invite in;
    assert_int_equal(proto_api_invite("{}", 2, &in), 0);
    assert_int_equal(in.n, 0);
    assert_null(in.participants);
    proto_api_invite_clear(&in);
    const char *t = "{\"participants\":[\"dubois\",\"moreau\"]}";
    assert_int_equal(proto_api_invite(t, strlen(t), &in), 0);
    assert_int_equal(in.n, 2);
    assert_string_equal(in.participants[0], "dubois");
    assert_string_equal(in.participants[1], "moreau");
    proto_api_invite_clear(&in);
    assert_null(in.participants);
    t = "{\"participants\":[\"dubois\",7]}";
    assert_int_equal(proto_api_invite(t, strlen(t), &in), ERR_BAD_MESSAGE);
    assert_int_equal(in.n, 0);
    t = "{\"participants\":[\"dubois\",\"../etc\"]}";
    assert_int_equal(proto_api_invite(t, strlen(t), &in), ERR_INVALID);
    t = "{\"participants\":\"dubois\"}";
    assert_int_equal(proto_api_invite(t, strlen(t), &in), ERR_BAD_MESSAGE);
    t = "{\"everyone\":true}";
    assert_int_equal(proto_api_invite(t, strlen(t), &in), ERR_BAD_MESSAGE);
    assert_null(in.participants);
}

/* ---- pj: the JSON builder ------------------------------------------------------------ */

static void
test_pj_builds_objects_and_arrays_in_insertion_order(void **state)
{
    (void)state;
    struct pj *o = pj_object();
    assert_int_equal(pj_set_str(o, "id", "k3m9"), 0);
    assert_int_equal(pj_set_int(o, "n", -42), 0);
    assert_int_equal(pj_set_bool(o, "ok", true), 0);
    assert_int_equal(pj_set_str(o, "none", NULL), 0);
    struct pj *a = pj_array();
    assert_int_equal(pj_push_str(a, "b\xc3\xa9"), 0);
    struct pj *inner = pj_object();
    pj_set_int(inner, "x", 1);
    assert_int_equal(pj_push(a, inner), 0);
    assert_int_equal(pj_set(o, "list", a), 0);
    char *s = pj_dump(o);
    assert_string_equal(
        s,
        "{\"id\":\"k3m9\",\"n\":-42,\"ok\":true,\"none\":\"\",\"list\":[\"b\xc3\xa9\",{\"x\":1}]}");
    free(s);
    pj_free(o);
    pj_free(NULL);
}

static void
test_pj_parse_reads_any_json_value_and_refuses_garbage(void **state)
{
    (void)state;
    struct pj *v = pj_parse("[1, \"a\", {\"b\": null}]");
    char *s = pj_dump(v);
    assert_string_equal(s, "[1,\"a\",{\"b\":null}]");
    free(s);
    pj_free(v);
    v = pj_parse("42");
    s = pj_dump(v);
    assert_string_equal(s, "42");
    free(s);
    pj_free(v);
    assert_null(pj_parse("{"));
    assert_null(pj_parse(""));
}

static void
test_pj_a_failed_child_poisons_the_dump(void **state)
{
    (void)state;
    struct pj *o = pj_object();
    pj_set_str(o, "a", "1");
    assert_int_equal(pj_set(o, "child", NULL), ERR_NOMEM);
    assert_null(pj_dump(o));
    pj_free(o);

    struct pj *a = pj_array();
    pj_push_str(a, "x");
    assert_int_equal(pj_push(a, NULL), ERR_NOMEM);
    assert_null(pj_dump(a));
    pj_free(a);

    /* poison deep inside is found too */
    o = pj_object();
    a = pj_array();
    pj_push(a, NULL);
    pj_set(o, "list", a);
    assert_null(pj_dump(o));
    pj_free(o);

    assert_null(pj_dump(NULL));
    assert_int_equal(pj_set_str(NULL, "a", "b"), ERR_NOMEM);
}

static void
test_pj_set_on_an_array_is_refused_and_frees_the_child(void **state)
{
    (void)state;
    struct pj *a = pj_array();
    assert_int_equal(pj_set(a, "k", pj_object()), ERR_INTERNAL);
    char *s = pj_dump(a);
    assert_string_equal(s, "[]");
    free(s);
    pj_free(a);
}

static void
test_chain_preimage_is_five_lines_then_the_body(void **state)
{
    (void)state;
    size_t len = 0;
    const char *body = "{\"a\":1}";
    char *p = proto_chain_preimage("m1", 42, -7, "alice", "vote.cast", body, strlen(body), &len);
    assert_non_null(p);
    const char *want = "m1\n42\n-7\nalice\nvote.cast\n{\"a\":1}";
    assert_int_equal(len, strlen(want));
    assert_memory_equal(p, want, len);
    free(p);
    p = proto_chain_preimage("m", (uint64_t)INT64_MAX, INT64_MIN, "", "t", "", 0, &len);
    assert_non_null(p);
    want = "m\n9223372036854775807\n-9223372036854775808\n\nt\n";
    assert_int_equal(len, strlen(want));
    assert_memory_equal(p, want, len);
    free(p);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_event_names_round_trip),
        cmocka_unit_test(test_command_names_are_the_protocol_ones),
        cmocka_unit_test(test_decode_reads_type_id_key_and_empty_body),
        cmocka_unit_test(test_decode_accepts_a_missing_body_and_any_field_order),
        cmocka_unit_test(test_decode_of_ping_needs_neither_id_nor_key),
        cmocka_unit_test(test_decode_of_hello_reads_token_and_since),
        cmocka_unit_test(test_decode_keeps_a_negative_or_string_id_as_raw_json),
        cmocka_unit_test(test_decode_accepts_a_key_of_64_printable_characters),
        cmocka_unit_test(test_decode_accepts_a_message_of_exactly_the_size_limit),
        cmocka_unit_test(test_decode_refuses_invalid_json_with_bad_json),
        cmocka_unit_test(test_decode_refuses_a_message_that_is_not_an_object),
        cmocka_unit_test(test_decode_refuses_a_type_that_is_not_a_string),
        cmocka_unit_test(test_decode_refuses_an_unknown_type),
        cmocka_unit_test(test_decode_refuses_an_id_of_the_wrong_type),
        cmocka_unit_test(test_decode_refuses_a_string_id_over_64_bytes_or_with_control_characters),
        cmocka_unit_test(test_decode_refuses_a_key_or_body_of_the_wrong_type),
        cmocka_unit_test(test_decode_refuses_unknown_fields_in_the_envelope_and_the_body),
        cmocka_unit_test(test_decode_refuses_a_mutating_command_without_key),
        cmocka_unit_test(test_decode_refuses_a_missing_token_in_hello),
        cmocka_unit_test(test_decode_refuses_an_empty_long_or_unprintable_key),
        cmocka_unit_test(test_decode_refuses_control_characters_in_strings),
        cmocka_unit_test(test_decode_refuses_an_embedded_nul),
        cmocka_unit_test(test_decode_refuses_an_oversize_message_before_parsing_it),
        cmocka_unit_test(test_decode_refuses_an_overlong_token_or_a_negative_since),
        cmocka_unit_test(test_decode_echoes_a_usable_id_on_errors),
        cmocka_unit_test(test_an_error_reply_echoes_the_id_exactly),
        cmocka_unit_test(test_a_string_id_full_of_escapes_is_echoed_whole_or_refused),
        cmocka_unit_test(test_ok_replies_are_compact_with_seq_and_replayed),
        cmocka_unit_test(test_pong_carries_the_server_clock),
        cmocka_unit_test(test_http_errors_carry_code_and_message),
        cmocka_unit_test(test_quote_escapes_only_what_json_requires),
        cmocka_unit_test(test_check_text_limits_length_and_control_characters),
        cmocka_unit_test(test_participant_added_body_is_canonical),
        cmocka_unit_test(test_canonical_body_escapes_only_quote_backslash_and_controls),
        cmocka_unit_test(test_canonical_body_writes_missing_strings_as_empty),
        cmocka_unit_test(test_bodies_without_fields_are_an_empty_object),
        cmocka_unit_test(test_meeting_created_body_has_sorted_keys_and_unescaped_text),
        cmocka_unit_test(test_canonical_bodies_are_what_jansson_writes_sorted_and_compact),
        cmocka_unit_test(test_canonical_body_refuses_text_that_is_not_utf8),
        cmocka_unit_test(test_decode_event_body_reads_back_what_was_encoded),
        cmocka_unit_test(test_decode_event_body_refuses_what_the_table_does_not_allow),
        cmocka_unit_test(test_event_message_has_the_documented_shape),
        cmocka_unit_test(test_event_message_round_trips_through_a_json_parser),
        cmocka_unit_test(test_snapshot_carries_meeting_participants_attendance_seq_and_head),
        cmocka_unit_test(test_welcome_in_resume_mode_has_no_snapshot),
        cmocka_unit_test(test_welcome_in_snapshot_mode_embeds_the_snapshot_object),
        cmocka_unit_test(test_api_commission_reads_name_and_colleges),
        cmocka_unit_test(test_api_commission_refuses_malformed_bodies_and_leaves_nothing),
        cmocka_unit_test(test_api_bodies_over_one_mebibyte_are_too_large),
        cmocka_unit_test(test_api_member_takes_an_optional_college),
        cmocka_unit_test(test_api_member_edit_takes_any_field),
        cmocka_unit_test(test_api_meeting_requires_commission_and_title),
        cmocka_unit_test(test_api_invite_reads_a_list_or_nothing_for_everyone),
        cmocka_unit_test(test_pj_builds_objects_and_arrays_in_insertion_order),
        cmocka_unit_test(test_pj_parse_reads_any_json_value_and_refuses_garbage),
        cmocka_unit_test(test_pj_a_failed_child_poisons_the_dump),
        cmocka_unit_test(test_pj_set_on_an_array_is_refused_and_frees_the_child),
        cmocka_unit_test(test_chain_preimage_is_five_lines_then_the_body),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
