"""The capture workflow: one module per stage, one ordered list of stages.

    ingest -> prepare -> identify -> recognize -> validate -> verify -> export

Every stage has the signature `run(ctx: TaskContext, svc: Services) -> None`: it reads
what it needs from the database and the store by the ids in `ctx`, does its work, and
commits its results. Stages are idempotent: running one twice gives the same state, so a
worker killed mid-stage costs a retry and nothing else.
"""
