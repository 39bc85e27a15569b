"""Calibration: what the readers' scores mean, learnt from what operators did.

    procedure  numpy: labelled scores -> curves, thresholds, Clopper-Pearson bounds
    certify    a level per group of fields sharing a max_error and per style (typed, hand)
    fit        a fitted application (JSON): build one, look thresholds up
    labels     labels from the audit log (field.verify / field.set) and truth sets
    store      fit files under <home>/calibration, re-read when they change
    refit      refit an application now, or in the server's background

docs/calibration.md explains the procedure and its guarantee.
"""
