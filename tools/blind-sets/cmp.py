#!/usr/bin/env python3
"""cmp.py DIR [--quiet]: run the T1059 playbook on DIR/alerts.jsonl, compare with DIR/expected.json."""
import json, subprocess, sys, tempfile, os
d = sys.argv[1]
quiet = '--quiet' in sys.argv
ROOT = os.environ.get('RIPOSTE_ROOT', os.path.abspath(os.path.join(os.path.dirname(__file__), '..', '..')))
exe = os.path.join(ROOT, 'target/release/riposte')
pb = os.path.join(ROOT, 'playbooks/library/t1059-command-and-scripting-interpreter.yaml')
exp = json.load(open(os.path.join(d, 'expected.json')))
def run_lines():
    out = []
    lines = open(os.path.join(d, 'alerts.jsonl')).read().splitlines()
    with tempfile.TemporaryDirectory() as t:
        for i, l in enumerate(lines):
            f = os.path.join(t, 'a%d.jsonl' % i)
            open(f, 'w').write(l + '\n')
            o = subprocess.run([exe, 'run', '--playbook', pb, '--alert', f, '--dry-run', '--format', 'json',
                                '--data-dir', os.path.join(t, 'd')], capture_output=True, text=True)
            rs = [json.loads(x) for x in o.stdout.splitlines() if x.strip().startswith('{')]
            out.append(rs)
    return out
rank = {'unreadable': 0, 'unmatched': 1, 'benign': 2, 'escalate': 3, 'immediate': 4}
def verdict(r):
    if 'error' in r: return 'unreadable'
    if r.get('status') == 'unmatched': return 'unmatched'
    es = r['escalation']
    return 'benign' if not es['escalate'] else ('immediate' if es['immediate'] else 'escalate')
per = run_lines()
lines = []
for rs in per:
    best = max(rs, key=lambda r: rank[verdict(r)]) if rs else {'error': 'no output'}
    lines.append(best)
strict = ec = 0
res = []
for e, r in zip(exp, lines):
    if 'error' in r:
        got = 'unreadable'
    elif r.get('status') == 'unmatched':
        got = 'unmatched'
    else:
        es = r['escalation']
        got = 'benign' if not es['escalate'] else ('immediate' if es['immediate'] else 'escalate')
    v = e['verdict']
    gotc = 'benign' if got in ('benign', 'unmatched') else got
    ok = gotc == v
    ecok = (gotc == 'benign') == (v == 'benign') and got != 'unreadable'
    if not ok: strict += 1
    if not ecok: ec += 1
    res.append((e['n'], e['slug'], v, got))
    if not ok and not quiet:
        reasons = r.get('escalation', {}).get('reasons', []) if isinstance(r, dict) else []
        print('%2d %-40s want %-9s got %-10s %s' % (e['n'], e['slug'], v, got, '' if ecok else 'E/C'))
        print('     why:', e['why'][:300])
        if reasons: print('     reasons:', '; '.join(reasons)[:400])
print('%s: strict %d/%d, escalate/close %d/%d' % (d, strict, len(exp), ec, len(exp)))
json.dump(res, open(os.path.join(d, 'result.json'), 'w'))
