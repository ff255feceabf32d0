#!/usr/bin/env python3
"""conv2.py DIR LETTER SUFFIX '{"NN":"why here"}' >> PART
Copies DIR/alerts.jsonl to testdata/riposte_blind_set_2026_11SUFFIX.jsonl and prints the cases.
Where the playbook differs from the set, the override text says why; the case records the playbook's decision."""
import json, sys, os, shutil
d, letter, suffix = sys.argv[1], sys.argv[2], sys.argv[3]
over = json.loads(sys.argv[4]) if len(sys.argv) > 4 else {}
exp = json.load(open(os.path.join(d, 'expected.json')))
res = {n: got for (n, slug, v, got) in json.load(open(os.path.join(d, 'result.json')))}
fname = 'riposte_blind_set_2026_11%s.jsonl' % suffix
ROOT = os.environ.get('RIPOSTE_ROOT', os.path.abspath(os.path.join(os.path.dirname(__file__), '..', '..')))
dst = os.path.join(ROOT, 'playbooks/library/testdata', fname)
shutil.copy(os.path.join(d, 'alerts.jsonl'), dst)
EXP = {
    'benign': {"escalation": {"escalate": False}, "actions": []},
    'escalate': {"escalation": {"escalate": True, "tier": 2, "immediate": False}},
    'immediate': {"escalation": {"escalate": True, "tier": 2, "immediate": True}},
    'unmatched': {"matched": False},
    'unreadable': {"unreadable": True},
}
def short(s, n=200):
    s = ' '.join(s.split()).replace('"', "'")
    return s if len(s) <= n else s[:n].rstrip() + '…'
for e in exp:
    n = e['n']; v = e['verdict']; got = res[n]
    key = '%02d' % n
    gotc = 'benign' if got == 'unmatched' else got
    if gotc == v:
        if got == 'unmatched':
            label = '%s (not taken: %s)' % (v, over.get(key, 'no interpreter in the process or its parent, no technique id'))
        else:
            label = v
    else:
        if key not in over:
            sys.exit('set %s %s: differs (want %s, got %s) and no reason given' % (letter, key, v, got))
        gotw = {'benign': 'benign', 'escalate': 'escalate', 'immediate': 'immediate',
                'unmatched': 'not taken', 'unreadable': 'unreadable'}[got]
        label = '%s per the set; %s here (%s)' % (v, gotw, over[key])
    name = 'blind set %s %s: %s: %s' % (letter, e['slug'], label, short(e['why']))
    print('  - name: "%s"' % name.replace('\\', '\\\\').replace('"', "'"))
    print('    alert_file: testdata/%s' % fname)
    print('    record: %d' % n)
    print('    expect: %s' % json.dumps(EXP[got]))
