"""The outputs of a run: results JSON, failing-rows CSV, HTML report, and the trend index.

``WRITERS`` lists the per-run writers; a new output is one module with a ``write(run, folder)``
function and one entry here.
"""

from __future__ import annotations

from syncguard.output import failing_csv, html_report, results_json
from syncguard.output.base import RunOutput, Writer

WRITERS: tuple[Writer, ...] = (results_json.write, failing_csv.write, html_report.write)

__all__ = ["WRITERS", "RunOutput", "Writer"]
