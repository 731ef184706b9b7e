"""Everything that touches files or the network: embedded SCB data, input templates, SCB's API.

The model core (``calculator.*`` outside this package) never imports from here.
"""
