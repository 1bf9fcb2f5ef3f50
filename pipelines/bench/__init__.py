"""Benchmarks: what civiclake costs as its work grows (`make bench`, `civiclake bench`)."""
