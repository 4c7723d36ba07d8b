#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Maintainer tool: (re)write a topic patch from line edits on a pristine tree.

mkpatch.py HEADER_FILE PRISTINE_KERNEL_DIR OUT.patch EDIT...
  EDIT is FILE::OLD-LINE::NEW-LINE (replace the one line OLD, which must occur
  exactly once), or FILE::AFTER-LINE::+NEW-LINE (insert NEW after the line
  AFTER, which must occur exactly once).  OLD or AFTER starting with '*' means
  every occurrence (at least one).  NEW may contain \\n for several lines.
The diff part is produced with diff -u against a/kernel/... b/kernel/...
"""
import os, subprocess, sys, tempfile

def main():
    header, pristine, out, *edits = sys.argv[1:]
    by_file = {}
    for e in edits:
        f, old, new = e.split('::')
        by_file.setdefault(f, []).append((old, new))
    parts = [open(header).read().rstrip('\n') + '\n---\n']
    for f in sorted(by_file):
        text = open(os.path.join(pristine, f)).read()
        lines = text.split('\n')
        for old, new in by_file[f]:
            every = old.startswith('*')
            old = old[1:] if every else old
            idx = [i for i, l in enumerate(lines) if l == old]
            if not idx or (len(idx) != 1 and not every):
                sys.exit(f'{f}: {old!r} occurs {len(idx)} times')
            new = new.replace('\\n', '\n')
            for i in reversed(idx):
                if new.startswith('+'):
                    lines[i + 1:i + 1] = new[1:].split('\n')
                else:
                    lines[i:i + 1] = new.split('\n')
        with tempfile.NamedTemporaryFile('w', delete=False) as t:
            t.write('\n'.join(lines))
        d = subprocess.run(['diff', '-U', os.environ.get('NVC_DIFF_U', '3'), '--label', f'a/kernel/{f}', '--label', f'b/kernel/{f}',
                            os.path.join(pristine, f), t.name], capture_output=True, text=True)
        os.unlink(t.name)
        if d.returncode != 1:
            sys.exit(f'diff failed for {f}: {d.stderr}')
        parts.append(d.stdout)
    open(out, 'w').write(''.join(parts))

main()
