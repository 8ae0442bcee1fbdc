"""Regenerate notebooks/quickstart.ipynb (outputs stripped) from the cells below.

Run: .venv/bin/python notebooks/make_quickstart.py
"""

from __future__ import annotations

from pathlib import Path

import nbformat

CELLS = [
    ("md", "# nasbench_kit quickstart\nLoad a table, query it, join two tables, train a predictor, "
           "run a search, plot. Everything here uses the embedded tables (no download)."),
    ("code", "import nasbench_kit as nbk\n\n"
             "sp = nbk.get_space('nb201')\n"
             "a = sp.from_string('|nor_conv_3x3~0|+|nor_conv_3x3~0|avg_pool_3x3~1|+|skip_connect~0|nor_conv_3x3~1|skip_connect~2|')\n"
             "a.index, a.hash, a.iso_hash, sp.to_naslib(a)"),
    ("md", "## Load and query"),
    ("code", "bench = nbk.load('analognas/cifar10')\n"
             "print(bench.metrics)\n"
             "r = bench.query(a, 'test_acc')\n"
             "r.value, r.unit, r.cost"),
    ("code", "import numpy as np\n\n"
             "archs = bench.archs()\n"
             "y = bench.query_many(archs, 'test_acc')\n"
             "len(archs), float(np.nanmax(y))"),
    ("md", "## Join: one GNN architecture, two datasets\n"
           "`nbk.join` matches rows by canonical identity. Here NAS-Bench-Graph accuracy on Cora "
           "meets accuracy on PubMed for the same 26,206 architectures; with NB201 you would join "
           "accuracy with measured latency (`nb201-csv` import of the HELP table)."),
    ("code", "from scipy.stats import spearmanr\n\n"
             "cora, pubmed = nbk.load('nbgraph/cora'), nbk.load('nbgraph/pubmed')\n"
             "both = nbk.join(cora, pubmed)\n"
             "m = [x for x in both.metrics if x.startswith('test_acc')]\n"
             "ga = both.archs()\n"
             "print(len(both), m)\n"
             "spearmanr(both.query_many(ga, m[0]), both.query_many(ga, m[1]), nan_policy='omit').statistic"),
    ("md", "## Predict"),
    ("code", "from scipy.stats import kendalltau\n\n"
             "from nasbench_kit.predictors import XGBPredictor\n\n"
             "p = XGBPredictor(seed=0).fit(archs[:200], y[:200])\n"
             "kendalltau(p.predict(archs[200:2200]), y[200:2200]).statistic"),
    ("md", "## Search with a simulated clock"),
    ("code", "import pandas as pd\n\n"
             "from nasbench_kit.optimizers import OptimizerFactory\n\n"
             "runs = []\n"
             "for name in ['rs', 'rea']:  # nbk.list_optimizers() has them all\n"
             "    df = nbk.run_many(OptimizerFactory(name, bench.space), bench, metric='test_acc',\n"
             "                      max_queries=100, seeds=range(5))\n"
             "    df['optimizer'] = name\n"
             "    runs.append(df)\n"
             "runs = pd.concat(runs)\n"
             "print(runs[['step', 'time', 'arch', 'value', 'incumbent', 'regret', 'provenance']].head(3))\n"
             "runs.groupby(['optimizer', 'seed'])['incumbent'].last().groupby('optimizer').mean()"),
    ("md", "## Plot"),
    ("code", "from nasbench_kit.plots import plot_incumbents\n\n"
             "fig = plot_incumbents(runs, x='step', ylabel='test accuracy (%)', title='analognas/cifar10')"),
]


def main() -> None:
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    for kind, src in CELLS:
        nb.cells.append(nbformat.v4.new_markdown_cell(src) if kind == "md" else nbformat.v4.new_code_cell(src))
    out = Path(__file__).with_name("quickstart.ipynb")
    nbformat.write(nb, out)
    print(f"wrote {out}")


if __name__ == "__main__":
    main()
