/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * mail.c - MIME messages and the sendmail sender (see mail.h).
 *
 * The sender thread and the hub share two lists under one mutex: jobs to
 * send, and outcomes to report. A job's message is written to the child's
 * standard input through a pipe while its standard error is read (a
 * sendmail complaint is one line), both without blocking under one poll(),
 * and its exit status decides: 0 is sent, anything else is failed with
 * "exit status N: first line of what it said". posix_spawn never runs a
 * shell, and the argv is fixed.
 *
 * A program that hangs (a mail server that never answers) must not hold
 * the queue: each message has the mailer's timeout, all told. Past it the
 * child is killed with SIGKILL, with every process it started (it runs in
 * a process group of its own), and the message is failed with "did not
 * finish within N s". mailer_free() wakes the thread through a pipe, so a
 * stop never waits for a hanging program either.
 */
#define _POSIX_C_SOURCE 200809L
#include "mail.h"

#include "../err.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
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
    int timeout_s;
    int wake[2]; /* mailer_free() writes a byte: stop the program in progress */
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

static int64_t
mono_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void
close_fd(int *fd)
{
    if (*fd >= 0) {
        close(*fd);
        *fd = -1;
    }
}

/* One child's pipes while it runs: the message going in, what it says
 * coming out, and the first line of that. */
struct talk {
    int in, err;
    const char *msg;
    size_t len, off;
    bool written;
    char said[512];
    size_t got;
};

/* Feed and read the child until both pipes are done, the deadline passes
 * (1) or the mailer is stopped (2); 0 when done. */
static int
talk_run(struct talk *t, int wake, int64_t deadline)
{
    while (t->in >= 0 || t->err >= 0) {
        struct pollfd p[3] = {{.fd = t->in, .events = POLLOUT},
                              {.fd = t->err, .events = POLLIN},
                              {.fd = wake, .events = POLLIN}};
        int64_t left = deadline - mono_ms();
        if (left <= 0) {
            return 1;
        }
        int n = poll(p, 3, left > 1000 ? 1000 : (int)left);
        if (n < 0 && errno != EINTR) {
            return 1;
        }
        if (n <= 0) {
            continue;
        }
        if (p[2].revents) {
            return 2;
        }
        if (t->in >= 0 && p[0].revents) {
            ssize_t w = write(t->in, t->msg + t->off, t->len - t->off);
            if (w > 0) {
                t->off += (size_t)w;
            } else if (w < 0 && errno != EAGAIN && errno != EINTR) {
                t->written = false; /* the program stopped reading: its status says why */
                close_fd(&t->in);
            }
            if (t->in >= 0 && t->off == t->len) {
                close_fd(&t->in);
            }
        }
        if (t->err >= 0 && p[1].revents) {
            char tmp[512];
            ssize_t r = read(t->err, tmp, sizeof(tmp));
            if (r > 0) {
                size_t room = sizeof(t->said) - 1 - t->got;
                size_t keep = (size_t)r < room ? (size_t)r : room;
                memcpy(t->said + t->got, tmp, keep);
                t->got += keep;
            } else if (r == 0 || (errno != EAGAIN && errno != EINTR)) {
                close_fd(&t->err);
            }
        }
    }
    return 0;
}

/* The child's exit, waited for until the deadline: 0 with *status, 1 past
 * the deadline, 2 when the mailer is stopped. A program that closed its
 * pipes exits at once, so the waits start short. */
static int
reap(pid_t pid, int *status, int wake, int64_t deadline)
{
    for (int nap = 1;; nap = nap < 100 ? nap * 2 : 100) {
        pid_t r = waitpid(pid, status, WNOHANG);
        if (r == pid || (r < 0 && errno != EINTR)) {
            return 0;
        }
        int64_t left = deadline - mono_ms();
        if (left <= 0) {
            return 1;
        }
        struct pollfd p = {.fd = wake, .events = POLLIN};
        if (poll(&p, 1, left < nap ? (int)left : nap) > 0) {
            return 2;
        }
    }
}

/* Starts the program with in[0] as its input and err[1] as its output and
 * error, in a process group of its own (a timeout kills what it started
 * too); closes the child's ends. Returns posix_spawn's status. */
static int
spawn_program(const char *path, int in[2], int err[2], pid_t *pid)
{
    posix_spawn_file_actions_t fa;
    posix_spawnattr_t attr;
    char *const argv[] = {(char *)path, "-t", "-oi", NULL};
    fcntl(in[1], F_SETFD, FD_CLOEXEC);
    fcntl(err[0], F_SETFD, FD_CLOEXEC);
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_adddup2(&fa, in[0], 0);
    posix_spawn_file_actions_adddup2(&fa, err[1], 1);
    posix_spawn_file_actions_adddup2(&fa, err[1], 2);
    posix_spawnattr_init(&attr);
    posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETPGROUP);
    posix_spawnattr_setpgroup(&attr, 0);
    int rc = posix_spawn(pid, path, &fa, &attr, argv, environ);
    posix_spawn_file_actions_destroy(&fa);
    posix_spawnattr_destroy(&attr);
    close_fd(&in[0]);
    close_fd(&err[1]);
    return rc;
}

/* j->ok and j->reason from the program's exit status, what it said (its
 * first line that says something) and whether it read the whole message. */
static void
exit_reason(struct job *j, const char *path, int status, struct talk *t)
{
    t->said[t->got] = '\0';
    char *line = t->said;
    while (*line == '\n' || *line == '\r' || *line == ' ') {
        line++;
    }
    line[strcspn(line, "\r\n")] = '\0';
    if (WIFEXITED(status) && WEXITSTATUS(status) == 0 && t->written) {
        j->ok = true;
        j->reason[0] = '\0';
    } else if (WIFEXITED(status)) {
        snprintf(j->reason, sizeof(j->reason), "%.60s exited with status %d%s%.150s", path,
                 WEXITSTATUS(status), *line ? ": " : "", line);
    } else {
        snprintf(j->reason, sizeof(j->reason), "%.60s was stopped by signal %d", path,
                 WIFSIGNALED(status) ? WTERMSIG(status) : 0);
    }
}

/* Run the program on one message; fills j->ok and j->reason. */
static void
deliver(struct mailer *m, struct job *j)
{
    const char *path = m->path;
    int in[2] = {-1, -1}, err[2] = {-1, -1};
    pid_t pid;
    j->ok = false;
    if (pipe(in) || pipe(err)) {
        snprintf(j->reason, sizeof(j->reason), "cannot create a pipe: %s", strerror(errno));
        goto out;
    }
    int64_t deadline = mono_ms() + (int64_t)m->timeout_s * 1000;
    int rc = spawn_program(path, in, err, &pid);
    if (rc) {
        snprintf(j->reason, sizeof(j->reason), "cannot run %.60s: %.100s", path, strerror(rc));
        goto out;
    }
    fcntl(in[1], F_SETFL, O_NONBLOCK);
    fcntl(err[0], F_SETFL, O_NONBLOCK);
    struct talk t = {.in = in[1], .err = err[0], .msg = j->msg, .len = j->len, .written = true};
    in[1] = err[0] = -1; /* t owns them now */
    if (j->len == 0) {
        close_fd(&t.in);
    }
    int status = 0;
    int late = talk_run(&t, m->wake[0], deadline);
    close_fd(&t.in);
    close_fd(&t.err);
    if (!late) {
        late = reap(pid, &status, m->wake[0], deadline);
    }
    if (late) {
        kill(-pid, SIGKILL);
        while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
        }
        if (late == 1) {
            snprintf(j->reason, sizeof(j->reason), "%.60s did not finish within %d s: stopped",
                     path, m->timeout_s);
        } else {
            snprintf(j->reason, sizeof(j->reason), "the server stopped while %.60s ran", path);
        }
        goto out;
    }
    exit_reason(j, path, status, &t);
out:
    for (int k = 0; k < 2; k++) {
        close_fd(&in[k]);
        close_fd(&err[k]);
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
        deliver(m, j);
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
mailer_new(const char *path, int timeout_s)
{
    struct mailer *m = calloc(1, sizeof(*m));
    if (!m || !(m->path = strdup(path))) {
        free(m);
        return NULL;
    }
    m->timeout_s = timeout_s > 0 ? timeout_s : MAIL_TIMEOUT_DEFAULT;
    if (pipe(m->wake)) {
        free(m->path);
        free(m);
        return NULL;
    }
    fcntl(m->wake[0], F_SETFD, FD_CLOEXEC);
    fcntl(m->wake[1], F_SETFD, FD_CLOEXEC);
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
        close(m->wake[0]);
        close(m->wake[1]);
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
    while (write(m->wake[1], "x", 1) < 0 && errno == EINTR) {
    }
    pthread_join(m->thread, NULL);
    close(m->wake[0]);
    close(m->wake[1]);
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
