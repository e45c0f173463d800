/*
 * W3C extended log files, one per site, shared by the worker's threads.
 *
 * Format (IIS's W3C logs, as log analysers read them): a header block
 *
 *   #Software: apphost
 *   #Version: 1.0
 *   #Date: 2024-05-01 12:00:00
 *   #Fields: date time s-ip cs-method cs-uri-stem cs-uri-query s-port ...
 *
 * then one line per request, its fields separated by spaces, CRLF line
 * ends. The fields are those of the site's logExtFileFlags, always in IIS's
 * order: date time s-sitename s-computername s-ip cs-method cs-uri-stem
 * cs-uri-query s-port cs-username c-ip cs-version cs(User-Agent) cs(Cookie)
 * cs(Referer) cs-host sc-status sc-substatus sc-win32-status sc-bytes
 * cs-bytes time-taken. Dates and times are UTC; an empty field is "-"; a
 * space in a field is '+'; control characters are %XX-escaped (a client
 * cannot forge lines). time-taken is in milliseconds, from the end of the
 * request head to the last byte sent. The header block is written when a
 * process opens a file and whenever the field list changes, as IIS does.
 *
 * Files: <directory>/W3SVC<site id>/ (created when missing, as the worker's
 * user), named by period: u_exYYMMDDHH.log (Hourly), u_exYYMMDD.log (Daily),
 * u_exYYMMWW.log (Weekly, WW the week of the month, weeks starting on
 * Sunday), u_exYYMM.log (Monthly), u_extendN.log (MaxSize, a new file past
 * truncateSize bytes). The "u_" prefix says UTF-8, which the file is. The
 * period's boundaries are UTC unless localTimeRollover="true".
 *
 * Writes are buffered: a file's buffer goes to disk when it holds 64 KB,
 * after flushByEntryCountW3CLog lines when that is set, every second (loop
 * 0's tick calls wk_w3c_flush), and at shutdown. A folder or file that
 * cannot be opened is logged once and tried again a minute later; the lines
 * of that minute are lost, never the request.
 *
 * The workers of every pool serving one of the site's applications write
 * the same files (apphostd gives them the folder through its ACLs): a file
 * is made 0660 (the folder's default ACL, whose mask is the group bits of
 * that mode, then lets the other pools' groups write it) and opened
 * O_APPEND, and a buffer holds whole lines only and goes out in a single
 * write(), so two processes' lines never interleave. Each process writes
 * the header block when it opens a file, as IIS does when logging restarts.
 */
#include "worker/worker.h"

#include "util/str.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define FLUSH_AT 65536
#define RETRY_SEC 60

struct wk_logfile {
	wk_logfile *next;
	char *dir;
	wk_logcfg cfg; /* cfg.dir is dir */
	int fd;
	char name[64]; /* the open file's name */
	unsigned seq;  /* MaxSize: the N of u_extendN.log */
	uint64_t size;
	bool header_done;
	uint32_t header_fields;
	ah_buf buf;
	uint64_t entries;
	time_t retry_at;
};

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static wk_logfile *files;

static const struct {
	uint32_t bit;
	const char *name;
} fields[WK_LOG_NFIELDS] = {
    {WK_LF_DATE, "date"},
    {WK_LF_TIME, "time"},
    {WK_LF_SITE_NAME, "s-sitename"},
    {WK_LF_COMPUTER_NAME, "s-computername"},
    {WK_LF_SERVER_IP, "s-ip"},
    {WK_LF_METHOD, "cs-method"},
    {WK_LF_URI_STEM, "cs-uri-stem"},
    {WK_LF_URI_QUERY, "cs-uri-query"},
    {WK_LF_SERVER_PORT, "s-port"},
    {WK_LF_USER_NAME, "cs-username"},
    {WK_LF_CLIENT_IP, "c-ip"},
    {WK_LF_PROTOCOL_VERSION, "cs-version"},
    {WK_LF_USER_AGENT, "cs(User-Agent)"},
    {WK_LF_COOKIE, "cs(Cookie)"},
    {WK_LF_REFERER, "cs(Referer)"},
    {WK_LF_HOST, "cs-host"},
    {WK_LF_HTTP_STATUS, "sc-status"},
    {WK_LF_HTTP_SUB_STATUS, "sc-substatus"},
    {WK_LF_WIN32_STATUS, "sc-win32-status"},
    {WK_LF_BYTES_SENT, "sc-bytes"},
    {WK_LF_BYTES_RECV, "cs-bytes"},
    {WK_LF_TIME_TAKEN, "time-taken"},
};

/* Indexes of the fields completed when the response is sent. */
enum { F_DATE = 0, F_TIME = 1, F_STATUS = 16, F_SUBSTATUS, F_WIN32, F_SCBYTES, F_CSBYTES, F_TAKEN };

uint64_t wk_now_us(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000 + (uint64_t)ts.tv_nsec / 1000;
}

void wk_w3c_escape(ah_buf *b, const char *s, size_t n)
{
	static const char hex[] = "0123456789ABCDEF";
	if (!s || n == 0) {
		ah_buf_putc(b, '-');
		return;
	}
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c == ' ') {
			ah_buf_putc(b, '+');
		} else if (c < 0x20 || c == 0x7f) {
			ah_buf_putc(b, '%');
			ah_buf_putc(b, hex[c >> 4]);
			ah_buf_putc(b, hex[c & 15]);
		} else {
			ah_buf_putc(b, (char)c);
		}
	}
}

/* ---- files ---------------------------------------------------------------------- */

wk_logfile *wk_w3c_file(const wk_site *site)
{
	if (!site->log.enabled || !site->log.dir)
		return NULL;
	pthread_mutex_lock(&lock);
	wk_logfile *f = files;
	while (f && strcmp(f->dir, site->log.dir) != 0)
		f = f->next;
	if (!f && (f = ah_calloc(1, sizeof(*f))) != NULL) {
		if (!(f->dir = ah_strdup(site->log.dir))) {
			ah_free(f);
			f = NULL;
		} else {
			f->fd = -1;
			f->next = files;
			files = f;
		}
	}
	if (f) {
		f->cfg = site->log;
		f->cfg.dir = f->dir;
	}
	pthread_mutex_unlock(&lock);
	return f;
}

static int mkdir_p(const char *dir)
{
	char path[4096];
	size_t n = strlen(dir);
	if (n == 0 || n >= sizeof(path))
		return -1;
	memcpy(path, dir, n + 1);
	for (size_t i = 1; i <= n; i++) {
		if (path[i] != '/' && path[i] != '\0')
			continue;
		char c = path[i];
		path[i] = '\0';
		if (mkdir(path, 0755) < 0 && errno != EEXIST)
			return -1;
		path[i] = c;
	}
	return 0;
}

static void file_name(char *out, size_t n, const wk_logfile *f, time_t now)
{
	struct tm tm;
	if (f->cfg.local_time)
		localtime_r(&now, &tm);
	else
		gmtime_r(&now, &tm);
	int yy = tm.tm_year % 100, mm = tm.tm_mon + 1;
	switch (f->cfg.period) {
	case WK_PERIOD_HOURLY:
		snprintf(out, n, "u_ex%02d%02d%02d%02d.log", yy, mm, tm.tm_mday, tm.tm_hour);
		break;
	case WK_PERIOD_WEEKLY: {
		int first = ((tm.tm_wday - (tm.tm_mday - 1)) % 7 + 7) % 7; /* weekday of the 1st */
		snprintf(out, n, "u_ex%02d%02d%02d.log", yy, mm, (tm.tm_mday - 1 + first) / 7 + 1);
		break;
	}
	case WK_PERIOD_MONTHLY:
		snprintf(out, n, "u_ex%02d%02d.log", yy, mm);
		break;
	case WK_PERIOD_MAXSIZE:
		snprintf(out, n, "u_extend%u.log", f->seq ? f->seq : 1);
		break;
	default:
		snprintf(out, n, "u_ex%02d%02d%02d.log", yy, mm, tm.tm_mday);
	}
}

/*
 * The buffer (whole lines only) in one write(): the file is opened O_APPEND
 * and the workers of the site's other pools append to it too, so a line is
 * never split into two writes between which another process's line could
 * land. A short write (a full disk) loses the buffer's lines, logged. The
 * size is read back, with the other processes' lines (MaxSize).
 */
static void write_out(wk_logfile *f)
{
	if (f->fd >= 0 && f->buf.len > 0) {
		ssize_t n;
		do
			n = write(f->fd, f->buf.ptr, f->buf.len);
		while (n < 0 && errno == EINTR);
		if (n < 0 || (size_t)n != f->buf.len)
			wk_log("cannot write the log file %s/%s: %s", f->dir, f->name,
			       n < 0 ? strerror(errno) : "a short write (is the disk full?)");
		struct stat st;
		if (fstat(f->fd, &st) == 0)
			f->size = (uint64_t)st.st_size;
	}
	ah_buf_truncate(&f->buf, 0);
}

static void close_file(wk_logfile *f)
{
	write_out(f);
	if (f->fd >= 0)
		close(f->fd);
	f->fd = -1;
	f->name[0] = '\0';
}

static void open_file(wk_logfile *f, const char *name, time_t now)
{
	close_file(f);
	snprintf(f->name, sizeof(f->name), "%s", name);
	f->header_done = false;
	f->size = 0;
	char path[4200];
	snprintf(path, sizeof(path), "%s/%s", f->dir, name);
	if (mkdir_p(f->dir) == 0)
		f->fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC | O_NOCTTY, 0660);
	if (f->fd < 0) {
		wk_log("cannot open the log file %s: %s (retrying in %d s)", path, strerror(errno),
		       RETRY_SEC);
		f->retry_at = now + RETRY_SEC;
		return;
	}
	struct stat st;
	if (fstat(f->fd, &st) == 0)
		f->size = (uint64_t)st.st_size;
}

static void header(wk_logfile *f, uint32_t bits, time_t now)
{
	struct tm tm;
	gmtime_r(&now, &tm);
	ah_buf_printf(&f->buf,
	              "#Software: apphost\r\n#Version: 1.0\r\n"
	              "#Date: %04d-%02d-%02d %02d:%02d:%02d\r\n#Fields:",
	              tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min,
	              tm.tm_sec);
	for (size_t i = 0; i < WK_LOG_NFIELDS; i++)
		if (bits & fields[i].bit)
			ah_buf_printf(&f->buf, " %s", fields[i].name);
	ah_buf_puts(&f->buf, "\r\n");
	f->header_done = true;
	f->header_fields = bits;
}

/* Under the lock: make f's file the one for now (and a line of len bytes).
 * f->size is the file's size at the last write plus the lines buffered. */
static bool rotate(wk_logfile *f, time_t now, size_t len)
{
	char name[64];
	if (f->cfg.period == WK_PERIOD_MAXSIZE) {
		if (!f->seq)
			f->seq = 1;
		if (f->fd >= 0 && f->size + len > f->cfg.truncate_size && f->size > 0)
			f->seq++;
	}
	file_name(name, sizeof(name), f, now);
	if (f->fd >= 0 && strcmp(name, f->name) == 0)
		return true;
	if (f->fd < 0 && now < f->retry_at)
		return false;
	open_file(f, name, now);
	/* MaxSize: skip the files already full from an earlier run */
	for (unsigned i = 0; f->fd >= 0 && f->cfg.period == WK_PERIOD_MAXSIZE &&
	                     f->size >= f->cfg.truncate_size && i < 100000;
	     i++) {
		f->seq++;
		file_name(name, sizeof(name), f, now);
		open_file(f, name, now);
	}
	return f->fd >= 0;
}

static void line(ah_buf *b, const wk_logrec *rec, time_t now, uint64_t sc_bytes, uint64_t cs_body)
{
	struct tm tm;
	gmtime_r(&now, &tm);
	uint64_t taken = rec->start_us ? (wk_now_us() - rec->start_us) / 1000 : 0;
	bool first = true;
	for (size_t i = 0; i < WK_LOG_NFIELDS; i++) {
		if (!(rec->fields & fields[i].bit))
			continue;
		if (!first)
			ah_buf_putc(b, ' ');
		first = false;
		switch (i) {
		case F_DATE:
			ah_buf_printf(b, "%04d-%02d-%02d", tm.tm_year + 1900, tm.tm_mon + 1,
			              tm.tm_mday);
			break;
		case F_TIME:
			ah_buf_printf(b, "%02d:%02d:%02d", tm.tm_hour, tm.tm_min, tm.tm_sec);
			break;
		case F_STATUS:
			ah_buf_printf(b, "%d", rec->status);
			break;
		case F_SUBSTATUS:
			ah_buf_printf(b, "%d", rec->substatus);
			break;
		case F_WIN32:
			ah_buf_printf(b, "%u", rec->win32);
			break;
		case F_SCBYTES:
			ah_buf_printf(b, "%llu", (unsigned long long)sc_bytes);
			break;
		case F_CSBYTES:
			ah_buf_printf(b, "%llu", (unsigned long long)(rec->cs_head + cs_body));
			break;
		case F_TAKEN:
			ah_buf_printf(b, "%llu", (unsigned long long)taken);
			break;
		default:
			ah_buf_puts(b,
			            rec->off[i] == UINT32_MAX ? "-" : rec->text.ptr + rec->off[i]);
		}
	}
	ah_buf_puts(b, "\r\n");
}

void wk_w3c_finish(wk_logrec *rec, uint64_t sc_bytes, uint64_t cs_body, uint32_t win32)
{
	if (!rec)
		return;
	if (win32)
		rec->win32 = win32;
	time_t now = time(NULL);
	ah_buf l = AH_BUF_INIT;
	line(&l, rec, now, sc_bytes, cs_body);
	wk_logfile *f = rec->file;
	pthread_mutex_lock(&lock);
	if (!ah_buf_oom(&l) && rotate(f, now, l.len)) {
		if (!f->header_done || f->header_fields != rec->fields)
			header(f, rec->fields, now);
		f->size += l.len;
		ah_buf_put(&f->buf, l.ptr, l.len);
		f->entries++;
		if (f->buf.len >= FLUSH_AT ||
		    (f->cfg.flush_entries && f->entries % f->cfg.flush_entries == 0))
			write_out(f);
	}
	pthread_mutex_unlock(&lock);
	ah_buf_free(&l);
	wk_w3c_drop(rec);
}

void wk_w3c_drop(wk_logrec *rec)
{
	if (!rec)
		return;
	ah_buf_free(&rec->text);
	ah_free(rec);
}

void wk_w3c_flush(void)
{
	pthread_mutex_lock(&lock);
	for (wk_logfile *f = files; f; f = f->next)
		write_out(f);
	pthread_mutex_unlock(&lock);
}

void wk_w3c_shutdown(void)
{
	pthread_mutex_lock(&lock);
	while (files) {
		wk_logfile *f = files;
		files = f->next;
		close_file(f);
		ah_buf_free(&f->buf);
		ah_free(f->dir);
		ah_free(f);
	}
	pthread_mutex_unlock(&lock);
}

/* ---- the text fields of a request ------------------------------------------------ */

static void ip_only(ah_buf *b, const wk_addr *a)
{
	char buf[INET6_ADDRSTRLEN];
	if (inet_ntop(a->family == AF_INET6 ? AF_INET6 : AF_INET, a->ip, buf, sizeof(buf)))
		ah_buf_puts(b, buf);
	else
		ah_buf_putc(b, '-');
}

static char hostname[256];
static pthread_once_t hostname_once = PTHREAD_ONCE_INIT;

static void hostname_init(void)
{
	if (gethostname(hostname, sizeof(hostname) - 1) < 0)
		hostname[0] = '\0';
}

static const char *computer_name(void)
{
	pthread_once(&hostname_once, hostname_init);
	return hostname;
}

static void header_field(ah_buf *b, const wk_req *r, const char *name)
{
	size_t n = 0;
	const char *v = wk_req_header(r, name, &n);
	wk_w3c_escape(b, v, v ? n : 0);
}

static void field(ah_buf *b, const wk_req *r, size_t i)
{
	switch (fields[i].bit) {
	case WK_LF_SITE_NAME:
		ah_buf_printf(b, "W3SVC%u", r->site->id);
		break;
	case WK_LF_COMPUTER_NAME: {
		const char *c = computer_name();
		wk_w3c_escape(b, c, strlen(c));
		break;
	}
	case WK_LF_SERVER_IP:
		ip_only(b, &r->local);
		break;
	case WK_LF_METHOD:
		wk_w3c_escape(b, r->method_name, strlen(r->method_name));
		break;
	case WK_LF_URI_STEM: {
		const char *p = r->orig_path ? r->orig_path : r->path;
		wk_w3c_escape(b, p, p ? strlen(p) : 0);
		break;
	}
	case WK_LF_URI_QUERY:
		wk_w3c_escape(b, r->query, r->query ? strlen(r->query) : 0);
		break;
	case WK_LF_SERVER_PORT:
		ah_buf_printf(b, "%u", (unsigned)r->local.port);
		break;
	case WK_LF_USER_NAME:
		wk_w3c_escape(b, r->user, r->user ? strlen(r->user) : 0);
		break;
	case WK_LF_CLIENT_IP:
		ip_only(b, &r->peer);
		break;
	case WK_LF_PROTOCOL_VERSION:
		ah_buf_printf(b, "HTTP/%u.%u", r->http_major, r->http_minor);
		break;
	case WK_LF_USER_AGENT:
		header_field(b, r, "User-Agent");
		break;
	case WK_LF_COOKIE:
		header_field(b, r, "Cookie");
		break;
	case WK_LF_REFERER:
		header_field(b, r, "Referer");
		break;
	case WK_LF_HOST:
		header_field(b, r, "Host");
		break;
	default:
		ah_buf_putc(b, '-');
	}
}

static uint32_t win32_of(const wk_req *r)
{
	uint32_t hr = r->status >= 400 ? r->err_hresult : 0;
	return (hr >> 16) == 0x8007u ? hr & 0xffffu : hr;
}

int wk_w3c_capture(wk_logrec **out, const wk_req *r, wk_logfile *f)
{
	*out = NULL;
	wk_logrec *rec = ah_calloc(1, sizeof(*rec));
	if (!rec)
		return AH_ENOMEM;
	rec->file = f;
	rec->fields = r->site->log.fields;
	rec->status = r->status;
	rec->substatus = r->substatus;
	rec->win32 = win32_of(r);
	rec->start_us = r->start_us;
	rec->cs_head = r->head_bytes;
	for (size_t i = 0; i < WK_LOG_NFIELDS; i++) {
		rec->off[i] = UINT32_MAX;
		if (!(rec->fields & fields[i].bit) || i == F_DATE || i == F_TIME || i >= F_STATUS)
			continue;
		rec->off[i] = (uint32_t)rec->text.len;
		field(&rec->text, r, i);
		ah_buf_putc(&rec->text, '\0');
	}
	if (ah_buf_oom(&rec->text)) {
		wk_w3c_drop(rec);
		return AH_ENOMEM;
	}
	*out = rec;
	return 0;
}
