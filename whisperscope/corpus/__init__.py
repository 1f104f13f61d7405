"""Batch runs over a corpus: many recordings, one model load per worker.

    discovery.py  inputs (files, folders, @LIST files) -> sources, each with the root its
                  output mirrors; the output path of every source; `transcript_for`
    plan.py       which outputs are missing or older than their input (resume), the
                  audio seconds still to do, stale temporary files from a killed run
    worker.py     one file -> one output: the per-process model cache, the job settings
    local.py      the jobs in this process, or in N worker processes
    dask_run.py   the same jobs as one Dask task per file on an existing scheduler
    report.py     the progress bar over the corpus and OUT/failures.tsv
    batch.py      a whole run: find, plan, run, report, sum up

Nothing here imports Qt; torch and whisper are imported only where a file is analysed.
"""
