#!/usr/bin/python3
"""Regenerates the expected agentctl outputs from the installed patronictl 3.0.2 output functions.

Run: /usr/bin/python3 generate.py   (from this directory). Each scenario in scenarios.json is turned into a
patroni Cluster with patroni's own parsers; the pretty title gets the 3.1.1+ "(sysid)" suffix by passing
"name (sysid)" as the cluster name to the 3.0.2 function (which prints ' Cluster: {name} ').
"""
import io, json, contextlib
import click
from patroni import ctl
from patroni.dcs import Cluster, ClusterConfig, Failover, Leader, Member, SyncState, TimelineHistory

def build(s):
    members = [Member.from_node(1, n, 1, json.dumps(d)) for n, d in s.get('members', {}).items()]
    leader = None
    if 'leader' in s:
        m = next((m for m in members if m.name == s['leader']), Member(-1, s['leader'], None, {}))
        leader = Leader(1, 1, m)
    config = ClusterConfig.from_node(1, json.dumps(s['config'])) if 'config' in s else None
    failover = Failover.from_node(1, json.dumps(s['failover'])) if 'failover' in s else None
    sync = SyncState.from_node(1, s['sync']) if 'sync' in s else SyncState.empty()
    history = TimelineHistory.from_node(1, json.dumps(s['history'])) if 'history' in s else None
    last_lsn = s.get('status', {}).get('optime', 0)
    return Cluster(s.get('initialize'), config, leader, last_lsn, members, failover, sync, history, None, None)

def capture(f):
    buf = io.StringIO()
    with contextlib.redirect_stdout(buf):
        f()
    return buf.getvalue()

scenarios = json.load(open('scenarios.json'))
for name, s in scenarios.items():
    cluster = build(s)
    init = {None: 'uninitialized', '': 'initializing'}.get(s.get('initialize'), s.get('initialize'))
    for fmt in ('pretty', 'topology', 'tsv', 'json', 'yaml'):
        for ext in (False, True):
            shown = 'PGC1 ({0})'.format(init) if fmt in ('pretty', 'topology') else 'PGC1'
            out = capture(lambda: ctl.output_members({}, cluster, shown, ext, fmt))
            open('list-{0}-{1}{2}.txt'.format(name, fmt, '-e' if ext else ''), 'w').write(out)
    if cluster.config:
        open('show-config-{0}.txt'.format(name), 'w').write(capture(lambda: click.echo(ctl.format_config_for_editing(cluster.config.data))))
    if 'history' in s:
        for fmt in ('pretty', 'tsv', 'json', 'yaml'):
            lines = json.loads(json.dumps(s['history']))
            out = capture(lambda: ctl.print_output(['TL', 'LSN', 'Reason', 'Timestamp', 'New Leader'], lines, {'TL': 'r', 'LSN': 'r'}, fmt))
            open('history-{0}-{1}.txt'.format(name, fmt), 'w').write(out)
