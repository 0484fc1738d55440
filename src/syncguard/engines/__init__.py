"""The engines that run compiled rules: Pandera on polars, Great Expectations on pandas."""
