#!/bin/bash
# Review section 3, the cases that passed (C1-C7, C11, C12, C14, C15), and I15 (the C4 run): crash safety and a
# damaged index, on copies of one indexed home. One evidence line per case, starting with its id.
# Scaled down: the kills are timed by the rows the index holds (chroma_rows.py watches its SQLite file), not by
# seconds, and the passages are short (~64 one-token words) to embed fast. C1/C3 kill a 48-passage ingest once its pending
# mark is written; C2 kills a 330-passage one once its first batch (256) is stored (the review: 2,001 passages at
# 20 and 40 s; the re-run that completes is C1's); I15/C4 send SIGTERM to the ingest of a 2 MB file 2 s after its
# pending mark (the review: 52 MB, at 300 s); C5 kills `index --rebuild` once it has stored a passage; C15 runs 4
# asks at once (the review: 6), C6 is its first step; C7 tries 4 of the review's 5 damages (random bytes in every
# file is left out: zeroed files and random .npy files cover its paths). The groups run in lanes at once.
. "$(dirname "$0")/common.sh"; . "$(dirname "$0")/p_common.sh"
# A corpus of 3 curated notes (22 passages), so that building and rebuilding the index is quick
M=$(mktemp -d); cp "$(dirname "$0")"/../../corpus/{scot-2018,astis-2014,assist-2011}.md "$M/"; export ASSISTANT_CORPUS="$M"
R="$PY $(dirname "$0")/chroma_rows.py"; tb() { cat "$@" | grep -c Traceback; }
H=$(fresh_home); D=$(mktemp -d); W=$(mktemp -d)
copy() { mkdir -p "$W/$1"; cp -r "$H/." "$W/$1/"; echo "$W/$1"; }
Q="What was the treatment-related mortality in the SCOT trial?"
$PY - "$D" <<'PYEOF'
import random, sys
rng = random.Random(3)
words = "cell skin lung risk dose trial death care stem blood heart low high good bad new old".split()  # one token each
def part(n, sentences=2, length=31):  # one passage of ~64 words: quick to embed
    return f"\n## Part {n}\n" + " ".join(" ".join(rng.choice(words) for _ in range(length)).capitalize()
                                        + f" {rng.randint(1, 99)}." for _ in range(sentences)) + "\n"
with open(f"{sys.argv[1]}/small.txt", "w") as f:   # 48 passages
    f.write("## Summary\nThe Frobozz registry of AHSCT in systemic sclerosis had 77 patients.\n")
    f.writelines(part(n) for n in range(47))
with open(f"{sys.argv[1]}/short.txt", "w") as f:  # 330 passages: a first batch of 256, then 74
    f.write("## Summary\nThe Xyzzy registry of AHSCT in systemic sclerosis had 64 patients.\n")
    f.writelines(part(n) for n in range(329))
with open(f"{sys.argv[1]}/big.txt", "w") as f:    # ~2 MB
    f.write("## Summary\nThe Plover registry of AHSCT in systemic sclerosis had 91 patients.\n")
    f.writelines(part(n, 3, 60) for n in range(2200))
PYEOF

lane_c1_c3() {  # SIGKILL an ingest once its pending mark is written; then a changed version of the same file
  local h; h=$(copy k1); local base; base=$($R state "$h")
  $A --home "$h" ingest "$D/small.txt" --kind research --title "Small" > "$W/c1.out" 2>&1 & local p=$!
  local kill; kill=$($R kill-when "$h" $p pending 1 --delay 0.5); wait $p; local rc=$?
  local after_kill; after_kill=$($R state "$h")
  $A --home "$h" sources > "$W/c1.src" 2>&1
  local swept; swept=$($R state "$h")
  $A --home "$h" ingest "$D/small.txt" --kind research --title "Small" > "$W/c1.rerun" 2>&1; local rr=$?
  echo "C1 base: $base | ingest rc=$rc $kill | after the kill: $after_kill | after sources: $swept listed=$(grep -c '^small ' "$W/c1.src") | re-run rc=$rr $(grep -E '^(added|updated|unchanged|failed)' "$W/c1.rerun" | awk '{print $1}') written=$(grep -o '([0-9]* passages)' "$W/c1.rerun") now: $($R state "$h") tracebacks=$(tb "$W"/c1.*)" > "$W/C1"
  local before; before=$($R state "$h")
  echo "## Later section" >> "$D/small.txt"; echo "The Frobozz registry was later extended to 99 patients." >> "$D/small.txt"
  $A --home "$h" ingest "$D/small.txt" --kind research --title "Small" > "$W/c3.out" 2>&1 & p=$!
  kill=$($R kill-when "$h" $p pending 1 --delay 1.0); wait $p; rc=$?
  after_kill=$($R state "$h")
  $A --home "$h" sources > "$W/c3.src" 2>&1
  $A --home "$h" ask --json "How many patients did the Frobozz registry have?" > "$W/c3.json" 2> "$W/c3.err"; local ra=$?
  echo "C3 before: $before | changed file, ingest rc=$rc $kill | after the kill: $after_kill | after sources: $($R state "$h") listed_passages=$(awk '$1 == "small" {print $5}' "$W/c3.src") | ask rc=$ra cited=$(cited "$W/c3.json") first_source=$($PY -c 'import json,sys; r=json.load(open(sys.argv[1]))["references"]; print(r[0]["source_id"] if r else None)' "$W/c3.json") says_99=$(grep -c '99 patients' "$W/c3.json") tracebacks=$(tb "$W"/c3.*)" > "$W/C3"
}

lane_c2() {  # SIGKILL a 330-passage ingest once its first batch of 256 is stored
  local h; h=$(copy k2); local base; base=$($R state "$h"); local n0=${base#passages=}; n0=${n0%% *}
  $A --home "$h" ingest "$D/short.txt" --kind research --title "Short" > "$W/c2.out" 2>&1 & local p=$!
  local kill; kill=$($R kill-when "$h" $p passages $((n0 + 256))); wait $p; local rc=$?
  local after_kill; after_kill=$($R state "$h")
  $A --home "$h" sources > "$W/c2.src" 2>&1; local rs=$?
  echo "C2 base: $base | ingest rc=$rc $kill | after the kill: $after_kill | sources rc=$rs, after it: $($R state "$h") listed=$(grep -c '^short ' "$W/c2.src") sources=$(grep -c ' corpus ' "$W/c2.src") tracebacks=$(tb "$W"/c2.*)" > "$W/C2"
}

lane_i15_c4() {  # SIGTERM the ingest of a 2 MB file 2 s after its pending mark; its peak memory
  local h; h=$(copy t); local base; base=$($R state "$h"); local n0=${base#passages=}; n0=${n0%% *}
  /usr/bin/time -f "%M" -o "$W/rss.txt" timeout 600 $A --home "$h" ingest "$D/big.txt" --kind research --title "Big two" \
    > "$W/i15.out" 2>&1 & local tp=$!
  local p=""; while [ -z "$p" ] && kill -0 $tp 2> /dev/null; do sleep 0.2; p=$(pgrep -P $tp); done  # `timeout`: it
  local kill; kill=$($R kill-when "$h" "$p" pending 1 --delay 2 --signal TERM); wait $tp; local rc=$?  # passes TERM on
  local after_kill; after_kill=$($R state "$h")
  local mb=$(( $(tail -1 "$W/rss.txt" | grep -o '^[0-9]*' || echo 0) / 1024 ))
  echo "I15 size_bytes=$(stat -c %s "$D/big.txt") ingest rc=$rc (124/143 = stopped) $kill max_rss_mb=$mb $(grep -o 'as [^ ]* ([0-9]* passages)' "$W/i15.out") tracebacks=$(tb "$W/i15.out")" > "$W/I15"
  $A --home "$h" sources > "$W/c4.src" 2>&1; local rs=$?
  local swept; swept=$($R state "$h")
  $A --home "$h" ask --json "$Q" > "$W/c4.json" 2> "$W/c4.err"; local ra=$?
  echo "C4 base: $base | after SIGTERM: $after_kill | sources rc=$rs, after it: $swept listed=$(grep -c '^big ' "$W/c4.src") | ask rc=$ra cited=$(cited "$W/c4.json") tracebacks=$(tb "$W"/c4.*)" > "$W/C4"
}

lane_bm25() {  # C6 + C15: no BM25 files, 4 asks at once; C7: damaged BM25 files, one ask each
  local h; h=$(copy r1); rm -rf "$h/lexical"
  local i ps=()
  for i in 1 2 3 4; do $A --home "$h" ask --json "$Q" > "$W/c15.$i.json" 2> "$W/c15.$i.err" & ps+=($!); done
  local rcs="" cits=""
  for i in 1 2 3 4; do wait ${ps[$((i - 1))]}; rcs="$rcs$?"; cits="$cits$(cited "$W/c15.$i.json")"; done
  echo "C6 rm -rf lexical, then ask: rc=${rcs:0:1} cited=${cits:0:1} rebuilt=$(ls "$h"/lexical/*/manifest.json 2>/dev/null | wc -l) tracebacks=$(tb "$W/c15.1.err")" > "$W/C6"
  echo "C15 4 asks at once on a home with no BM25 files: rcs=$rcs cited=$cits tracebacks=$(tb "$W"/c15.*.err)" > "$W/C15"
  local line="C7" v L f
  for v in zeroed npy-random vocab-empty folder-is-file; do
    L=$(ls -d "$h"/lexical/passages-* | head -1)
    case $v in
      zeroed) for f in "$L"/*; do : > "$f"; done;;
      npy-random) for f in "$L"/*.npy; do head -c $(( $(stat -c %s "$f") + 64 )) /dev/urandom > "$f"; done;;
      vocab-empty) f=$(ls "$L"/*vocab* 2>/dev/null | head -1); : > "${f:-$L/rows.json}";;
      folder-is-file) rm -rf "$L"; echo "not a folder" > "$L";;
    esac
    $A --home "$h" ask --json "$Q" > "$W/c7.json" 2> "$W/c7.err"
    line="$line $v:rc=$?,cited=$(cited "$W/c7.json"),warned=$(grep -ciE 'unreadable|rebuilding' "$W/c7.err"),tb=$(tb "$W/c7.err")"
  done
  echo "$line" > "$W/C7"
}

lane_chroma() {  # C14: HNSW folders deleted / randomised; C11/C12: chroma.sqlite3 deleted / emptied; C5: killed rebuild
  local h v line="C14" seg f
  for v in deleted randomised; do
    h=$(copy "c14$v"); line="$line $v:segments=$(ls -d "$h"/chroma/*/ | wc -l)"
    for seg in "$h"/chroma/*/; do
      case $v in deleted) rm -rf "$seg";; randomised) for f in "$seg"*; do head -c $(stat -c %s "$f") /dev/urandom > "$f"; done;; esac
    done
    $A --home "$h" ask --json "$Q" > "$W/c14.json" 2> "$W/c14.err"
    line="$line,rc=$?,cited=$(cited "$W/c14.json"),tb=$(tb "$W/c14.err")"
  done
  echo "$line" > "$W/C14"
  h=$(copy c11); rm "$h/chroma/chroma.sqlite3"
  $A --home "$h" ask --json "$Q" > "$W/c11.json" 2> "$W/c11.err"
  echo "C11 rm chroma.sqlite3, then ask: rc=$? cited=$(cited "$W/c11.json") tracebacks=$(tb "$W/c11.err") $(grep -m1 '^Error' "$W/c11.err" | cut -c1-120) now: $($R state "$h" 2>&1 | tail -1)" > "$W/C11"
  h=$(copy c12); : > "$h/chroma/chroma.sqlite3"
  $A --home "$h" ask --json "$Q" > "$W/c12.json" 2> "$W/c12.err"
  echo "C12 empty chroma.sqlite3, then ask: rc=$? cited=$(cited "$W/c12.json") tracebacks=$(tb "$W/c12.err") $(grep -m1 '^Error' "$W/c12.err" | cut -c1-120) now: $($R state "$h" 2>&1 | tail -1)" > "$W/C12"
  h=$(copy c5); local base; base=$($R state "$h")
  $A --home "$h" index --rebuild > "$W/c5.out" 2>&1 & local p=$!
  local kill; kill=$($R kill-when "$h" $p passages 1 --new); wait $p; local rc=$?
  local partial; partial=$($R state "$h")
  $A --home "$h" ask --json "$Q" > "$W/c5.json" 2> "$W/c5.err"; local ra=$?
  $A --home "$h" index > "$W/c5.idx" 2>&1; local ri=$?
  echo "C5 base: $base | index --rebuild rc=$rc $kill | left: $partial | ask rc=$ra answer_or_refusal=$($PY -c 'import json,sys; print(int("refused" in json.load(open(sys.argv[1]))))' "$W/c5.json" 2>/dev/null || echo 0) | index rc=$ri: $(tail -1 "$W/c5.idx") now: $($R state "$h") tracebacks=$(tb "$W/c5.err" "$W/c5.idx" "$W/c5.out")" > "$W/C5"
}

lane_c1_c3 & L1=$!; lane_c2 & L2=$!; lane_i15_c4 & L3=$!; lane_bm25 & L4=$!; lane_chroma & L5=$!
wait $L1 $L2 $L3 $L4 $L5
for c in C1 C2 C3 C4 C5 C6 C7 C11 C12 C14 C15 I15; do cat "$W/$c" 2>/dev/null || echo "$c missing: its lane did not finish"; echo; done | grep .
rm -rf "$H" "$D" "$W" "$M"
