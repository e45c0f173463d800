/*
 * Logging (see log.h). A line is written with one write(2), so lines of the
 * daemon, its router and its workers, which share stderr, never interleave
 * within a line.
 */
#include "log.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <syslog.h>
#include <unistd.h>

static const char *log_ident = "apphostd";
static int log_syslog;
static int log_journal;
static int log_level = AD_LOG_INFO;

/* True when stderr is the stream systemd gave us (JOURNAL_STREAM=dev:ino). */
static int stderr_is_journal(void)
{
	const char *js = getenv("JOURNAL_STREAM");
	if (!js)
		return 0;
	struct stat st;
	if (fstat(STDERR_FILENO, &st) < 0)
		return 0;
	char want[64];
	snprintf(want, sizeof(want), "%lu:%lu", (unsigned long)st.st_dev,
		 (unsigned long)st.st_ino);
	return strcmp(js, want) == 0;
}

void ad_log_init(const char *ident, int to_syslog)
{
	log_ident = ident;
	log_syslog = to_syslog;
	log_journal = stderr_is_journal();
	if (to_syslog)
		openlog(ident, LOG_PID | LOG_NDELAY, LOG_DAEMON);
}

void ad_log_set_level(int level)
{
	log_level = level;
}

static const char *level_word(int level)
{
	switch (level) {
	case AD_LOG_ERR:
		return "error: ";
	case AD_LOG_WARN:
		return "warning: ";
	default:
		return "";
	}
}

void ad_log(int level, const char *fmt, ...)
{
	if (level > log_level)
		return;
	char msg[2048];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (log_syslog) {
		syslog(level, "%s%s", level_word(level), msg);
		return;
	}
	char line[2200];
	int n;
	if (log_journal)
		n = snprintf(line, sizeof(line), "<%d>%s: %s%s\n", level, log_ident,
			     level_word(level), msg);
	else
		n = snprintf(line, sizeof(line), "%s[%ld]: %s%s\n", log_ident, (long)getpid(),
			     level_word(level), msg);
	if (n < 0)
		return;
	if ((size_t)n >= sizeof(line)) {
		n = (int)sizeof(line) - 1;
		line[n - 1] = '\n';
	}
	ssize_t w = write(STDERR_FILENO, line, (size_t)n);
	(void)w;
}
