// From: nvidia-vgpu-compat <nvidia-vgpu-compat@users.noreply.invalid>
// Date: Sat, 21 Nov 2026 12:00:00 +0000
// Subject: [PATCH] nvidia-vgpu-vfio: migration files without no_llseek
//
// Linux 6.12 removed no_llseek() (upstream commit cb787f4ac0c2,
// "[tree-wide] finally take no_llseek out"): the migration data files
// vgpu_save_fops and vgpu_resume_fops fail with "'no_llseek' undeclared".
// Use NVC_NO_LLSEEK: no_llseek where it exists, NULL from 6.12 on, where a
// file without .llseek is opened without FMODE_LSEEK and lseek() fails
// with -ESPIPE as no_llseek() made it fail.
//
// Origin: other, https://git.kernel.org/linus/cb787f4ac0c2
// Forwarded: not-needed
// Last-Update: 2026-11-21
// X-Kernel-Release: 6.12
// X-Native-Fix: nvidia-vgpu-vfio/nvidia-vgpu-vfio.c NV_NO_LLSEEK_PRESENT
// X-Probe: NVC_NO_LLSEEK_PRESENT absent
// X-Site: nvidia-vgpu-vfio/nvidia-vgpu-vfio.c no_llseek
// X-Residue: * no_llseek
// X-Native-Guard: NV_NO_LLSEEK_PRESENT present
// ---
// .llseek = no_llseek -> .llseek = NVC_NO_LLSEEK: in the initialiser of
// any struct variable (file_operations or another), whatever the alignment
// and position of the entry; and in assignments to a .llseek / ->llseek
// member.  Only the value is replaced: the entry keeps its layout.
@@
identifier I, S;
symbol no_llseek;
@@
struct S I = {
  .llseek =
- no_llseek
+ NVC_NO_LLSEEK
  ,
};

@@
expression E;
symbol no_llseek;
@@
(
  E.llseek =
- no_llseek
+ NVC_NO_LLSEEK
|
  E->llseek =
- no_llseek
+ NVC_NO_LLSEEK
)
