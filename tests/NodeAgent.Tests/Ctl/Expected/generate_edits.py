#!/usr/bin/python3
"""Expected edit-config results from patronictl 3.0.2: apply_config_changes (-s/-p), patch_config (--apply) and the diff."""
import json, difflib
from patroni.ctl import apply_config_changes, format_config_for_editing
from patroni.utils import patch_config

base = json.load(open('scenarios.json'))['basic']['config']
cases = []
for pairs in (['ttl=40'], ['postgresql.parameters.max_connections=200', 'postgresql.parameters.pg_stat_statements.track=all'],
              ['postgresql.use_slots=null', 'loop_wait=5', 'new.nested.key=[1, two]'], ['postgresql.parameters=null', 'synchronous_mode=on']):
    before = format_config_for_editing(base)
    after, data = apply_config_changes(before, base, pairs)
    listify = lambda s: [l + '\n' for l in s.rstrip('\n').split('\n')]
    diff = [l.rstrip('\n') for l in difflib.unified_diff(listify(before), listify(after))]
    cases.append({'set': pairs, 'result': data, 'diff': diff})
patches = []
for patch in ({'ttl': 20, 'postgresql': {'parameters': {'wal_level': None, 'work_mem': '8MB'}}}, {'retry_timeout': '10', 'postgresql': 'flat'}):
    data = json.loads(json.dumps(base))
    changed = patch_config(data, patch)
    patches.append({'patch': patch, 'result': data, 'changed': changed})
json.dump({'base': base, 'set': cases, 'patch': patches}, open('edits-expected.json', 'w'), indent=1)
