/*
 * HTTP dates (RFC 9110 §5.6.7): IMF-fixdate is written
 * ("Sun, 06 Nov 1994 08:49:37 GMT"); IMF-fixdate, the obsolete RFC 850 form
 * ("Sunday, 06-Nov-94 08:49:37 GMT") and asctime ("Sun Nov  6 08:49:37 1994")
 * are read.
 */
#include "worker/worker.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

static const char wdays[7][4] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
static const char months[12][4] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                   "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};

static char *two(char *p, int v)
{
	*p++ = (char)('0' + v / 10 % 10);
	*p++ = (char)('0' + v % 10);
	return p;
}

/* Written by hand: Last-Modified is formatted for every static response. */
void wk_http_date(char *buf, size_t n, time_t t)
{
	struct tm tm;
	char out[32], *p = out;
	if (n == 0)
		return;
	if (!gmtime_r(&t, &tm) || tm.tm_year + 1900 < 0 || tm.tm_year + 1900 > 9999) {
		buf[0] = '\0';
		return;
	}
	memcpy(p, wdays[tm.tm_wday], 3);
	p += 3;
	*p++ = ',';
	*p++ = ' ';
	p = two(p, tm.tm_mday);
	*p++ = ' ';
	memcpy(p, months[tm.tm_mon], 3);
	p += 3;
	*p++ = ' ';
	p = two(p, (tm.tm_year + 1900) / 100);
	p = two(p, (tm.tm_year + 1900) % 100);
	*p++ = ' ';
	p = two(p, tm.tm_hour);
	*p++ = ':';
	p = two(p, tm.tm_min);
	*p++ = ':';
	p = two(p, tm.tm_sec);
	memcpy(p, " GMT", 5);
	size_t len = (size_t)(p - out) + 4;
	if (len >= n)
		len = n - 1;
	memcpy(buf, out, len);
	buf[len] = '\0';
}

static int month_of(const char *s)
{
	for (int i = 0; i < 12; i++)
		if (memcmp(s, months[i], 3) == 0)
			return i;
	return -1;
}

static bool num(const char **p, const char *end, int digits, int *out)
{
	int v = 0;
	for (int i = 0; i < digits; i++) {
		if (*p >= end || **p < '0' || **p > '9')
			return false;
		v = v * 10 + (**p - '0');
		(*p)++;
	}
	*out = v;
	return true;
}

static bool lit(const char **p, const char *end, const char *s)
{
	size_t n = strlen(s);
	if ((size_t)(end - *p) < n || memcmp(*p, s, n) != 0)
		return false;
	*p += n;
	return true;
}

static bool hms(const char **p, const char *end, struct tm *tm)
{
	return num(p, end, 2, &tm->tm_hour) && lit(p, end, ":") && num(p, end, 2, &tm->tm_min) &&
	       lit(p, end, ":") && num(p, end, 2, &tm->tm_sec);
}

static bool month(const char **p, const char *end, struct tm *tm)
{
	if (end - *p < 3 || (tm->tm_mon = month_of(*p)) < 0)
		return false;
	*p += 3;
	return true;
}

bool wk_http_date_parse(const char *s, size_t len, time_t *out)
{
	const char *p = s, *end = s + len;
	struct tm tm;
	memset(&tm, 0, sizeof(tm));
	const char *comma = memchr(s, ',', len);
	bool ok;
	if (comma && comma - s == 3) {
		/* IMF-fixdate */
		p = comma + 1;
		ok = lit(&p, end, " ") && num(&p, end, 2, &tm.tm_mday) && lit(&p, end, " ") &&
		     month(&p, end, &tm) && lit(&p, end, " ") && num(&p, end, 4, &tm.tm_year) &&
		     lit(&p, end, " ") && hms(&p, end, &tm) && lit(&p, end, " GMT");
		tm.tm_year -= 1900;
	} else if (comma) {
		/* RFC 850 */
		p = comma + 1;
		ok = lit(&p, end, " ") && num(&p, end, 2, &tm.tm_mday) && lit(&p, end, "-") &&
		     month(&p, end, &tm) && lit(&p, end, "-") && num(&p, end, 2, &tm.tm_year) &&
		     lit(&p, end, " ") && hms(&p, end, &tm) && lit(&p, end, " GMT");
		if (tm.tm_year < 70)
			tm.tm_year += 100;
	} else {
		/* asctime: "Sun Nov  6 08:49:37 1994" */
		if (len < 24)
			return false;
		p = s + 4;
		ok = month(&p, end, &tm) && lit(&p, end, " ");
		int d = 0;
		if (ok && p < end && *p == ' ') {
			p++;
			ok = num(&p, end, 1, &d);
		} else {
			ok = ok && num(&p, end, 2, &d);
		}
		tm.tm_mday = d;
		ok = ok && lit(&p, end, " ") && hms(&p, end, &tm) && lit(&p, end, " ") &&
		     num(&p, end, 4, &tm.tm_year);
		tm.tm_year -= 1900;
	}
	if (!ok || p != end || tm.tm_mday < 1 || tm.tm_mday > 31 || tm.tm_hour > 23 ||
	    tm.tm_min > 59 || tm.tm_sec > 60)
		return false;
	*out = timegm(&tm);
	return true;
}
