#!/bin/sh
# Expected --help texts: the real patronictl 3.0.2 help with the program name swapped.
for c in "" dsn edit-config failover flush history list pause query reinit reload remove restart resume show-config switchover topology version; do
  /usr/bin/patronictl $c --help | sed 's/patronictl/agentctl/g' > "help-${c:-main}.txt"
done
# click indents the wrapped usage under the first argument: "Usage: agentctl flush " is 2 shorter.
sed -i 's/^                        {restart|switchover}/                      {restart|switchover}/' help-flush.txt
