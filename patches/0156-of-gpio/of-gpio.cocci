// From: nvidia-vgpu-compat <nvidia-vgpu-compat@users.noreply.invalid>
// Date: Sun, 6 Dec 2026 16:30:00 +0000
// Subject: [PATCH] nvidia: include <linux/of_gpio.h> and call of_get_named_gpio() through the compat layer
//
// Linux 7.1 removed <linux/of_gpio.h> and of_get_named_gpio() (upstream
// commit b6420bd5aa0c, "gpio: remove of_get_named_gpio() and
// <linux/of_gpio.h>"; the header is in v7.0, not in v7.1).  The 580 and 595
// branches include the header in common/inc/nv-linux.h without asking
// conftest first (535 to 570 test NV_LINUX_OF_GPIO_H_PRESENT), so every
// object of nvidia.ko fails with
//
//   nv-linux.h: fatal error: linux/of_gpio.h: No such file or directory
//
// and nv-dsi-parse-panel-props.c calls of_get_named_gpio() for the DSI
// panel GPIOs of Tegra display devices.  NVIDIA fixed it in 580.159.04
// ("Fixed kernel module build issue with Linux kernel v7.1").
//
// Include "nvc-of-gpio.h" there instead, which includes <linux/of_gpio.h>
// where it exists (probe NVC_LINUX_OF_GPIO_H_PRESENT), so nothing moves on
// older kernels, and call nvc_of_get_named_gpio(): of_get_named_gpio()
// where it exists, otherwise -ENOENT (no such GPIO).  On every kernel built
// without CONFIG_OF_GPIO (x86) of_get_named_gpio() never found a GPIO either
// (it returned -ENOSYS), and the caller only tests gpio_is_valid().  Where
// CONFIG_OF_GPIO was set, of_get_named_gpio() was exported GPL-only, and so
// are its successors (the gpiod API): nvidia.ko never could use them.
//
// Origin: other, https://git.kernel.org/linus/b6420bd5aa0c
// Forwarded: not-needed
// Last-Update: 2026-12-06
// X-Kernel-Release: 7.1
// X-Native-Fix: common/inc/nv-linux.h NV_LINUX_OF_GPIO_H_PRESENT
// X-Probe: NVC_LINUX_OF_GPIO_H_PRESENT absent
// X-Residue: * #[[:space:]]*include[[:space:]]*<linux/of_gpio\.h>
// X-Residue: * of_get_named_gpio[[:space:]]*\(
// X-Native-Guard: NV_LINUX_OF_GPIO_H_PRESENT present
// ---
// #include <linux/of_gpio.h> -> #include "nvc-of-gpio.h", in any file and
// either branch of an #if; of_get_named_gpio(N, P, I) ->
// nvc_of_get_named_gpio(N, P, I): any arguments, spacing and line breaks;
// only the name is replaced.
@@
@@
- #include <linux/of_gpio.h>
+ #include "nvc-of-gpio.h"

@@
expression N, P, I;
@@
- of_get_named_gpio
+ nvc_of_get_named_gpio
  (N, P, I)
