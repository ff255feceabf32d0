#!/bin/bash
# why.sh DIR N [LINES]: alert N of DIR/alerts.jsonl as Riposte reads it (first LINES lines of
# `riposte alerts show`, when given) and the T1059 playbook's text report on it.
set -u
root=${RIPOSTE_ROOT:-$(cd "$(dirname "$0")/../.." && pwd)}
f=$(mktemp /tmp/why.XXXX.jsonl); sed -n "${2}p" "$1/alerts.jsonl" > "$f"
d=$(mktemp -d)
if [ -n "${3:-}" ]; then "$root/target/release/riposte" alerts show "$f" | head -"$3"; fi
"$root/target/release/riposte" run --playbook "$root/playbooks/library/t1059-command-and-scripting-interpreter.yaml" \
  --alert "$f" --dry-run --data-dir "$d" | head -150
rm -rf "$d" "$f"
