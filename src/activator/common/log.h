/*
 * Logging for apphostd and its router: one line per event, to stderr (the
 * foreground mode, and systemd's journal, which reads the "<N>" priority
 * prefix when stderr is a journal stream) or to syslog (the daemon mode).
 */
#ifndef AD_LOG_H
#define AD_LOG_H

enum {
	AD_LOG_ERR = 3,
	AD_LOG_WARN = 4,
	AD_LOG_NOTICE = 5,
	AD_LOG_INFO = 6,
	AD_LOG_DEBUG = 7,
};

/* ident names the program in each line. to_syslog: log with syslog(3)
 * instead of stderr. */
void ad_log_init(const char *ident, int to_syslog);
/* Lines above this level are dropped (default AD_LOG_INFO). */
void ad_log_set_level(int level);
void ad_log(int level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#endif
