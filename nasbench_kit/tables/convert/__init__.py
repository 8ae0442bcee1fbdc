"""Converters: one module per upstream format, each turning files into a ``TableData``.

A converter module ``convert/<format with - as _>.py`` exposes ``FORMAT`` (its
format name, e.g. ``"nb201-pth"``) and ``convert(path, name=None, **options) ->
TableData``. It reads upstream files only through ``tables._safe_pickle`` (never
plain ``pickle``), never imports upstream package code, and never writes the
store: ``tables.registry.import_table`` does that.

>>> from nasbench_kit.tables.registry import get_converter
>>> get_converter("analognas").FORMAT
'analognas'
"""
