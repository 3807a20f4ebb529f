"""The risk engine: read a GP extract, compute features, score, explain. Never imports Django.

The public entry points live in :mod:`oppfolging.risk.engine`; ``python -m oppfolging.risk``
runs the command line in :mod:`oppfolging.risk.cli`.
"""
