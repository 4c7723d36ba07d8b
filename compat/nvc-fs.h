/* SPDX-License-Identifier: MIT */
#ifndef NVC_FS_H
#define NVC_FS_H

#include <linux/fs.h>

/*
 * NVC_NO_LLSEEK - the .llseek of a file that cannot seek.
 *
 * 6.12 API change: commit cb787f4ac0c2 ("[tree-wide] finally take no_llseek
 * out") removed no_llseek(): from 6.12 on, a file whose .llseek is NULL is
 * opened without FMODE_LSEEK and lseek() fails with -ESPIPE, which is what
 * no_llseek() returned.
 */
#if defined(NVC_NO_LLSEEK_PRESENT)
#define NVC_NO_LLSEEK no_llseek
#else
#define NVC_NO_LLSEEK NULL
#endif

#endif /* NVC_FS_H */
