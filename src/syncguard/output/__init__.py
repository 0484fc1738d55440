"""Writers of what a run leaves behind: results JSON and the HTML report."""
