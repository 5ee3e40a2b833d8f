#!/bin/bash
# Review section 2, the cases that passed (I1-I10, I12-I14, I16, I17, I20-I22, I24, I29): ingestion, on one
# indexed home and a copy of it (I15 is in p3_crash.sh with C4, the same run). One evidence line per case,
# starting with its id. Scaled down: I14 ingests 30 notes (not 200), I22 two documents of 48 short passages (not
# 324). The files that must fail go through one `ingest` (each file fails alone), and so do the ones that must be
# added. Two lanes run at once: I22 and I14 on the copy, the rest on the home.
. "$(dirname "$0")/common.sh"
# A corpus of 3 curated notes (22 passages), so that building and rebuilding the index is quick
M=$(mktemp -d); cp "$(dirname "$0")"/../../corpus/{scot-2018,astis-2014,assist-2011}.md "$M/"; export ASSISTANT_CORPUS="$M"
S="$PY $(dirname "$0")/summarise.py"; tb() { cat "$@" | grep -c Traceback; }
P=$(mktemp -d); H="$P/home"; $A --home "$H" index > /dev/null 2>&1   # nothing else may appear in $P (I17)
D=$(mktemp -d); $PY "$(dirname "$0")/make_docs.py" "$D"; W=$(mktemp -d); HB="$W/copy"; cp -r "$H" "$HB"

lane_many() {  # I22: two ingests of the same home at once; I14: 30 small notes; then a question on each
  $A --home "$HB" ingest "$D/medA.txt" --kind research --title "Med A" > "$W/ia.txt" 2>&1 & local pa=$!
  $A --home "$HB" ingest "$D/medB.txt" --kind research --title "Med B" > "$W/ib.txt" 2>&1; local rb=$?; wait $pa; local ra=$?
  $A --home "$HB" ingest "$D/many" > "$W/many.txt" 2>&1; local rm=$?
  $A --home "$HB" sources > "$W/srcb.txt" 2>&1
  printf '%s\n' "How many patients did the Thud17 cohort have?" "How many patients did the Frobozz registry have?" \
    "How many patients did the Glorkian registry have?" | $A --home "$HB" ask --batch - > "$W/asks.jsonl" 2> "$W/asks.err"
  local cites; cites=$($S cites "$W/asks.jsonl")   # thud17.../meda.../medb...
  first() { echo "$cites" | cut -d/ -f"$1" | cut -d, -f1; }
  echo "I22 rc=$ra/$rb tracebacks=$(tb "$W/ia.txt" "$W/ib.txt") written=$(grep -ho '([0-9]* passages)' "$W/ia.txt" "$W/ib.txt" | tr -dc '0-9\n' | paste -sd/) listed=$(awk '$1 == "meda" || $1 == "medb" {print $5}' "$W/srcb.txt" | paste -sd/) first_cited=$(first 2)/$(first 3) waited=$(cat "$W/ia.txt" "$W/ib.txt" | grep -c 'another process is writing')" > "$W/I22"
  echo "I14 rc=$rm tracebacks=$(tb "$W/many.txt") added=$(grep -c '^added' "$W/many.txt") listed=$(grep -c '^thud[0-9]* ' "$W/srcb.txt") thud17_question_cites_first=$(first 1) asks_tracebacks=$(tb "$W/asks.err")" > "$W/I14"
}
lane_many & LM=$!

# I1-I7, I17: every file fails alone, with its reason
$A --home "$H" ingest "$D"/bad/* --kind research --title T > bad.txt 2>&1; R=$?; T=$(tb bad.txt)
echo "I1 rc=$R tracebacks=$T $($S files bad.txt empty.md empty.txt)"
echo "I2 rc=$R tracebacks=$T $($S files bad.txt random.pdf)"
echo "I3 rc=$R tracebacks=$T $($S files bad.txt random.md elf.md)"
echo "I4 rc=$R tracebacks=$T $($S files bad.txt blank.pdf)"
echo "I5 rc=$R tracebacks=$T $($S files bad.txt truncated.pdf)"
echo "I6 rc=$R tracebacks=$T $($S files bad.txt corrupt.pdf)"
echo "I7 rc=$R tracebacks=$T $($S files bad.txt encrypted.pdf)"
echo "I17 rc=$R tracebacks=$T $($S files bad.txt traversal.md dotdot.md longid.md | cut -c1-300) outside_home=$(ls -A "$P" | grep -vcx home)"

# I20: removing a source that is not there
$A --home "$H" remove no-such-id > rm.txt 2>&1; R=$?
echo "I20 rc=$R tracebacks=$(tb rm.txt) error_lines=$(grep -c '^Error: ' rm.txt) says_no_source=$(grep -c "no source 'no-such-id'" rm.txt)"

# I8, I9, I10, I12, I16 and I21's first ingest: added; I21: the same file again
$A --home "$H" ingest "$D"/good/* --kind research --title "Garply cohort" > good.txt 2>&1; RG=$?; TG=$(tb good.txt)
$A --home "$H" ingest "$D/good/dup1.md" > dup.txt 2>&1; RD=$?
echo "I21 rc=$RG/$RD tracebacks=$(tb good.txt dup.txt) first: $($S files good.txt dup1.md) second: $($S files dup.txt dup1.md)"

# I24 (15 wrong-typed front matters), I13 (a folder of links to itself and to each other, and one of them)
$A --home "$H" ingest "$D/fm" > fm.txt 2>&1; RF=$?
timeout 120 $A --home "$H" ingest "$D/loop" > loop1.txt 2>&1; RL1=$?
timeout 120 $A --home "$H" ingest "$D/loop/a.md" > loop2.txt 2>&1; RL2=$?
echo "I13 folder: rc=$RL1 (124 = hung) tracebacks=$(tb loop1.txt) said=$(grep -c . loop1.txt) $(tail -1 loop1.txt | cut -c1-60 | sed "s|$D||") file: rc=$RL2 tracebacks=$(tb loop2.txt) $(tail -1 loop2.txt | sed "s|$D||")"
echo "I24 rc=$RF tracebacks=$(tb fm.txt) files=$(ls "$D/fm" | wc -l) one_line_each=$($S files fm.txt $(ls "$D/fm") | grep -o '=[a-z]*\[' | grep -vc none) added=$(grep -c '^added' fm.txt) failed=$(grep -c '^failed' fm.txt)"

# I29: `index` keeps what was ingested; `index --rebuild` (on a copy) drops it
INGESTED=$(cat good.txt fm.txt | grep -cE '^(added|updated)')
$A --home "$H" index > idx.txt 2>&1; RI=$?
H2="$W/rebuilt"; cp -r "$H" "$H2"
( $A --home "$H2" index --rebuild > rebuild.txt 2>&1; echo $? > rebuild.rc; $A --home "$H2" sources > src2.txt 2>&1 ) & PR=$!
$A --home "$H" sources > src.txt 2> src.err
$A --home "$H" sources show quux-registry-report > quux.txt 2>&1
$A --home "$H" sources show latin-one-note > latin.txt 2>&1
wait $PR

echo "I8 rc=$RG tracebacks=$TG $($S files good.txt encrypted_emptyuser.pdf) (its /Title, not --title)"
echo "I9 rc=$RG $($S files good.txt scripts.html) kept=$(grep -c '52 patients\|88% at five years' quux.txt) entity_text=$(grep -c "<script>alert('escaped-entity')</script>" quux.txt) script_or_style_left=$(grep -ciE 'SCRIPT_LEFT|MODULE_LEFT|STYLE-LEFT|NOSCRIPT-LEFT|alert\([1349]\)|onclick|onerror|color: red' quux.txt)"
echo "I10 $($S files good.txt injection.md) flags=$(awk '$1 == "injection-test-note-on-ahsct" {print $NF}' src.txt)"
echo "I12 $($S files good.txt latin1.md) warning=$(grep -c 'not valid UTF-8: decoded as Windows-1252' good.txt) text_ok=$(grep -c 'Café cohort .* naïve .* à la fois' latin.txt)"
echo "I16 rc=$RG status=$(grep -F "name with spaces" good.txt | grep -E "^(added|failed)" | awk '{print $1}') id=$(grep -F "name with spaces" good.txt | grep -E "^added" | sed "s/.*-> //") listed=$(grep -c '^name-with-spaces ' src.txt)"
echo "I29 ingested=$INGESTED index: rc=$RI kept=$(grep -c ' ingest ' src.txt) rebuild_copy: rc=$(cat rebuild.rc) kept=$(grep -c ' ingest ' src2.txt) corpus_sources=$(grep -c ' corpus ' src2.txt)/$(grep -c ' corpus ' src.txt) tracebacks=$(tb idx.txt rebuild.txt src.err src2.txt)"
wait $LM; cat "$W/I22" "$W/I14" 2> /dev/null || echo "I22 I14 missing: their lane did not finish"
rm -rf "$P" "$D" "$W" "$M"
