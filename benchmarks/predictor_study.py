"""Predictor study: how well do the predictors rank unseen architectures?

Runs :func:`nasbench_kit.study.predictor_study` (leakage-safe: train and test
never share an isomorphism class) on:

- ``nb201-c10``: NB201 CIFAR-10 (``cifar10-valid``) 200-epoch validation
  accuracy, seed-averaged (imported with the ``nb201-csv`` converter), every
  predictor, test = the rest of the space;
- ``analognas``: the embedded ``analognas/cifar10`` table, ``test_acc``;
- ``nb201-12ep-c100`` / ``nb201-12ep-in16``: NB201 12-epoch validation
  accuracy on CIFAR-100 and ImageNet16-120;
- ``nbgraph-cora`` / ``nbgraph-citeseer`` / ``nbgraph-pubmed``: NAS-Bench-Graph
  validation accuracy (2,000 held-out test archs per run);
- ``latency``: HELP's NB201 latencies on 27 devices: predictors at n=100
  against FLOPs/params baselines, and few-shot transfer to unseen devices.

Train sizes 10, 20, 50, 100, 200, 500, 1000 with 5 seeds (``--quick``: 10, 50,
100 with 2 seeds and the fast predictors). Writes CSV, PNG and the headline
table ``predictor_study.md`` under ``benchmarks/results/``.

Run: ``python benchmarks/predictor_study.py [--quick] [--parts nb201-c10,latency]``.
The full run takes about an hour on 2 busy cores (NB201 CIFAR-10 with the
neural predictors alone: ~30 min). ``--predictors gp`` reruns one predictor
and replaces its rows; ``--scatter-only`` redraws the scatter figures;
``--report-only`` rebuilds ``predictor_study.md`` from the CSVs.
"""

from __future__ import annotations

import argparse
import ast
import json
import platform
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from nasbench_kit.study import SPLITS

REPO = Path(__file__).resolve().parents[1]
DEFAULT_DATA = REPO.parent / "shared" / "data"
DEFAULT_OUT = REPO / "benchmarks" / "results"
SIZES = [10, 20, 50, 100, 200, 500, 1000]
QUICK_SIZES = [10, 50, 100]
# Six devices of different kinds, held out together for the transfer study.
HELD_OUT_DEVICES = ["titan_rtx_256", "gold_6226", "fpga", "pixel2", "raspi4", "eyeriss"]

ACC_PARTS: dict[str, dict[str, Any]] = {
    "nb201-c10": {"table": "nb201/cifar10-valid", "metric": "val_acc", "test": None,
                  "file": "nb201/nb201_cifar10-valid_200ep_seedavg.csv", "options": {},
                  "full": True, "label": "NB201 CIFAR-10 val acc (200 ep)"},
    "analognas": {"table": "analognas/cifar10", "metric": "test_acc", "test": None,
                  "label": "AnalogNAS CIFAR-10 test acc"},
    "nb201-12ep-c100": {"table": "nb201-12ep/cifar100", "metric": "val_acc", "test": None,
                        "file": "nb201/nb201_12ep_accuracy.csv",
                        "options": {"dataset": "cifar100"},
                        "label": "NB201 CIFAR-100 val acc (12 ep)"},
    "nb201-12ep-in16": {"table": "nb201-12ep/imagenet16-120", "metric": "val_acc", "test": None,
                        "file": "nb201/nb201_12ep_accuracy.csv",
                        "options": {"dataset": "imagenet"},
                        "label": "NB201 ImageNet16-120 val acc (12 ep)"},
    **{f"nbgraph-{ds}": {"table": f"nbgraph/{ds}", "metric": "val_acc", "test": 2000,
                         "label": f"NAS-Bench-Graph {ds} val acc"}
       for ds in ("cora", "citeseer", "pubmed")},
}  # fmt: skip
PARTS = [*ACC_PARTS, "latency"]


def load_table(part: dict[str, Any], data: Path) -> Any:
    import nasbench_kit as nbk

    if "file" in part:
        nbk.import_table("nb201-csv", data / part["file"], name=part["table"], **part["options"])
    return nbk.load(part["table"])


def accuracy_predictors(full: bool, quick: bool) -> dict[str, Any]:
    from nasbench_kit.predictors import (
        EnsemblePredictor,
        GCNPredictor,
        GINPredictor,
        GPPredictor,
        LinearPredictor,
        MLPPredictor,
        RandomForestPredictor,
        XGBPredictor,
    )  # fmt: skip

    preds: dict[str, Any] = {
        "xgb": XGBPredictor(), "rf": RandomForestPredictor(), "linear": LinearPredictor(),
    }  # fmt: skip
    if quick:
        return preds
    preds["ensemble"] = EnsemblePredictor(XGBPredictor(), n_members=5)
    preds["gp"] = GPPredictor()
    if full:
        preds.update(mlp=MLPPredictor(), gin=GINPredictor(), gcn=GCNPredictor())
    return preds


def run_accuracy(name: str, data: Path, out: Path, sizes: list[int], seeds: int,
                 quick: bool, only: list[str] | None = None,
                 scatter_only: bool = False, split: str = "iso") -> pd.DataFrame:  # fmt: skip
    from nasbench_kit.study import predictor_study

    part = ACC_PARTS[name]
    tag = name if split == "iso" else f"{name}-{split}"  # output file names
    bench = load_table(part, data)
    preds = accuracy_predictors(part.get("full", False), quick)
    if only is not None:
        preds = {k: v for k, v in preds.items() if k in only}
    scatter: dict[str, tuple[np.ndarray, np.ndarray]] = {}

    def keep(pred_name: str, n: int, seed: int, y: np.ndarray, p: np.ndarray) -> None:
        if n == 100 and seed == 0:
            scatter[pred_name] = (y, p)

    if scatter_only:  # just the n=100, seed 0 runs behind the scatter plot
        predictor_study(bench, part["metric"], preds, [100], [0], test=part["test"],
                        on_predictions=keep, split=split)  # fmt: skip
        plot_scatter(scatter, part["label"], out / f"predictor_study_{tag}_scatter.png")
        return pd.DataFrame()
    t0 = time.perf_counter()
    df = predictor_study(bench, part["metric"], preds, sizes, seeds, test=part["test"],
                         on_predictions=keep, split=split)  # fmt: skip
    print(f"[{name}] {len(df)} runs in {time.perf_counter() - t0:.0f} s; "
          f"{df.attrs['split_note']}", flush=True)  # fmt: skip
    df.insert(0, "part", name)
    csv = out / f"predictor_study_{tag}.csv"
    if only is not None and csv.exists():  # replace just these predictors' rows
        old = pd.read_csv(csv)
        df = pd.concat([old[~old.predictor.isin(only)], df], ignore_index=True)
    df.to_csv(csv, index=False)
    plot_tau(df, part["label"], out / f"predictor_study_{tag}_tau.png")
    if scatter and only is None:  # a partial rerun keeps the full scatter figure
        plot_scatter(scatter, part["label"], out / f"predictor_study_{tag}_scatter.png")
    return df


# ---- latency ----------------------------------------------------------------------------
def flops_params(bench: Any, data: Path) -> tuple[dict[str, list[float]], str]:
    """FLOPs and params of every NB201 cell, from NB201's own figures.

    NASLib's zero-cost file lists NB201's FLOPs/params for 725 cells; both are
    (close to) linear in the op counts, so a least-squares fit on those cells
    gives them for all 15,625. Returns ``{hash: [flops, params]}`` and a note.
    """
    space = bench.space
    raw = json.loads((data / "nb201" / "naslib_zc_nasbench201.json").read_text())["cifar10"]

    def counts(arch: Any) -> list[float]:
        ops = arch.ops
        return [1.0, *(float(ops.count(o)) for o in space.op_names[1:])]

    A, F, P = [], [], []
    for key, rec in raw.items():
        A.append(counts(space.from_naslib(ast.literal_eval(key))))
        F.append(rec["flops"]["score"])
        P.append(rec["params"]["score"])
    A_ = np.array(A)
    cf = np.linalg.lstsq(A_, np.array(F), rcond=None)[0]
    cp = np.linalg.lstsq(A_, np.array(P), rcond=None)[0]
    err_f = float(np.abs(A_ @ cf - F).max())
    err_p = float(np.abs(A_ @ cp - P).max())
    table = {a.hash: [float(np.dot(counts(a), cf)), float(np.dot(counts(a), cp))]
             for a in bench.archs()}  # fmt: skip
    note = (
        f"FLOPs/params of all cells from a linear fit on op counts to NB201's figures for "
        f"{len(A)} cells (max abs error {err_f:.2f} MFLOPs, {err_p:.1e} M params)"
    )
    return table, note


def run_latency(data: Path, out: Path, seeds: int, quick: bool) -> pd.DataFrame:
    from scipy.stats import spearmanr

    from nasbench_kit.predictors import FeaturePredictor, LinearPredictor, XGBPredictor
    from nasbench_kit.predictors._defaults import tabular_encoder
    from nasbench_kit.study import latency_transfer_study, predictor_study

    bench = load_table({"table": "nb201-help/latency", "file": "nb201/nb201_latency_ms_help.csv",
                        "options": {}}, data)  # fmt: skip
    fp, note = flops_params(bench, data)
    archs = bench.archs()
    flops = np.array([fp[a.hash][0] for a in archs])
    devices = list(bench.metrics)
    if quick:
        devices = [f"latency_{d}" for d in HELD_OUT_DEVICES]
    preds = {
        "linear (one-hot)": LinearPredictor(), "xgb (structure)": XGBPredictor(),
        "flops+params (xgb)": FeaturePredictor(fp),
        "xgb + flops/params": FeaturePredictor(fp, encoder=tabular_encoder()),
    }  # fmt: skip
    held = [f"latency_{d}" for d in HELD_OUT_DEVICES]
    frames = []
    t0 = time.perf_counter()
    for dev in devices:
        y = bench.query_many(archs, dev)
        df = predictor_study(bench, dev, preds, [100], seeds, test=None)
        zero = {"predictor": "FLOPs rank (no training)", "train_size": 0, "seed": 0,
                "spearman": float(spearmanr(flops, y)[0]), "n_test": len(y)}  # fmt: skip
        runs = {"n=100": df,
                "no training": pd.DataFrame([zero]),
                "transfer, 10 shots, other 26 devices":
                    latency_transfer_study(bench, dev, shots=10, seeds=seeds)}  # fmt: skip
        if dev in held:
            src = [m for m in bench.metrics if m not in held]
            runs["transfer, 10 shots, 21 devices (6 held out)"] = latency_transfer_study(
                bench, dev, sources=src, shots=10, seeds=seeds
            )
        for setting, frame in runs.items():
            frame.insert(0, "device", dev)
            frame.insert(0, "setting", setting)
            frames.append(frame)
        print(f"[latency] {dev} done ({time.perf_counter() - t0:.0f} s)", flush=True)
    res = pd.concat(frames, ignore_index=True)
    res.attrs["note"] = note
    res.to_csv(out / "predictor_study_latency.csv", index=False)
    (out / "predictor_study_latency_note.txt").write_text(note + "\n")
    plot_latency(res, out / "predictor_study_latency.png")
    return res


# ---- plots --------------------------------------------------------------------------------
def plot_tau(df: pd.DataFrame, title: str, path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(6.5, 4.2))
    for name, g in df.groupby("predictor", sort=False):
        s = g.groupby("train_size")["kendall_tau"].agg(["mean", "std"])
        ax.errorbar(s.index, s["mean"], yerr=s["std"].fillna(0), marker="o", ms=3,
                    capsize=3, label=name)  # fmt: skip
    ax.set_xscale("log")
    ax.set_xlabel("training architectures")
    ax.set_ylabel("Kendall tau on held-out archs")
    ax.set_title(title, fontsize=10)
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8, ncol=2)
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)


def plot_scatter(data: dict[str, tuple[np.ndarray, np.ndarray]], title: str, path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    names = list(data)[:4]
    fig, axes = plt.subplots(1, len(names), figsize=(3.2 * len(names), 3.2), squeeze=False)
    for ax, name in zip(axes[0], names):
        y, p = data[name]
        ax.scatter(y, p, s=2, alpha=0.3)
        ax.set_title(f"{name} (n=100, seed 0)", fontsize=9)
        ax.set_xlabel("true")
        ax.set_ylabel("predicted")
    fig.suptitle(title, fontsize=10)
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)


def plot_latency(res: pd.DataFrame, path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    table = res.groupby(["device", "predictor"])["spearman"].mean().unstack()
    fig, ax = plt.subplots(figsize=(11, 4.2))
    table.plot.bar(ax=ax, width=0.8)
    ax.set_ylim(0.0, 1.0)
    ax.set_ylabel("Spearman (mean over seeds)")
    ax.set_xticklabels([t.get_text().replace("latency_", "") for t in ax.get_xticklabels()],
                       fontsize=7)  # fmt: skip
    ax.legend(fontsize=7, ncol=3)
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)


# ---- headline table --------------------------------------------------------------------------
def _ms(s: pd.Series) -> str:
    return f"{s.mean():.3f} ± {s.std(ddof=0):.3f}" if len(s) else "-"


def markdown(acc: list[pd.DataFrame], lat: pd.DataFrame | None, args: argparse.Namespace) -> str:
    lines = ["# Predictor study", "",
             f"Generated by `benchmarks/predictor_study.py{' --quick' if args.quick else ''}` "
             f"({args.seeds} seeds; Python {platform.python_version()}, "
             f"{platform.machine()}). Train and test never share an isomorphism class; "
             "test = the rest of the table (NAS-Bench-Graph: 2,000 held-out archs). "
             "Values are mean ± std over seeds.", ""]  # fmt: skip
    for df in acc:
        part = df["part"].iloc[0]
        sizes = sorted(df["train_size"].unique())
        lines += [f"## {ACC_PARTS[part]['label']} — Kendall tau", "",
                  "| predictor | " + " | ".join(f"n={n}" for n in sizes) + " |",
                  "|---|" + "---|" * len(sizes)]  # fmt: skip
        for name, g in df.groupby("predictor", sort=False):
            cells = [_ms(g[g.train_size == n]["kendall_tau"]) for n in sizes]
            lines.append(f"| {name} | " + " | ".join(cells) + " |")
        cost = df.groupby(["predictor", "train_size"])[["fit_seconds", "predict_seconds"]].mean()
        big = max(sizes)
        lines += ["", f"Mean fit / predict seconds at n=500 and n={big} "
                  f"(predict over {int(df['n_test'].median())} archs):", ""]  # fmt: skip
        for name in df["predictor"].unique():
            for n in sorted({min(500, big), big}):
                if (name, n) in cost.index:
                    f, p = cost.loc[(name, n)]
                    lines.append(f"- {name}, n={n}: fit {f:.2f} s, predict {p:.2f} s")
        lines.append("")
    if lat is not None:
        lines += ["## HELP latency (NB201, 27 devices) — Spearman", "",
                  "| setting | predictor | mean over devices | min | devices |",
                  "|---|---|---|---|---|"]  # fmt: skip
        per_dev = lat.groupby(["setting", "predictor", "device"])["spearman"].mean()
        for (setting, name), s in per_dev.groupby(level=[0, 1]):
            lines.append(f"| {setting} | {name} | {s.mean():.3f} | {s.min():.3f} | {len(s)} |")
        held = lat[lat.setting.str.contains("held out")]
        if len(held):
            lines += [
                "",
                "Held-out transfer per device (transfer predictor, 10 shots): "
                + ", ".join(
                    f"{d.replace('latency_', '')} {v:.3f}"
                    for d, v in held[held.predictor == "transfer"]
                    .groupby("device")["spearman"]
                    .mean()
                    .items()
                ),
            ]
        n95 = per_dev.loc["n=100"].groupby(level=0).apply(lambda x: (x >= 0.95).sum())
        lines += [
            "",
            "Devices with Spearman >= 0.95 at n=100: "
            + ", ".join(f"{k} {v}/{len(lat.device.unique())}" for k, v in n95.items()),
            "",
            "Rows: `linear (one-hot)` = `LinearPredictor` (ridge on the adjacency one-hot); "
            "`xgb (structure)` = `XGBPredictor` defaults; `flops+params (xgb)` = "
            "`FeaturePredictor` on FLOPs and params only; `transfer` = `FeaturePredictor"
            "(model='linear')`: ridge of log target latency on the log latencies of the source "
            "devices, fitted on the 10 measured archs (`structure` = XGB on those 10 alone). "
            "The phones report whole milliseconds, so their rankings hold many ties. "
            "Timings were taken on a shared, busy 2-core machine.",
            "",
            lat.attrs.get("note", ""),
            "",
        ]
    return "\n".join(lines)


def report_only(args: argparse.Namespace) -> int:
    """Write ``predictor_study.md`` from every part's CSV found in ``args.out``."""
    acc = [pd.read_csv(args.out / f"predictor_study_{p}.csv") for p in ACC_PARTS
           if (args.out / f"predictor_study_{p}.csv").exists()]  # fmt: skip
    lat = None
    if (args.out / "predictor_study_latency.csv").exists():
        lat = pd.read_csv(args.out / "predictor_study_latency.csv")
        note = args.out / "predictor_study_latency_note.txt"
        lat.attrs["note"] = note.read_text().strip() if note.exists() else ""
    md = args.out / "predictor_study.md"
    md.write_text(markdown(acc, lat, args))
    print(md.read_text())
    return 0


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="sizes 10/50/100, 2 seeds, fast models")
    ap.add_argument("--parts", default=",".join(PARTS), help=f"comma list from {PARTS}")
    ap.add_argument("--seeds", type=int, default=None, help="seeds per setting (default 5)")
    ap.add_argument("--data", type=Path, default=DEFAULT_DATA, help="the shared data folder")
    ap.add_argument("--out", type=Path, default=DEFAULT_OUT)
    ap.add_argument(
        "--predictors",
        default=None,
        help="comma list: rerun only these accuracy predictors and replace their "
        "rows in the existing CSVs (e.g. after changing one default)",
    )
    ap.add_argument(
        "--scatter-only",
        action="store_true",
        help="only redraw the predicted-vs-true figures (n=100, seed 0)",
    )
    ap.add_argument(
        "--report-only",
        action="store_true",
        help="rebuild predictor_study.md from the CSVs already in --out",
    )
    ap.add_argument(
        "--split",
        default="iso",
        choices=SPLITS,
        help="test-set protocol of nasbench_kit.study.predictor_study: 'iso' (leakage-safe, "
        "default) or 'random' (NASLib's; outputs get a '-random' suffix)",
    )
    args = ap.parse_args(argv)
    args.seeds = args.seeds or (2 if args.quick else 5)
    parts = [p for p in args.parts.split(",") if p]
    unknown = sorted(set(parts) - set(PARTS))
    if unknown:
        ap.error(f"unknown parts {unknown}; choose from {PARTS}")
    if not args.data.is_dir():
        print(f"data folder {args.data} not found; pass --data", file=sys.stderr)
        return 2
    args.out.mkdir(parents=True, exist_ok=True)
    if args.report_only:
        return report_only(args)
    sizes = QUICK_SIZES if args.quick else SIZES
    only = args.predictors.split(",") if args.predictors else None
    acc = [run_accuracy(p, args.data, args.out, sizes, args.seeds, args.quick, only,
                        args.scatter_only, args.split) for p in parts if p in ACC_PARTS]  # fmt: skip
    if args.scatter_only:
        return 0
    lat = run_latency(args.data, args.out, args.seeds, args.quick) if "latency" in parts else None
    suffix = ("_quick" if args.quick else "") + ("_random" if args.split == "random" else "")
    if len(parts) < len(PARTS):
        suffix += "_" + "_".join(parts)
    md = args.out / f"predictor_study{suffix}.md"
    md.write_text(markdown(acc, lat, args))
    print(md.read_text())
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
