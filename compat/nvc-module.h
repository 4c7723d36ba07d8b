/* SPDX-License-Identifier: MIT */
#ifndef NVC_MODULE_H
#define NVC_MODULE_H

#include <linux/module.h>
#include <linux/export.h>
#include <linux/stringify.h>

/*
 * NVC_MODULE_IMPORT_NS(NS) - import symbol namespace NS (an identifier).
 *
 * 6.13 API change: commit cdd30ebb1b9f ("module: Convert symbol namespace to
 * string literal") made MODULE_IMPORT_NS() take a string literal.  Before it,
 * the macro stringified an identifier; passing it a string literal there
 * compiles but records the namespace with the quotes (import_ns="NS"), which
 * modpost and the module loader do not match.  So the form is chosen by probe.
 */
#if defined(NVC_MODULE_IMPORT_NS_TAKES_IDENTIFIER)
#define NVC_MODULE_IMPORT_NS(ns) MODULE_IMPORT_NS(ns)
#else
#define NVC_MODULE_IMPORT_NS(ns) MODULE_IMPORT_NS(__stringify(ns))
#endif

/*
 * NVC_EXPORT_SYMBOL_FOR_SYMBOL_GET(sym) - export a symbol that another module
 * reaches with symbol_get().
 *
 * 6.6 change: commit 9011e49d54dc ("modules: only allow symbol_get of
 * EXPORT_SYMBOL_GPL modules") makes symbol_get() fail (NULL) for symbols not
 * exported GPL-only.  nvidia-vgpu-vfio (Dual MIT/GPL) gets nvidia.ko's
 * nvidia_vgpu_vfio_{get,set}_ops that way.  A GPL-only export only restricts
 * who may link to the symbol, so it is right on every kernel and needs no
 * gate.  This changes nothing about nvidia.ko's own licence or about which
 * kernel symbols nvidia.ko may use.
 */
#define NVC_EXPORT_SYMBOL_FOR_SYMBOL_GET(sym) EXPORT_SYMBOL_GPL(sym)

#endif /* NVC_MODULE_H */
