#!/usr/bin/env python3
"""fixcase.py FILE LINE NEWVERDICT [WHY]: rewrite the case at LINE to the playbook's new verdict.
If the new verdict equals the set's own, the 'X per the set; Y here (…)' label becomes 'X'; else WHY is recorded."""
import sys, re, json
f, line, new = sys.argv[1], int(sys.argv[2]), sys.argv[3]
why = sys.argv[4] if len(sys.argv) > 4 else None
L = open(f).read().split('\n')
i = line - 1
assert L[i].lstrip().startswith('- name: "blind set'), L[i]
m = re.match(r'(\s*- name: "blind set \S+ \S+: )(.*)$', L[i])
head, rest = m.group(1), m.group(2)
pm = re.match(r'(benign|escalate|immediate) per the set; [^()]*?\((.*?)\): (.*)$', rest)
if pm:
    setv, desc = pm.group(1), pm.group(3)
else:
    sm = re.match(r'(benign|escalate|immediate)( \(not taken[^)]*\))?: (.*)$', rest)
    setv, desc = sm.group(1), sm.group(3)
if new == setv:
    L[i] = head + setv + ': ' + desc
else:
    assert why, 'need a reason'
    L[i] = head + '%s per the set; %s here (%s): %s' % (setv, new, why.replace('"', "'"), desc)
EXP = {'benign': {"escalation": {"escalate": False}, "actions": []},
       'escalate': {"escalation": {"escalate": True, "tier": 2, "immediate": False}},
       'immediate': {"escalation": {"escalate": True, "tier": 2, "immediate": True}}}
j = i + 1
while not L[j].lstrip().startswith('expect:'):
    j += 1
ind = L[j][:len(L[j]) - len(L[j].lstrip())]
L[j] = ind + 'expect: ' + json.dumps(EXP[new])
open(f, 'w').write('\n'.join(L))
