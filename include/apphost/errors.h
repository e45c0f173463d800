/*
 * apphost — error codes and the per-thread error object.
 *
 * Every function of the library returns 0 on success or one of the negative
 * AH_E* codes below. The detail of the most recent failure on the calling
 * thread is kept in a per-thread error object: its message is IIS's own text
 * where IIS defines one, and configuration errors carry the file, the line and
 * the HRESULT that IIS reports (for instance on its HTTP 500.19 page).
 * The first error raised wins until ah_error_clear() is called.
 */
#ifndef APPHOST_ERRORS_H
#define APPHOST_ERRORS_H

#include <stdint.h>

enum {
	AH_OK = 0,
	AH_ERROR = -1,     /* generic failure */
	AH_ENOMEM = -2,    /* out of memory */
	AH_ENOTFOUND = -3, /* object, section, file or path not found */
	AH_EINVALID = -4,  /* invalid value or argument */
	AH_ELOCKED = -5,   /* lock violation or locked section */
	AH_EEXISTS = -6,   /* duplicate entry */
	AH_EMODIFIED = -7, /* file changed on disk since read */
	AH_EIO = -8,       /* I/O failure */
	AH_ECONFIG = -9,   /* malformed or invalid configuration */
};

/* HRESULTs used by IIS on configuration errors. */
#define AH_HR_LOCK_VIOLATION 0x80070021u  /* ERROR_LOCK_VIOLATION */
#define AH_HR_INVALID_DATA 0x8007000Du    /* ERROR_INVALID_DATA */
#define AH_HR_ALREADY_EXISTS 0x800700B7u  /* ERROR_ALREADY_EXISTS */
#define AH_HR_ACCESS_DENIED 0x80070005u   /* ERROR_ACCESS_DENIED */
#define AH_HR_FILE_NOT_FOUND 0x80070002u  /* ERROR_FILE_NOT_FOUND */
#define AH_HR_PATH_NOT_FOUND 0x80070003u  /* ERROR_PATH_NOT_FOUND */
#define AH_HR_NOT_SUPPORTED 0x80070032u   /* ERROR_NOT_SUPPORTED */
#define AH_HR_INVALID_ARG 0x80070057u     /* E_INVALIDARG */
#define AH_HR_NOT_FOUND 0x80070490u       /* ERROR_NOT_FOUND */

typedef struct ah_error {
	int code;          /* AH_E* */
	uint32_t hresult;  /* IIS HRESULT, 0 when none applies */
	const char *message; /* IIS's text, never NULL while an error is set */
	const char *file;  /* configuration file, or NULL */
	unsigned line;     /* line in file, 0 when unknown */
} ah_error;

/* The current thread's error, or NULL when none is set. Valid until the next
 * ah_error_clear() or ah_error_set*() on this thread. */
const ah_error *ah_error_last(void);

/* Forget the current thread's error. */
void ah_error_clear(void);

/* Set the thread's error unless one is already set (the first error wins).
 * Returns code, so that `return ah_error_set(...)` reads naturally. */
int ah_error_set(int code, uint32_t hresult, const char *file, unsigned line,
		 const char *fmt, ...) __attribute__((format(printf, 5, 6)));

/* As ah_error_set, but replaces an error that is already set. */
int ah_error_replace(int code, uint32_t hresult, const char *file, unsigned line,
		     const char *fmt, ...) __attribute__((format(printf, 5, 6)));

#endif
