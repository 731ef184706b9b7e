"""Rerun time of the app after a slider change (AppTest, warm caches).

    .venv/bin/python benchmarks/bench_app.py [--runs 20]

Starts the app headless with ``streamlit.testing.v1.AppTest`` (first run builds and caches the
baseline), then moves the TFR slider to ``--runs`` new values (each one a new projection, so
the projection cache misses) and to values already seen (cache hits), and times each
``slider.set_value(...).run()``. AppTest includes its own polling overhead, so the times are
an upper bound of the script's rerun time; the browser adds the network and Vega rendering.
Prints a table and one JSON line. Target: well under 0.5 s per rerun.
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
from pathlib import Path

from streamlit.testing.v1 import AppTest

APP = str(Path(__file__).resolve().parents[1] / "streamlit_app.py")
TFR = "ctl:fertility.tfr_target"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=20)
    args = parser.parse_args()

    start = time.perf_counter()
    at = AppTest.from_file(APP, default_timeout=300)
    at.run()
    first_s = time.perf_counter() - start
    assert not at.exception, [e.message for e in at.exception]

    base = at.slider(key=TFR).value
    new_values = [round(1.0 + 0.05 * i, 2) for i in range(args.runs)]
    new_values = [v for v in new_values if v != base][: args.runs]
    miss_s, hit_s = [], []
    for value in new_values:  # each value projected for the first time
        t0 = time.perf_counter()
        at.slider(key=TFR).set_value(value).run()
        miss_s.append(time.perf_counter() - t0)
        assert not at.exception
    for value in new_values:  # the same values again: projections from the cache
        t0 = time.perf_counter()
        at.slider(key=TFR).set_value(value).run()
        hit_s.append(time.perf_counter() - t0)

    def stats(values: list[float]) -> dict[str, float]:
        ordered = sorted(values)
        return {"median_s": statistics.median(values), "mean_s": statistics.fmean(values),
                "p90_s": ordered[int(0.9 * (len(ordered) - 1))], "max_s": max(values)}

    result = {"benchmark": "app_rerun_after_slider_change", "first_run_s": first_s,
              "runs": len(new_values), "new_value": stats(miss_s), "cached_value": stats(hit_s),
              "target_s": 0.5}
    print(f"first run (baseline built, caches cold): {first_s:7.3f} s")
    for name, key in (("slider to a new value (projection)", "new_value"),
                      ("slider to a value seen before (cache)", "cached_value")):
        s = result[key]
        assert isinstance(s, dict)
        print(f"{name:40s} median {s['median_s']:.3f} s  p90 {s['p90_s']:.3f} s  "
              f"max {s['max_s']:.3f} s  over {len(new_values)} runs")
    print(json.dumps(result))


if __name__ == "__main__":
    main()
