// From: nvidia-vgpu-compat <nvidia-vgpu-compat@users.noreply.invalid>
// Date: Sat, 21 Nov 2026 12:00:00 +0000
// Subject: [PATCH] nvidia: look up PFNs of I/O mappings without follow_pfn()
//
// Linux 6.10 removed follow_pfn() (upstream commit 233eb0bf3b94, "mm:
// remove follow_pfn"); the drivers that compile on 6.10 and later replaced
// nv_follow_pfn() by a stub that returns -1 whenever follow_pfn() is
// missing, so os_lookup_user_io_memory() fails for every VM_IO / VM_PFNMAP
// mapping, which worked on older kernels.  Older drivers do not compile:
//
//   error: implicit declaration of function 'follow_pfn'
//
// What replaced follow_pfn(), follow_pte() taking a VMA (commit
// 29ae7d96d166, 6.10) and follow_pfnmap_start() (6.12), is exported
// GPL-only, and nvidia.ko is not GPL.  NVIDIA's own sources (550.144.03,
// 570 to 595) call them only where conftest finds the export
// (NV_IS_EXPORT_SYMBOL_PRESENT_follow_pte / _follow_pfnmap_start), so
// nvidia.ko runs their -1 as well.  Call nvc_follow_pfn(): follow_pfn()
// where it exists, otherwise a lookup in the page tables with the kernel's
// inline accessors, done as get_user_pages_fast() does it (interrupts off,
// every entry read once), which also knows the huge PMD / PUD leaves of
// PFN maps.  Same results as follow_pfn(): 0 and the PFN, or -EINVAL for a
// VMA that is not VM_IO / VM_PFNMAP, an address outside it or nothing
// mapped.
//
// Origin: other, https://git.kernel.org/linus/233eb0bf3b94
// Forwarded: not-needed
// Last-Update: 2026-11-21
// X-Kernel-Release: 6.10
// X-Native-Fix: nvidia/os-mlock.c (follow_pfnmap_start|follow_pte)[[:space:]]*\(
// X-Site: nvidia/os-mlock.c nv_follow_pfn
// X-Probe: NVC_FOLLOW_PFN_PRESENT absent
// X-Native-Stub: NV_IS_EXPORT_SYMBOL_PRESENT_(follow_pte|follow_pfnmap_start) present
// X-Residue: * follow_pfn[[:space:]]*\(
// X-Residue-Missing: nvidia/*.c nvc_follow_pfn|follow_pfnmap_start[[:space:]]*\( nv_follow_pfn[[:space:]]*\([[:space:]]*struct
// X-Native-Guard: NV_FOLLOW_PFN_PRESENT present
// ---
// Two shapes, wherever they are and however they are formatted:
//  - the driver's stub for kernels without follow_pfn(): a "return -1;" in
//    nv_follow_pfn() or nv_follow_flavors() (NVIDIA's names from 535 to
//    595; the three parameters are the VMA, the address and the PFN
//    pointer, by position) returns nvc_follow_pfn() of those parameters;
//  - a follow_pfn() call becomes nvc_follow_pfn() (the same arguments,
//    laid out as they were), but in the branch of "#if
//    defined(NV_FOLLOW_PFN_PRESENT)" / "#ifdef NV_FOLLOW_PFN_PRESENT"
//    (the driver's own, for kernels that have follow_pfn(): X-Native-Guard),
//    which stays as NVIDIA wrote it.  spatch does not see #if conditions,
//    so the lines above the call are read for the enclosing ones.
@initialize:python@
@@
import re

def positive(c):
    """c holds only where NV_FOLLOW_PFN_PRESENT is defined (alone or
    and-ed with other tests; an || may hold without it)."""
    if "||" in c:
        return False
    return re.search(r"(^|&&)\s*(defined\s*\(?\s*)?NV_FOLLOW_PFN_PRESENT\b", c.strip()) is not None

def negative(c):
    """c is the plain negation of that test: its #else holds where it is."""
    return re.match(r"!\s*defined\s*\(?\s*NV_FOLLOW_PFN_PRESENT\s*\)?\s*$", c.strip()) is not None

def native_guarded(p):
    """The call at p is in a branch that only kernels with follow_pfn()
    compile, at any level of #if nesting: the branch of an #if / #ifdef /
    #elif that tests NV_FOLLOW_PFN_PRESENT, or the #elif / #else branch of
    an #ifndef / #if !defined() of it."""
    lines = open(p[0].file, encoding="latin-1").read().split("\n")[:int(p[0].line) - 1]
    depth = 0
    branch = None   # the directive that opens the branch of the call at this level
    for l in reversed(lines):
        d = re.match(r"\s*#\s*(if|ifdef|ifndef|elif|else|endif)\b(.*)", l)
        if not d:
            continue
        kw, cond = d.group(1), re.sub(r"/(/|\*).*", "", d.group(2))  # a comment after it
        if kw == "endif":
            depth += 1
            continue
        if depth > 0:
            if kw in ("if", "ifdef", "ifndef"):
                depth -= 1
            continue
        if kw in ("elif", "else"):
            if branch is None:
                branch = (kw, cond)
            continue
        # the #if that opens this level
        if kw == "ifdef":
            cond = "defined(" + cond.strip() + ")"
        elif kw == "ifndef":
            cond = "!defined(" + cond.strip() + ")"
        if branch is None and positive(cond):
            return True
        if branch is not None and branch[0] == "elif" and positive(branch[1]):
            return True
        if branch is not None and negative(cond):
            return True
        branch = None
    return False

@stub@
identifier f =~ "^nv_follow_(pfn|flavors)$";
identifier vma, address, pfn;
type T1, T2, T3;
@@
int f(T1 vma, T2 address, T3 pfn)
{
<...
- return -1;
+ return nvc_follow_pfn(vma, address, pfn);
...>
}

@call@
position p;
expression list es;
@@
follow_pfn@p(es)

@script:python@
p << call.p;
@@
if native_guarded(p):
    cocci.include_match(False)

@depends on call@
position call.p;
expression list call.es;
@@
- follow_pfn@p
+ nvc_follow_pfn
  (es)
