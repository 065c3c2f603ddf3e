/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * test_permissions.c - the permission matrix of proto/permissions.md against
 * the server, in both directions, so that neither can drift from the other.
 *
 * The document is read as it is in the repository (CONCERTO_SOURCE_DIR):
 * its command table gives, per command, `yes` or `-` for each role, in the
 * column order of its header. Every cell must equal perm_allowed(), every
 * command of the table must be a command of the code (names from
 * proto_cmd_name()) and every command of the code must have exactly one
 * row. Then meeting_handle() itself is asked, cell by cell, on a fresh
 * meeting: `-` must give `forbidden`, `yes` anything else. Last, the tables
 * of PROTOCOL.md section 6 must list the same commands, and where their
 * "allowed to" column is a plain list of roles, the same roles.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/event.h"
#include "core/meeting.h"
#include "err.h"
#include "proto/proto.h"

#define NOW 1612254600000LL
#define MAX_ROWS 200
#define MAX_COLS 8

static const enum role ws_roles[] = {ROLE_CHAIR, ROLE_SECRETARY, ROLE_MEMBER, ROLE_OBSERVER};
#define NROLES (sizeof(ws_roles) / sizeof(ws_roles[0]))

struct row {
    char name[64];
    int line;
    bool allowed[ROLE_COUNT];
    bool seen[ROLE_COUNT];
};

struct table {
    struct row rows[MAX_ROWS];
    size_t n;
};

/* The whole of `path` (new), NUL-terminated. */
static char *
slurp(const char *path)
{
    FILE *fp = fopen(path, "rb");
    if (!fp) {
        print_error("cannot open %s\n", path);
        fail();
    }
    char *buf = NULL;
    size_t len = 0, cap = 0;
    for (;;) {
        if (len + 4096 + 1 > cap) {
            cap = cap ? cap * 2 : 65536;
            buf = realloc(buf, cap);
            assert_non_null(buf);
        }
        size_t n = fread(buf + len, 1, 4096, fp);
        len += n;
        if (n == 0) {
            break;
        }
    }
    fclose(fp);
    buf[len] = 0;
    return buf;
}

/* The next line of *p (NUL-terminated in place), or NULL at the end. */
static char *
next_line(char **p)
{
    char *line = *p;
    if (!line || !*line) {
        return NULL;
    }
    char *nl = strchr(line, '\n');
    if (nl) {
        *nl = 0;
        *p = nl + 1;
    } else {
        *p = line + strlen(line);
    }
    return line;
}

/* Split a Markdown table line "| a | b |" into trimmed cells (in place). */
static size_t
cells(char *line, char **out, size_t max)
{
    size_t n = 0;
    char *p = line;
    if (*p != '|') {
        return 0;
    }
    p++;
    while (*p && n < max) {
        char *end = strchr(p, '|');
        if (!end) {
            break;
        }
        *end = 0;
        while (*p == ' ') {
            p++;
        }
        char *q = end;
        while (q > p && q[-1] == ' ') {
            *--q = 0;
        }
        out[n++] = p;
        p = end + 1;
    }
    return n;
}

/* The code's command named `name`, or -1. */
static int
cmd_by_name(const char *name)
{
    for (int t = 0; t < CMD_COUNT; t++) {
        if (strcmp(proto_cmd_name((enum cmd_type)t), name) == 0) {
            return t;
        }
    }
    return -1;
}

/* "`x.y`" -> "x.y" into out; false when the cell is not one code span. */
static bool
code_span(const char *cell, char *out, size_t outlen)
{
    size_t n = strlen(cell);
    if (n < 3 || cell[0] != '`' || cell[n - 1] != '`' || n - 2 >= outlen ||
        memchr(cell + 1, '`', n - 2)) {
        return false;
    }
    memcpy(out, cell + 1, n - 2);
    out[n - 2] = 0;
    return true;
}

/* Read the command table of permissions.md: the first table whose header
 * starts with "command". */
static void
read_matrix(struct table *t)
{
    char *doc = slurp(CONCERTO_SOURCE_DIR "/proto/permissions.md");
    enum role col_role[MAX_COLS];
    size_t ncols = 0;
    bool in_table = false, done = false;
    int lineno = 0;
    memset(t, 0, sizeof(*t));
    char *cursor = doc;
    for (char *line = next_line(&cursor); line && !done; line = next_line(&cursor)) {
        lineno++;
        char *c[MAX_COLS + 1];
        size_t n = cells(line, c, MAX_COLS + 1);
        if (!in_table) {
            if (n >= 2 && strcmp(c[0], "command") == 0) {
                in_table = true;
                ncols = n;
                assert_true(ncols - 1 == NROLES);
                for (size_t k = 1; k < n; k++) {
                    col_role[k] = role_parse(c[k]);
                    if (col_role[k] == ROLE_NONE || col_role[k] == ROLE_ADMIN) {
                        print_error("permissions.md:%d: column '%s' is not a WebSocket role\n",
                                    lineno, c[k]);
                        fail();
                    }
                    for (size_t j = 1; j < k; j++) {
                        assert_true(col_role[j] != col_role[k]);
                    }
                }
            }
            continue;
        }
        if (n == 0) {
            done = true; /* the table ends at the first line that is not a row */
            continue;
        }
        if (strncmp(c[0], "---", 3) == 0) {
            continue;
        }
        if (n != ncols) {
            print_error("permissions.md:%d: %zu cells, the header has %zu\n", lineno, n, ncols);
            fail();
        }
        assert_true(t->n < MAX_ROWS);
        struct row *r = &t->rows[t->n++];
        r->line = lineno;
        if (!code_span(c[0], r->name, sizeof(r->name))) {
            print_error("permissions.md:%d: '%s' is not a `command`\n", lineno, c[0]);
            fail();
        }
        for (size_t k = 1; k < n; k++) {
            if (strcmp(c[k], "yes") != 0 && strcmp(c[k], "-") != 0) {
                print_error("permissions.md:%d: cell '%s' is neither yes nor -\n", lineno, c[k]);
                fail();
            }
            r->allowed[col_role[k]] = strcmp(c[k], "yes") == 0;
            r->seen[col_role[k]] = true;
        }
    }
    free(doc);
    if (!in_table || t->n == 0) {
        print_error("permissions.md: no command table found\n");
        fail();
    }
}

static void
test_the_document_has_a_command_table_with_one_column_per_role(void **state)
{
    (void)state;
    static struct table t;
    read_matrix(&t);
    for (size_t i = 0; i < t.n; i++) {
        for (size_t k = 0; k < NROLES; k++) {
            assert_true(t.rows[i].seen[ws_roles[k]]);
        }
    }
}

static void
test_every_command_of_the_document_exists_in_the_code_once(void **state)
{
    (void)state;
    static struct table t;
    read_matrix(&t);
    int failures = 0;
    for (size_t i = 0; i < t.n; i++) {
        if (cmd_by_name(t.rows[i].name) < 0) {
            print_error("permissions.md:%d: `%s` is not a command of the server\n", t.rows[i].line,
                        t.rows[i].name);
            failures++;
        }
        for (size_t j = 0; j < i; j++) {
            if (strcmp(t.rows[i].name, t.rows[j].name) == 0) {
                print_error("permissions.md:%d: `%s` again (first at line %d)\n", t.rows[i].line,
                            t.rows[i].name, t.rows[j].line);
                failures++;
            }
        }
    }
    assert_int_equal(failures, 0);
}

static void
test_every_command_of_the_code_is_in_the_document(void **state)
{
    (void)state;
    static struct table t;
    read_matrix(&t);
    int failures = 0;
    for (int c = 0; c < CMD_COUNT; c++) {
        const char *name = proto_cmd_name((enum cmd_type)c);
        bool found = false;
        for (size_t i = 0; i < t.n && !found; i++) {
            found = strcmp(t.rows[i].name, name) == 0;
        }
        if (!found) {
            print_error("command `%s` of the server has no row in permissions.md\n", name);
            failures++;
        }
    }
    assert_int_equal(failures, 0);
    assert_int_equal(t.n, CMD_COUNT);
}

static void
test_every_cell_equals_perm_allowed(void **state)
{
    (void)state;
    static struct table t;
    read_matrix(&t);
    int failures = 0;
    for (size_t i = 0; i < t.n; i++) {
        int c = cmd_by_name(t.rows[i].name);
        if (c < 0) {
            continue; /* reported by its own test */
        }
        for (size_t k = 0; k < NROLES; k++) {
            enum role r = ws_roles[k];
            bool code = perm_allowed(r, (enum cmd_type)c);
            if (code != t.rows[i].allowed[r]) {
                print_error("permissions.md:%d: `%s` for %s says %s, the server %s\n",
                            t.rows[i].line, t.rows[i].name, role_str(r),
                            t.rows[i].allowed[r] ? "yes" : "-", code ? "allows it" : "refuses it");
                failures++;
            }
        }
    }
    assert_int_equal(failures, 0);
}

static void
test_the_admin_and_unknown_roles_hold_no_websocket_right(void **state)
{
    (void)state;
    for (int c = 0; c < CMD_COUNT; c++) {
        assert_false(perm_allowed(ROLE_ADMIN, (enum cmd_type)c));
        assert_false(perm_allowed(ROLE_NONE, (enum cmd_type)c));
        assert_false(perm_allowed(ROLE_COUNT, (enum cmd_type)c));
    }
    assert_false(perm_allowed(ROLE_CHAIR, CMD_COUNT));
    assert_false(perm_allowed(ROLE_CHAIR, (enum cmd_type)-1));
}

/* A meeting with one participant of each role. */
static struct meeting *
fresh_meeting(void)
{
    static const struct {
        const char *id, *college, *role;
    } who[] = {
        {"chair", "", "chair"},
        {"secr", "", "secretary"},
        {"memb", "bailleurs", "member"},
        {"obs", "", "observer"},
    };
    struct meeting *m = meeting_new("perm");
    struct evlist ev = {0};
    struct body b;
    memset(&b, 0, sizeof(b));
    b.title = "Séance";
    b.commission = "ccr";
    assert_non_null(m);
    assert_int_equal(meeting_create(m, &b, NOW, &ev), 0);
    for (size_t i = 0; i < sizeof(who) / sizeof(who[0]); i++) {
        memset(&b, 0, sizeof(b));
        b.participant = (char *)who[i].id;
        b.name = (char *)who[i].id;
        b.college = (char *)who[i].college;
        b.role = (char *)who[i].role;
        assert_int_equal(meeting_add_participant(m, &b, NOW, &ev), 0);
    }
    evlist_clear(&ev);
    return m;
}

static const char *
actor_of(enum role r)
{
    switch (r) {
    case ROLE_CHAIR:
        return "chair";
    case ROLE_SECRETARY:
        return "secr";
    case ROLE_MEMBER:
        return "memb";
    default:
        return "obs";
    }
}

static void
test_meeting_handle_refuses_exactly_the_cells_marked_dash(void **state)
{
    (void)state;
    static struct table t;
    read_matrix(&t);
    int failures = 0;
    for (size_t i = 0; i < t.n; i++) {
        int c = cmd_by_name(t.rows[i].name);
        if (c < 0) {
            continue;
        }
        for (size_t k = 0; k < NROLES; k++) {
            enum role r = ws_roles[k];
            struct meeting *m = fresh_meeting();
            struct evlist ev = {0};
            struct cmd cmd;
            memset(&cmd, 0, sizeof(cmd));
            cmd.type = (enum cmd_type)c;
            snprintf(cmd.key, sizeof(cmd.key), "k1");
            uint64_t seq = m->seq;
            int rc = meeting_handle(m, &cmd, actor_of(r), NOW + 1, &ev);
            bool refused = rc == ERR_FORBIDDEN;
            if (refused == t.rows[i].allowed[r]) {
                print_error("permissions.md:%d: `%s` by %s: the table says %s, meeting_handle "
                            "answered %s\n",
                            t.rows[i].line, t.rows[i].name, role_str(r),
                            t.rows[i].allowed[r] ? "yes" : "-", rc ? err_str(rc) : "ok");
                failures++;
            }
            if (refused && (ev.len || m->seq != seq)) {
                print_error("`%s` by %s: refused but wrote events\n", t.rows[i].name,
                            role_str(r));
                failures++;
            }
            evlist_clear(&ev);
            meeting_free(m);
        }
    }
    assert_int_equal(failures, 0);
}

/* ---- PROTOCOL.md section 6 ------------------------------------------------------------ */

struct proto_row {
    char name[64];
    char allowed[256];
    int line;
};

/* The rows of the command tables of PROTOCOL.md section 6 (header
 * "| type | body | allowed to | ..."), with their "allowed to" cell. */
static size_t
read_protocol(struct proto_row *rows, size_t max)
{
    char *doc = slurp(CONCERTO_SOURCE_DIR "/proto/PROTOCOL.md");
    size_t n = 0;
    int lineno = 0;
    bool in_section = false, in_table = false;
    char *cursor = doc;
    for (char *line = next_line(&cursor); line; line = next_line(&cursor)) {
        lineno++;
        if (strncmp(line, "## ", 3) == 0) {
            in_section = strncmp(line, "## 6.", 5) == 0;
        }
        if (!in_section) {
            continue;
        }
        char *c[16];
        size_t nc = cells(line, c, 16);
        if (nc == 0) {
            in_table = false;
            continue;
        }
        if (nc >= 3 && strcmp(c[0], "type") == 0 && strcmp(c[2], "allowed to") == 0) {
            in_table = true;
            continue;
        }
        if (!in_table || strncmp(c[0], "---", 3) == 0 || nc < 3) {
            continue;
        }
        assert_true(n < max);
        if (!code_span(c[0], rows[n].name, sizeof(rows[n].name))) {
            print_error("PROTOCOL.md:%d: '%s' is not a `command`\n", lineno, c[0]);
            fail();
        }
        snprintf(rows[n].allowed, sizeof(rows[n].allowed), "%s", c[2]);
        rows[n].line = lineno;
        n++;
    }
    free(doc);
    return n;
}

static void
test_protocol_section_6_lists_the_same_commands(void **state)
{
    (void)state;
    static struct proto_row rows[MAX_ROWS];
    size_t n = read_protocol(rows, MAX_ROWS);
    int failures = 0;
    for (size_t i = 0; i < n; i++) {
        if (cmd_by_name(rows[i].name) < 0) {
            print_error("PROTOCOL.md:%d: `%s` is not a command of the server\n", rows[i].line,
                        rows[i].name);
            failures++;
        }
    }
    for (int c = 0; c < CMD_COUNT; c++) {
        const char *name = proto_cmd_name((enum cmd_type)c);
        size_t found = 0;
        for (size_t i = 0; i < n; i++) {
            found += strcmp(rows[i].name, name) == 0;
        }
        if (found != 1) {
            print_error("command `%s` has %zu rows in PROTOCOL.md section 6\n", name, found);
            failures++;
        }
    }
    assert_int_equal(failures, 0);
}

/* The roles of an "allowed to" cell when it is a plain list ("chair,
 * secretary", "everyone", "any token of the meeting"); false for prose. */
static bool
plain_roles(const char *cell, bool *out)
{
    memset(out, 0, ROLE_COUNT * sizeof(*out));
    if (strcmp(cell, "everyone") == 0 || strcmp(cell, "any token of the meeting") == 0) {
        for (size_t k = 0; k < NROLES; k++) {
            out[ws_roles[k]] = true;
        }
        return true;
    }
    char buf[256];
    snprintf(buf, sizeof(buf), "%s", cell);
    for (char *w = strtok(buf, ", "); w; w = strtok(NULL, ", ")) {
        enum role r = role_parse(w);
        if (r == ROLE_NONE || r == ROLE_ADMIN) {
            return false;
        }
        out[r] = true;
    }
    return true;
}

static void
test_protocol_section_6_gives_the_same_roles_where_it_lists_them(void **state)
{
    (void)state;
    static struct proto_row rows[MAX_ROWS];
    size_t n = read_protocol(rows, MAX_ROWS);
    int failures = 0, compared = 0;
    for (size_t i = 0; i < n; i++) {
        int c = cmd_by_name(rows[i].name);
        bool roles[ROLE_COUNT];
        if (c < 0 || !plain_roles(rows[i].allowed, roles)) {
            continue;
        }
        compared++;
        for (size_t k = 0; k < NROLES; k++) {
            enum role r = ws_roles[k];
            if (roles[r] != perm_allowed(r, (enum cmd_type)c)) {
                print_error("PROTOCOL.md:%d: `%s` allowed to \"%s\", but the server %s %s\n",
                            rows[i].line, rows[i].name, rows[i].allowed,
                            perm_allowed(r, (enum cmd_type)c) ? "allows" : "refuses",
                            role_str(r));
                failures++;
            }
        }
    }
    assert_int_equal(failures, 0);
    assert_true(compared >= 27); /* the meeting, agenda, speakers and attendance at least */
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_the_document_has_a_command_table_with_one_column_per_role),
        cmocka_unit_test(test_every_command_of_the_document_exists_in_the_code_once),
        cmocka_unit_test(test_every_command_of_the_code_is_in_the_document),
        cmocka_unit_test(test_every_cell_equals_perm_allowed),
        cmocka_unit_test(test_the_admin_and_unknown_roles_hold_no_websocket_right),
        cmocka_unit_test(test_meeting_handle_refuses_exactly_the_cells_marked_dash),
        cmocka_unit_test(test_protocol_section_6_lists_the_same_commands),
        cmocka_unit_test(test_protocol_section_6_gives_the_same_roles_where_it_lists_them),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
