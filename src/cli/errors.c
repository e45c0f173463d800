/*
 * appcmd: error messages and exit statuses.
 *
 * Errors are written to standard output, as IIS's appcmd writes them, in an
 * envelope scripts match on:
 *
 *   ERROR ( message:Cannot find SITE object with identifier "X". )
 *
 * A configuration error (anything the engine reports: a malformed file, a
 * lock violation, a bad value, an unknown configuration path) has IIS's
 * layout, one field per line; the file is the full path of the file at
 * fault (empty when the error belongs to no file) and the line is 0 when
 * unknown:
 *
 *   ERROR ( message:Configuration error
 *   Filename: /etc/apphost/applicationHost.config
 *   Line Number: 12
 *   Description: Lock violation
 *   . )
 *
 * A message that ends with the engine's own text (appcmd's "New add object
 * missing required attributes. " before a duplicate or a missing attribute)
 * ends the same way, the closing ". )" on a line of its own:
 *
 *   ERROR ( message:New add object missing required attributes. Cannot add
 *   duplicate collection entry of type 'add' with unique key attribute 'name'
 *   set to 'X'
 *   . )
 *
 * (one line up to "'X'"). A failure reported with an HRESULT by something
 * other than the configuration (the service, the data read by /in) has
 * IIS's layout for those:
 *
 *   ERROR ( hresult:8007000d, message:Command execution failed.
 *   The data is invalid.
 *    )
 *
 * Errors found while reading the command line itself
 * (an unknown object type, a stray positional argument) are printed without
 * the envelope. Warnings (skipped input) go to standard error, so that the
 * output scripts read stays as IIS prints it.
 *
 * The exit status is the Win32 error code of the failure: the low 16 bits
 * of an HRESULT of the Win32 facility (0x8007xxxx), else the HRESULT itself.
 * A process exit status holds 8 bits, so the status is that code modulo 256
 * (1168, ERROR_NOT_FOUND, exits as 144), and a code that is a multiple of
 * 256 exits as 1 so that it never reads as success.
 */
#include "cli.h"

#include <stdarg.h>
#include <stdio.h>

int cli_exit_status(unsigned long win32)
{
	if (win32 == 0)
		return 0;
	int s = (int)(win32 & 0xFF);
	return s ? s : 1;
}

static unsigned long win32_of(uint32_t hr)
{
	if ((hr & 0xFFFF0000u) == 0x80070000u)
		return hr & 0xFFFFu;
	return hr;
}

static unsigned long win32_of_code(int code)
{
	switch (code) {
	case AH_ENOMEM:
		return 8; /* ERROR_NOT_ENOUGH_MEMORY */
	case AH_ENOTFOUND:
		return CLI_EXIT_NOT_FOUND;
	case AH_EINVALID:
		return CLI_EXIT_INVALID_ARG;
	case AH_ELOCKED:
		return 33; /* ERROR_LOCK_VIOLATION */
	case AH_EEXISTS:
		return 183; /* ERROR_ALREADY_EXISTS */
	default:
		return CLI_EXIT_INVALID_DATA;
	}
}

enum { PLAIN, ENVELOPE, NATIVE };

static int vreport(ah_buf *out, unsigned long win32, int layout, const char *fmt, va_list ap)
{
	char msg[4096];
	vsnprintf(msg, sizeof(msg), fmt, ap);
	ah_buf_truncate(out, 0);
	if (layout == ENVELOPE)
		ah_buf_printf(out, "ERROR ( message:%s )\n", msg);
	else if (layout == NATIVE)
		ah_buf_printf(out, "ERROR ( message:%s\n. )\n", msg);
	else
		ah_buf_printf(out, "%s\n", msg);
	return cli_exit_status(win32);
}

int cli_error(ah_buf *out, unsigned long win32, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int s = vreport(out, win32, ENVELOPE, fmt, ap);
	va_end(ap);
	return s;
}

int cli_error_native(ah_buf *out, unsigned long win32, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int s = vreport(out, win32, NATIVE, fmt, ap);
	va_end(ap);
	return s;
}

int cli_error_plain(ah_buf *out, unsigned long win32, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int s = vreport(out, win32, PLAIN, fmt, ap);
	va_end(ap);
	return s;
}

int cli_error_engine(ah_buf *out, int rc)
{
	const ah_error *err = ah_error_last();
	if (!err) {
		if (rc == AH_ENOMEM)
			return cli_error(out, 8, "Not enough memory resources are available to "
						 "process this command.");
		return cli_error(out, win32_of_code(rc), "Command execution failed.");
	}
	unsigned long win32 = err->hresult ? win32_of(err->hresult) : win32_of_code(err->code);
	ah_buf_truncate(out, 0);
	ah_buf_printf(out,
		      "ERROR ( message:Configuration error\n"
		      "Filename: %s\n"
		      "Line Number: %u\n"
		      "Description: %s\n"
		      ". )\n",
		      err->file ? err->file : "", err->line, err->message);
	return cli_exit_status(win32);
}

int cli_error_not_found(ah_buf *out, const cli_kind *kind, const char *id)
{
	return cli_error(out, CLI_EXIT_NOT_FOUND, "Cannot find %s object with identifier \"%s\".",
			 kind->name, id);
}

int cli_error_unknown_attr(ah_buf *out, const char *name)
{
	return cli_error(out, CLI_EXIT_INVALID_ARG,
			 "Unknown attribute \"%s\".  Replace with -? for help.", name);
}

int cli_error_missing(ah_buf *out, const char *name)
{
	return cli_error(out, CLI_EXIT_INVALID_ARG, "Missing required parameter \"%s\".", name);
}

int cli_error_need_ident(ah_buf *out, const cli_kind *kind, const char *verb)
{
	char v[32];
	size_t i = 0;
	for (; verb[i] && i + 1 < sizeof(v); i++)
		v[i] = (char)(verb[i] >= 'a' && verb[i] <= 'z' ? verb[i] - 'a' + 'A' : verb[i]);
	v[i] = '\0';
	/* "identifer" is IIS's own spelling; scripts match it */
	return cli_error(out, CLI_EXIT_NOT_SUPPORTED,
			 "Must use exact identifer for %s object with verb %s.", kind->name, v);
}

void cli_warn(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	fputs("WARNING: ", stderr);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
}

int cli_error_failed(ah_buf *out, uint32_t hresult, const char *text)
{
	ah_buf_truncate(out, 0);
	ah_buf_printf(out, "ERROR ( hresult:%08x, message:Command execution failed.\n%s\n )\n",
		      (unsigned)hresult, text);
	return cli_exit_status(win32_of(hresult));
}
