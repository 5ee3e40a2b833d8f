# Shared by the p*.sh scripts (after common.sh): their own helpers.
# cited FILE: 1 if FILE holds an answer (ask --json) that is not a refusal and cites every sentence, else 0
cited() { $PY -c '
import json, sys
try:
    j = json.load(open(sys.argv[1]))
except ValueError:
    print(0); sys.exit()
print(int(not j["refused"] and bool(j["references"]) and all(s["citations"] for x in j["sections"] for s in x["sentences"])))' "$1"; }
