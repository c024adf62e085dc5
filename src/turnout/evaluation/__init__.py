"""Quality evaluations on the data sets in ``data/`` (routing: RouteLLM MMLU; pii: presidio-research).

Submodules are imported on demand (``turnout.evaluation.pii``, ``turnout.evaluation.routing``):
they pull in numpy / matplotlib, which ``import turnout`` must not.
"""
