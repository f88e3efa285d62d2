"""``python -m decnet.cli``: the same as the ``decnet`` console script."""

from decnet.cli.app import main

main()
