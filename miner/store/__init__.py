"""The cohort store: outputs of many runs in one DuckDB file, duplicates linked, aggregated.

``duckdb_store`` loads the files written by ``miner extract`` / ``miner screen`` (nothing in the
extraction changes), ``duplicates`` scores whether two records are one patient reported twice,
``cohort`` aggregates the store into counts and a Table 1.
"""
