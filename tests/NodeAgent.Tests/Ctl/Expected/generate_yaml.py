#!/usr/bin/python3
"""Expected PyYAML renderings (patronictl's format_config_for_editing, block and flow) of yaml-cases.json."""
import json
from patroni.ctl import format_config_for_editing
cases = json.load(open('yaml-cases.json'))
out = {'block': format_config_for_editing(cases),
       'flow': format_config_for_editing({'nested': cases['nested'], 'numbers': cases['numbers']}, True),
       'items': [format_config_for_editing(s) for s in cases['strings']]}
json.dump(out, open('yaml-expected.json', 'w'), indent=1)
