#!/bin/bash
# Review section 5, the cases that passed (W1-W7, W10), and W11 (a failure no f*.sh script re-runs: the answers
# exported by a chat must be gone once it stops): two chat pages on free loopback ports, one without a
# login (its index holds the review's scripts.html) and one with `ASSISTANT_AUTH`, driven by chat_cases.py through
# gradio_client. One evidence line per case, starting with its id. Scaled down: W1 runs 5 sessions x 2 questions
# (the review: 40 x 3), W2 5 x 2 (50 x 3), W3 3 x 2 (30 x 3), on a corpus of 3 notes.
. "$(dirname "$0")/common.sh"
# A corpus of 3 curated notes (22 passages): quick to index and to answer from; the cases are about the page
M=$(mktemp -d); cp "$(dirname "$0")"/../../corpus/{scot-2018,astis-2014,assist-2011}.md "$M/"; export ASSISTANT_CORPUS="$M"
W=$(mktemp -d); H=$(fresh_home); H2="$W/auth-home"; cp -r "$H" "$H2"
free_port() { $PY -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
cat > "$W/scripts.html" <<'HTML'
<html><head><title>Quux registry report</title><style>.x { color: red }</style><script>alert(1)</script></head>
<body><h2>Results</h2><p onclick="alert(3)">The Quux registry followed 52 patients with systemic sclerosis after AHSCT.</p>
<p>Overall survival in the Quux registry was 88% at five years.<img src=x onerror=alert(9)></p>
<p>The Quux registry page quotes &lt;script&gt;alert('escaped-entity')&lt;/script&gt; as an example of overall survival markup.</p></body></html>
HTML
$A --home "$H" ingest "$W/scripts.html" --kind research > "$W/ingest.txt" 2>&1 || cat "$W/ingest.txt"
mkdir "$W/tmp"; export TMPDIR="$W/tmp"   # the chats' temporary folders (W11: their exported answers) go here
P1=$(free_port); $A --home "$H" chat --port "$P1" > "$W/chat.log" 2>&1 & C1=$!
P2=$(free_port); ASSISTANT_AUTH=tester:s3cret-pw $A --home "$H2" chat --port "$P2" > "$W/chat-auth.log" 2>&1 & C2=$!
up() { for _ in $(seq 1 600); do
         $PY -c "import urllib.request as u, urllib.error as e
try: u.urlopen('http://127.0.0.1:$1/', timeout=1)
except e.HTTPError: pass" 2> /dev/null && return 0; sleep 0.5; done; return 1; }
if up "$P1" && up "$P2"; then
  timeout 600 $PY "$(dirname "$0")/chat_cases.py" "http://127.0.0.1:$P1/" "$C1" "http://127.0.0.1:$P2/" tester:s3cret-pw "$W/chat.log"
else
  echo "a chat did not start:"; tail -5 "$W/chat.log" "$W/chat-auth.log"
fi
EXPORTED=$(find "$W/tmp" -path '*assistant-export-*' -name '*.md' | wc -l)
kill "$C1" "$C2"; wait "$C1" "$C2" 2> /dev/null   # as the review stopped its chats: SIGTERM to their PIDs
echo "W11 exported_answers_while_running=$EXPORTED export_folders_left_after_stop=$(find "$W/tmp" -maxdepth 1 -name 'assistant-export-*' | wc -l) files_left=$(find "$W/tmp" -path '*assistant-export-*' -type f | wc -l)"
rm -rf "$W" "$H" "$M"
