"""The README's table of the visit against no visit, before and after issue 15 (not a timing).

Runs ``qaani_visit`` and ``no_visit`` (paired: same seed, same trials) three ways, and prints
a Markdown table of what follows the visit, each with its interval:

- *before*: issue 15's mechanisms off, ``lapse_base`` and ``campaign_rate`` at their earlier
  values and uncertainties (the model of commit ca51e26, with today's metrics);
- *after, prior*: the shipped scenario, every uncertainty drawn from its prior;
- *after, posterior*: the same, with the fitted quantities drawn from a calibration's
  posterior (``escsim calibrate wave_2023 --out DIR``).

Probabilities are given with a 95% Monte Carlo interval; counts and rates with the 5-95%
spread of the trials (the posterior-predictive interval, when a posterior is given).

    python benchmarks/visit_report.py --posterior cal [--trials 10000] [--days 190]
"""

from __future__ import annotations

import argparse
from typing import Any

import numpy as np

import sim
from sim.scenario.vocabulary import DECISIONS, LADDER

NEW = ("deterrence", *DECISIONS)
BEFORE: dict[str, Any] = {
    **{f"mechanisms.{k}": False for k in NEW},
    "params.lapse_base": {
        "value": 0.0033,
        "unit": "probability",
        "source": {"assumption": "before issue 15"},
        "uncertainty": {"lognormal": {"median": 0.0033, "sd_log": 0.5, "high": 0.05}},
    },
    "params.campaign_rate": {
        "value": 1.8,
        "unit": "rate",
        "source": {"assumption": "before issue 15"},
        "uncertainty": {"lognormal": {"median": 1.8, "sd_log": 0.06}},
    },
}
RUNG = {r.key: k for k, r in enumerate(LADDER)}


def share(x: np.ndarray) -> str:
    """A probability's mean and 95% interval over the trials that define it."""
    x = x[~np.isnan(x)]
    m = float(x.mean())
    se = float(np.sqrt(m * (1 - m) / x.size))
    return f"{m:.3f} [{max(m - 1.96 * se, 0):.3f}, {min(m + 1.96 * se, 1):.3f}]"


def spread(x: np.ndarray) -> str:
    """A quantity's mean and the 5-95% spread of its trials."""
    x = x[~np.isnan(x)]
    lo, hi = np.quantile(x, [0.05, 0.95])
    return f"{x.mean():.3g} ({lo:.3g} to {hi:.3g})"


def rows(r: sim.Results, visit: bool, days: int) -> dict[str, str]:
    """The table's rows for one run."""
    pt, rung = r.per_trial, r.per_trial("max_rung")
    nujaba = r.block.by_group[list(r.scenario.spec.militias).index("harakat_al_nujaba")]
    dash = "no directive"
    return {
        "attacks a day": spread(pt("attacks_per_day")),
        "holdouts' share of attacks after the directive": (
            spread(pt("holdout_share_after_directive")) if visit else dash
        ),
        "P(attacks resume within 90 days)": share(pt("p_resume_90d")) if visit else dash,
        "P(attacks resume within 180 days)": share(pt("p_resume_180d")) if visit else dash,
        f"U.S. strike days in {days}": spread(pt("us_strikes_per_day") * days),
        "P(another U.S. death)": share(pt("p_us_fatality")),
        "P(a commander killed)": share(pt("p_leadership_strike")),
        "P(rung 6 or higher: a mass retaliation, or past it)": share(
            (rung >= RUNG["mass_strike"]) * 1.0
        ),
        "P(U.S. strike on Iran)": share(pt("p_strike_on_iran")),
        "P(Iran answers it: rung 8 or 9)": share((rung >= RUNG["iran_proxies"]) * 1.0),
        "P(withdrawal agreement)": share(pt("p_withdrawal_agreement")),
        "Nujaba's attacks a day": spread(nujaba),
    }


def main() -> None:
    """Run the three comparisons and print the table."""
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--posterior", help="a calibration's results folder")
    ap.add_argument("--trials", type=int, default=10_000)
    ap.add_argument("--days", type=int, default=190)  # 180 days watched after a day-2 directive
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args()
    ways: list[tuple[str, dict[str, Any], str | None]] = [
        ("before", BEFORE, None),
        ("after, prior", {}, None),
    ]
    if args.posterior:
        ways.append(("after, posterior", {}, args.posterior))
    table: dict[str, dict[str, str]] = {}
    for label, patch, posterior in ways:
        for name in ("qaani_visit", "no_visit"):
            sc = sim.load_scenario(name).patched(patch)
            r = sim.run(sc, args.trials, args.days, seed=args.seed, posterior=posterior)
            table[f"{name}: {label}"] = rows(r, name == "qaani_visit", args.days)
    columns = list(table)
    print("| quantity | " + " | ".join(columns) + " |")
    print("|---" * (len(columns) + 1) + "|")
    for q in next(iter(table.values())):
        print(f"| {q} | " + " | ".join(table[c][q] for c in columns) + " |")


if __name__ == "__main__":
    main()
