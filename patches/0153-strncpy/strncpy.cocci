// From: nvidia-vgpu-compat <nvidia-vgpu-compat@users.noreply.invalid>
// Date: Sat, 21 Nov 2026 12:00:00 +0000
// Subject: [PATCH] nvidia: copy strings with strncpy semantics through the compat wrapper
//
// Linux 7.2 removed strncpy() (upstream commit 079a028d6327, "string:
// Remove strncpy() from the kernel"); os_get_current_process_name() and
// the nvswitch registry and string helpers fail with
//
//   error: implicit declaration of function 'strncpy'
//
// Call nvc_strncpy(), which is strncpy() where it exists and otherwise
// does exactly what it did: copy up to the first NUL or the given count,
// fill the rest of the count with NULs, leave termination to the caller
// (these callers terminate the buffer themselves), return the
// destination.  memcpy() would read past the end of a shorter source,
// strscpy() would change what is copied.
//
// Origin: other, https://git.kernel.org/linus/079a028d6327
// Forwarded: not-needed
// Last-Update: 2026-11-21
// X-Kernel-Release: 7.2
// X-Native-Fix: nvidia/os-interface.c strscpy[[:space:]]*\(buf, current->comm
// X-Native-Fix: nvidia/linux_nvswitch.c KERNEL_VERSION\(7, ?2, ?0\)
// X-Probe: NVC_STRNCPY_PRESENT absent
// X-Site: nvidia/os-interface.c os_get_current_process_name
// X-Site: nvidia/linux_nvswitch.c nvswitch_os_strncpy
// X-Residue: * strncpy[[:space:]]*\(
// X-Native-Guard: LINUX_VERSION_CODE<KERNEL_VERSION\(([0-6],[0-9]+|7,[0-2]),[0-9]+\) present
// X-Native-Guard: LINUX_VERSION_CODE>=KERNEL_VERSION\(([0-6],[0-9]+|7,[0-2]),[0-9]+\) absent
// ---
// strncpy(D, S, N) -> nvc_strncpy(D, S, N): any arguments, any spacing and
// line breaks, as a statement or inside an expression (return, assignment),
// in any function and file, inside #if or not; only the name is replaced,
// the arguments keep their layout.  A declaration of strncpy() is no
// call: the rule leaves it, and the residue check refuses it.
@@
expression D, S, N;
@@
- strncpy
+ nvc_strncpy
  (D, S, N)
