/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * mail.c - MIME messages and the sendmail sender (see mail.h).
 *
 * The sender thread and the hub share two lists under one mutex: jobs to
 * send, and outcomes to report. A job's message is written to the child's
 * standard input through a pipe; the child's standard error is read after
 * (a sendmail complaint is one line), and its exit status decides: 0 is
 * sent, anything else is failed with "exit status N: first line of what it
 * said". posix_spawn never runs a shell, and the argv is fixed.
 */
#define _POSIX_C_SOURCE 200809L
#include "mail.h"

#include "../err.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

extern char **environ;

/* --- the message ------------------------------------------------------- */

static const char b64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/* base64 of s[n]; `wrap` > 0: CRLF every `wrap` characters and at the end. */
static void
base64(FILE *f, const unsigned char *s, size_t n, size_t wrap)
{
    size_t col = 0;
    for (size_t i = 0; i < n; i += 3) {
        unsigned v = (unsigned)s[i] << 16 | (i + 1 < n ? (unsigned)s[i + 1] << 8 : 0) |
                     (i + 2 < n ? s[i + 2] : 0);
        char q[4] = {b64[v >> 18 & 63], b64[v >> 12 & 63], i + 1 < n ? b64[v >> 6 & 63] : '=',
                     i + 2 < n ? b64[v & 63] : '='};
        fwrite(q, 1, 4, f);
        col += 4;
        if (wrap && col >= wrap) {
            fputs("\r\n", f);
            col = 0;
        }
    }
    if (wrap && col) {
        fputs("\r\n", f);
    }
}

static bool
plain_ascii(const char *s)
{
    for (; *s; s++) {
        if ((unsigned char)*s < 0x20 || (unsigned char)*s >= 0x7f) {
            return false;
        }
    }
    return true;
}

/* Header text: as is when printable ASCII, else RFC 2047 encoded-words of
 * at most 39 bytes of UTF-8 each (64 characters, so that the first fits
 * after "Subject: " in 78), never cutting a character, separated by
 * folding white space. */
static void
header_text(FILE *f, const char *s)
{
    if (plain_ascii(s)) {
        fputs(s, f);
        return;
    }
    size_t n = strlen(s);
    for (size_t i = 0; i < n;) {
        size_t take = n - i < 39 ? n - i : 39;
        while (i + take < n && ((unsigned char)s[i + take] & 0xc0) == 0x80) {
            take--;
        }
        fputs(i ? "\r\n =?UTF-8?B?" : "=?UTF-8?B?", f);
        base64(f, (const unsigned char *)s + i, take, 0);
        fputs("?=", f);
        i += take;
    }
}

/* A display name and address: "Name" <a@b>, or an encoded-word name. */
static void
mailbox(FILE *f, const char *name, const char *addr)
{
    if (name && *name) {
        if (plain_ascii(name) && !strpbrk(name, "\"\\")) {
            fprintf(f, "\"%s\"", name);
        } else {
            header_text(f, name);
        }
        fputc(' ', f);
    }
    fprintf(f, "<%s>", addr);
}

static bool
address_ok(const char *a)
{
    return a && *a && plain_ascii(a) && !strpbrk(a, " <>\"\r\n,;");
}

int
mail_message(const struct mail_parts *p, char **out, size_t *len)
{
    static const char *const days[] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
    static const char *const months[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                         "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
    *out = NULL;
    *len = 0;
    bool from = p->from && *p->from;
    if (!address_ok(p->to) || (from && !address_ok(p->from))) {
        return ERR_INVALID;
    }
    char *buf = NULL;
    size_t n = 0;
    FILE *f = open_memstream(&buf, &n);
    if (!f) {
        return ERR_NOMEM;
    }
    time_t t = (time_t)(p->now_ms / 1000);
    struct tm tm;
    gmtime_r(&t, &tm);
    char mixed[64], alt[64];
    snprintf(mixed, sizeof(mixed), "=_concerto_mixed_%016llx", (unsigned long long)p->unique);
    snprintf(alt, sizeof(alt), "=_concerto_alt_%016llx", (unsigned long long)p->unique);
    if (from) {
        fputs("From: ", f);
        mailbox(f, p->from_name, p->from);
        fputs("\r\n", f);
    }
    fputs("To: ", f);
    mailbox(f, p->to_name, p->to);
    fputs("\r\nSubject: ", f);
    header_text(f, p->subject);
    fprintf(f, "\r\nDate: %s, %02d %s %04d %02d:%02d:%02d +0000\r\n", days[tm.tm_wday % 7],
            tm.tm_mday, months[tm.tm_mon % 12], tm.tm_year + 1900, tm.tm_hour, tm.tm_min,
            tm.tm_sec);
    fprintf(f, "Message-ID: <%lld.%016llx@%s>\r\n", (long long)p->now_ms,
            (unsigned long long)p->unique,
            p->message_id_host && *p->message_id_host ? p->message_id_host : "localhost");
    fprintf(f, "MIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=\"%s\"\r\n\r\n",
            mixed);
    fprintf(f, "--%s\r\nContent-Type: multipart/alternative; boundary=\"%s\"\r\n\r\n", mixed, alt);
    fprintf(f,
            "--%s\r\nContent-Type: text/plain; charset=utf-8\r\n"
            "Content-Transfer-Encoding: base64\r\n\r\n",
            alt);
    base64(f, (const unsigned char *)p->text, strlen(p->text), 76);
    fprintf(f,
            "--%s\r\nContent-Type: text/html; charset=utf-8\r\n"
            "Content-Transfer-Encoding: base64\r\n\r\n",
            alt);
    base64(f, (const unsigned char *)p->html, strlen(p->html), 76);
    fprintf(f, "--%s--\r\n", alt);
    if (p->ics) {
        const char *name = p->ics_name && *p->ics_name ? p->ics_name : "invitation.ics";
        fprintf(f,
                "--%s\r\nContent-Type: text/calendar; charset=utf-8; method=REQUEST; "
                "name=\"%s\"\r\nContent-Disposition: attachment; filename=\"%s\"\r\n"
                "Content-Transfer-Encoding: base64\r\n\r\n",
                mixed, name, name);
        base64(f, (const unsigned char *)p->ics, p->ics_len, 76);
    }
    fprintf(f, "--%s--\r\n", mixed);
    int rc = ferror(f) ? ERR_NOMEM : 0;
    if (fclose(f) != 0 || rc) {
        free(buf);
        return ERR_NOMEM;
    }
    *out = buf;
    *len = n;
    return 0;
}

/* --- the sender -------------------------------------------------------- */

struct job {
    char *tag;
    char *msg;
    size_t len;
    bool ok;
    char reason[256];
    struct job *next;
};

struct mailer {
    char *path;
    pthread_t thread;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    struct job *todo, *todo_last, *done;
    bool stop;
};

static void
job_free(struct job *j)
{
    if (j) {
        free(j->tag);
        free(j->msg);
        free(j);
    }
}

/* Run the program on one message; fills j->ok and j->reason. */
static void
deliver(const char *path, struct job *j)
{
    int in[2] = {-1, -1}, err[2] = {-1, -1};
    posix_spawn_file_actions_t fa;
    pid_t pid;
    char *const argv[] = {(char *)path, "-t", "-oi", NULL};
    j->ok = false;
    if (pipe(in) || pipe(err)) {
        snprintf(j->reason, sizeof(j->reason), "cannot create a pipe: %s", strerror(errno));
        goto out;
    }
    fcntl(in[1], F_SETFD, FD_CLOEXEC);
    fcntl(err[0], F_SETFD, FD_CLOEXEC);
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_adddup2(&fa, in[0], 0);
    posix_spawn_file_actions_adddup2(&fa, err[1], 1);
    posix_spawn_file_actions_adddup2(&fa, err[1], 2);
    int rc = posix_spawn(&pid, path, &fa, NULL, argv, environ);
    posix_spawn_file_actions_destroy(&fa);
    close(in[0]);
    close(err[1]);
    in[0] = err[1] = -1;
    if (rc) {
        snprintf(j->reason, sizeof(j->reason), "cannot run %.60s: %.100s", path, strerror(rc));
        goto out;
    }
    bool written = true;
    for (size_t off = 0; off < j->len;) {
        ssize_t w = write(in[1], j->msg + off, j->len - off);
        if (w < 0 && errno == EINTR) {
            continue;
        }
        if (w <= 0) {
            written = false; /* the program stopped reading: its status says why */
            break;
        }
        off += (size_t)w;
    }
    close(in[1]);
    in[1] = -1;
    char said[512];
    size_t got = 0;
    for (;;) {
        char tmp[512];
        ssize_t r = read(err[0], tmp, sizeof(tmp));
        if (r < 0 && errno == EINTR) {
            continue;
        }
        if (r <= 0) {
            break;
        }
        size_t keep = (size_t)r < sizeof(said) - 1 - got ? (size_t)r : sizeof(said) - 1 - got;
        memcpy(said + got, tmp, keep);
        got += keep;
    }
    said[got] = '\0';
    /* the first line that says something */
    char *line = said;
    while (*line == '\n' || *line == '\r' || *line == ' ') {
        line++;
    }
    line[strcspn(line, "\r\n")] = '\0';
    int status = 0;
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
    }
    if (WIFEXITED(status) && WEXITSTATUS(status) == 0 && written) {
        j->ok = true;
        j->reason[0] = '\0';
    } else if (WIFEXITED(status)) {
        snprintf(j->reason, sizeof(j->reason), "%.60s exited with status %d%s%.150s", path,
                 WEXITSTATUS(status), *line ? ": " : "", line);
    } else {
        snprintf(j->reason, sizeof(j->reason), "%.60s was stopped by signal %d", path,
                 WIFSIGNALED(status) ? WTERMSIG(status) : 0);
    }
out:
    for (int k = 0; k < 2; k++) {
        if (in[k] >= 0) {
            close(in[k]);
        }
        if (err[k] >= 0) {
            close(err[k]);
        }
    }
}

static void *
run(void *arg)
{
    struct mailer *m = arg;
    pthread_mutex_lock(&m->mu);
    for (;;) {
        while (!m->stop && !m->todo) {
            pthread_cond_wait(&m->cv, &m->mu);
        }
        if (m->stop) {
            break;
        }
        struct job *j = m->todo;
        m->todo = j->next;
        if (!m->todo) {
            m->todo_last = NULL;
        }
        pthread_mutex_unlock(&m->mu);
        deliver(m->path, j);
        free(j->msg);
        j->msg = NULL;
        pthread_mutex_lock(&m->mu);
        j->next = m->done;
        m->done = j;
    }
    pthread_mutex_unlock(&m->mu);
    return NULL;
}

struct mailer *
mailer_new(const char *path)
{
    struct mailer *m = calloc(1, sizeof(*m));
    if (!m || !(m->path = strdup(path))) {
        free(m);
        return NULL;
    }
    pthread_mutex_init(&m->mu, NULL);
    pthread_cond_init(&m->cv, NULL);
    /* the sender never takes SIGINT or SIGTERM (main.c's thread does) */
    sigset_t stop_signals, before;
    sigemptyset(&stop_signals);
    sigaddset(&stop_signals, SIGINT);
    sigaddset(&stop_signals, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &stop_signals, &before);
    int rc = pthread_create(&m->thread, NULL, run, m);
    pthread_sigmask(SIG_SETMASK, &before, NULL);
    if (rc) {
        pthread_mutex_destroy(&m->mu);
        pthread_cond_destroy(&m->cv);
        free(m->path);
        free(m);
        return NULL;
    }
    return m;
}

void
mailer_free(struct mailer *m)
{
    if (!m) {
        return;
    }
    pthread_mutex_lock(&m->mu);
    m->stop = true;
    pthread_cond_signal(&m->cv);
    pthread_mutex_unlock(&m->mu);
    pthread_join(m->thread, NULL);
    for (struct job *lists[2] = {m->todo, m->done}, **l = lists; l < lists + 2; l++) {
        while (*l) {
            struct job *next = (*l)->next;
            job_free(*l);
            *l = next;
        }
    }
    pthread_mutex_destroy(&m->mu);
    pthread_cond_destroy(&m->cv);
    free(m->path);
    free(m);
}

int
mailer_send(struct mailer *m, const char *tag, char *msg, size_t len)
{
    struct job *j = calloc(1, sizeof(*j));
    if (!j || !(j->tag = strdup(tag))) {
        free(j);
        free(msg);
        return ERR_NOMEM;
    }
    j->msg = msg;
    j->len = len;
    pthread_mutex_lock(&m->mu);
    if (m->todo_last) {
        m->todo_last->next = j;
    } else {
        m->todo = j;
    }
    m->todo_last = j;
    pthread_cond_signal(&m->cv);
    pthread_mutex_unlock(&m->mu);
    return 0;
}

size_t
mailer_poll(struct mailer *m, void (*cb)(void *ctx, const char *tag, bool ok, const char *reason),
            void *ctx)
{
    pthread_mutex_lock(&m->mu);
    struct job *done = m->done;
    m->done = NULL;
    pthread_mutex_unlock(&m->mu);
    /* the list is newest first: report in the order sent */
    struct job *order = NULL;
    while (done) {
        struct job *next = done->next;
        done->next = order;
        order = done;
        done = next;
    }
    size_t n = 0;
    while (order) {
        struct job *next = order->next;
        cb(ctx, order->tag, order->ok, order->reason);
        job_free(order);
        order = next;
        n++;
    }
    return n;
}
