"""gen.py for organizations too large to generate in memory: the same generator, emails written in batches.

``shared/bench/gen.py`` builds every email of the organization in memory
before writing; at 250,000 people (125 million emails) that passes 22 GiB
and pyarrow's 2 GiB string limit (``Take operation overflowed binary array
capacity``) on a 24 GiB machine. This script reads gen.py, rewrites its
email section to make and write the emails 5 million at a time (the same
draws in the same order within each batch; message ids numbered on across
batches; emails sorted by time within a batch), and runs it. Below 5
million emails (10,000 people) the files are byte-identical to gen.py's.

    python benchmarks/gen_large.py --people 250000 --out /tmp/ona-bench/n250000 --seed 7
"""

from __future__ import annotations

import sys
from pathlib import Path

GEN = Path(__file__).resolve().parents[1].parent / "shared" / "bench" / "gen.py"
BATCH = 5_000_000


def batched_source(source: str) -> str:
    """gen.py's source with the email section made in batches of :data:`BATCH`."""
    start, end = source.index("    # ---- emails ----"), source.index("    # ---- meetings ----")
    block = source[start:end].replace("    E = int(emails_pp * n)\n", "")
    block = block.replace("pc.cast(pa.array(np.arange(E)), pa.string())", "pc.cast(pa.array(np.arange(e0, e0 + E)), pa.string())")
    block = block.replace("    vals = addr_table.take(pa.array(ref))\n",
                          "    vals = addr_table.take(pa.array(ref))\n    vals = vals.combine_chunks() if isinstance(vals, pa.ChunkedArray) else vals\n")
    body = "\n".join(("    " + line) if line.strip() else line for line in block.splitlines())
    batched = f'''    # ---- emails, {BATCH:,} at a time ----
    E_all = int(emails_pp * n)
    os.makedirs(out, exist_ok=True)
    os.makedirs(out.rstrip("/") + "-parquet", exist_ok=True)
    email_csv_file = open(f"{{out}}/emails.csv", "wb")
    email_csv_file.write(b"timestamp,sender,recipients,cc,message_id\\n")
    pq_writer = None
    R_all = bcast_all = rows_all = dup_all = 0
    for e0 in range(0, E_all, {BATCH}):
        E = min({BATCH}, E_all - e0)
{body}
        pacsv.write_csv(emails_csv, email_csv_file, pacsv.WriteOptions(include_header=False, quoting_style="none"))
        if pq_writer is None:
            pq_writer = pq.ParquetWriter(out.rstrip("/") + "-parquet/emails.parquet", emails_pq.schema)
        pq_writer.write_table(emails_pq.cast(pq_writer.schema))
        R_all += R; bcast_all += int(bcast.sum()); rows_all += emails.num_rows; dup_all += len(dup)
        del emails, emails_csv, emails_pq, vals, to_col, cc_col
        print("emails", e0 + E, "of", E_all, flush=True)
    email_csv_file.close()
    pq_writer.close()
    R = R_all

'''
    out = source[:start] + batched + source[end:]
    # 50 million meeting attendees pass 2 GiB of text: join them as large strings
    out = out.replace("    lst = pa.LargeListArray.from_arrays(pa.array(offsets), values)\n",
                      "    if isinstance(values, pa.ChunkedArray):\n"
                      "        values = values.cast(pa.large_string()).combine_chunks()\n"
                      "    lst = pa.LargeListArray.from_arrays(pa.array(offsets), values)\n")
    out = out.replace('    joined = pc.binary_join(lst, ";")', '    joined = pc.binary_join(lst, pa.scalar(";", values.type))')
    out = out.replace('    _write(emails_csv, f"{out}/emails.csv", f"{pq_dir}/emails.parquet", emails_pq)\n', "")
    out = out.replace('"emails_rows": emails.num_rows, "email_recipient_refs": R, "broadcasts": int(bcast.sum()),',
                      '"emails_rows": rows_all, "email_recipient_refs": R, "broadcasts": bcast_all,')
    return out.replace('"duplicate_email_rows": int(len(dup)),', '"duplicate_email_rows": dup_all,')


if __name__ == "__main__":
    sys.argv[0] = str(GEN)
    exec(compile(batched_source(GEN.read_text()), str(GEN), "exec"), {"__name__": "__main__"})
