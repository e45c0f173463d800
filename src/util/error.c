/* The per-thread error object (see include/apphost/errors.h). */
#include "apphost/errors.h"

#include "alloc.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

static _Thread_local ah_error cur;
static _Thread_local int is_set;
static _Thread_local char *msg_store, *file_store;

const ah_error *ah_error_last(void)
{
	return is_set ? &cur : NULL;
}

void ah_error_clear(void)
{
	ah_free(msg_store);
	ah_free(file_store);
	msg_store = file_store = NULL;
	memset(&cur, 0, sizeof(cur));
	is_set = 0;
}

static int vset(int code, uint32_t hr, const char *file, unsigned line, const char *fmt,
		va_list ap)
{
	ah_error_clear();
	char buf[1024];
	vsnprintf(buf, sizeof(buf), fmt, ap);
	msg_store = ah_strdup(buf);
	file_store = file ? ah_strdup(file) : NULL;
	cur.code = code;
	cur.hresult = hr;
	cur.message = msg_store ? msg_store : "Not enough memory";
	cur.file = file_store;
	cur.line = line;
	is_set = 1;
	return code;
}

int ah_error_set(int code, uint32_t hresult, const char *file, unsigned line, const char *fmt,
		 ...)
{
	if (is_set)
		return code;
	va_list ap;
	va_start(ap, fmt);
	vset(code, hresult, file, line, fmt, ap);
	va_end(ap);
	return code;
}

int ah_error_replace(int code, uint32_t hresult, const char *file, unsigned line,
		     const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vset(code, hresult, file, line, fmt, ap);
	va_end(ap);
	return code;
}
