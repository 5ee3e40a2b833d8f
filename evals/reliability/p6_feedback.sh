#!/bin/bash
# Review section 6, the cases that passed (B1, B4): `feedback export` on an empty or missing store, and ratings
# written by several processes and threads at once while exports run. One evidence line per case, starting with
# its id. Scaled down: B4 runs 2 processes x 2 threads x 50 ratings (the review: 6 x 4 x 300) and 3 exports.
. "$(dirname "$0")/common.sh"
W=$(mktemp -d); tb() { cat "$@" | grep -c Traceback; }

# B1: a missing home, a home without the database, a 0-byte database, a database with the schema and no rows
mkdir -p "$W/nodb" "$W/zero" "$W/schema"; : > "$W/zero/feedback.sqlite3"
$PY -c "import sys; from assistant.feedback import FeedbackStore; FeedbackStore(sys.argv[1]).rows()" "$W/schema/feedback.sqlite3"
LINE="B1"
for h in missing nodb zero schema; do
  for f in jsonl csv; do
    $A --home "$W/$h" feedback export --format $f > "$W/b1.out" 2> "$W/b1.err"; R=$?
    LINE="$LINE $h/$f:rc=$R,lines=$(grep -c . "$W/b1.out"),header=$(grep -c '^id,created,updated' "$W/b1.out"),says_0=$(grep -c '^0 rating' "$W/b1.err"),tb=$(tb "$W/b1.err")"
  done
done
echo "$LINE created_for_missing_home=$(test -e "$W/missing" && echo 1 || echo 0)"

# B4: 2 processes x 2 threads x 50 ratings (20 kB answer objects), each then commented and re-voted
DB="$W/conc/feedback.sqlite3"; mkdir -p "$W/conc"
$PY - "$DB" 2 2 50 > "$W/b4.txt" 2>&1 <<'PYEOF' & P=$!
import json, sys, time
from concurrent.futures import ThreadPoolExecutor
from multiprocessing import Process, Queue
from assistant.feedback import FeedbackStore

db, procs, threads, n = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
answer = {"sections": [{"title": "In short", "sentences": [{"text": "x" * 200, "citations": [1]}] * 100}]}

def worker(p, t):
    store, errors = FeedbackStore(db), []
    for i in range(n):
        try:
            row = store.vote(session=f"p{p}t{t}", turn=i, rating="up", question=f"question {p}.{t}.{i}",
                             mode="clinician", answer="an answer", answer_json=answer)
            store.comment(row, f"comment {p}.{t}.{i}")
            store.vote(session=f"p{p}t{t}", turn=i, rating="down", question=f"question {p}.{t}.{i}",
                       mode="clinician", answer="an answer", answer_json=answer)
        except Exception as exc:  # "database is locked" included
            errors.append(f"{type(exc).__name__}: {exc}")
    return errors

def process(p, out):
    with ThreadPoolExecutor(threads) as pool:
        out.put(sum((f.result() for f in [pool.submit(worker, p, t) for t in range(threads)]), []))

if __name__ == "__main__":
    start, out = time.time(), Queue()
    ps = [Process(target=process, args=(p, out)) for p in range(procs)]
    for x in ps:
        x.start()
    errors = sum((out.get() for _ in ps), [])
    for x in ps:
        x.join()
    rows = FeedbackStore(db).rows()
    print(f"rows={len(rows)}/{procs * threads * n} comments={sum(bool(r['comment']) for r in rows)} "
          f"down={sum(r['rating'] == 'down' for r in rows)} errors={len(errors)} {errors[:1]} seconds={time.time() - start:.1f}")
PYEOF
EX=""
for i in 1 2 3; do
  sleep 0.2
  $A --home "$W/conc" feedback export > "$W/ex$i.jsonl" 2> "$W/ex$i.err"; R=$?
  EX="$EX export$i:rc=$R,lines=$(grep -c . "$W/ex$i.jsonl"),valid=$($PY -c '
import json, sys
try:
    print(int(all(json.loads(l)["answer_json"] is not None for l in open(sys.argv[1]) if l.strip())))
except ValueError:
    print(0)' "$W/ex$i.jsonl"),tb=$(tb "$W/ex$i.err")"
done
wait $P
echo "B4 $(tail -1 "$W/b4.txt")$EX tracebacks=$(tb "$W/b4.txt")"
rm -rf "$W"
