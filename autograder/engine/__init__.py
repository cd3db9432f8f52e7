"""The grading engine: everything needed to grade one submission, and nothing about classes.

``exercises`` (the registry: each chapter's cases, points and diagnoses) and ``exercise`` (what an
exercise is); ``notebook`` picks the code to grade out of a submission; ``sandbox`` runs ``runner``
on it in an isolated process; ``judge`` compares the runner's plain-data outputs with the reference
and explains the first failure; ``grade`` does all of that for one notebook; ``check`` does it inside
a notebook's own kernel for nbgrader. Nothing here imports ``autograder.classroom`` or
``autograder.publishing``.
"""
