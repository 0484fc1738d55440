"""The outputs of a run: results JSON, failing-rows CSV, HTML report, and the trend index.

``WRITERS`` lists the per-run writers (into the run's folder); a new output is one module with a
``write(run, folder)`` function and one entry here. ``REQUESTED`` lists the outputs written only
when asked for, each to the place the caller names (JUnit XML, the Markdown summary, GitHub
annotations): the pipeline runs both, so no caller writes an output itself.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from pathlib import Path
from typing import TextIO

from syncguard.output import ci, failing_csv, html_report, results_json
from syncguard.output.base import Requested, RunOutput, Writer

WRITERS: tuple[Writer, ...] = (results_json.write, failing_csv.write, html_report.write)

RequestedWriter = Callable[[RunOutput, Path | TextIO], None]
REQUESTED: Mapping[Requested, RequestedWriter] = {
    Requested.JUNIT: ci.write_junit,
    Requested.SUMMARY_MD: ci.append_summary,
    Requested.GITHUB: ci.print_github,
}

__all__ = ["REQUESTED", "WRITERS", "Requested", "RequestedWriter", "RunOutput", "Writer"]
