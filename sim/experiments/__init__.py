"""Experiments: runs and their seeds, designs, executors, campaigns, summaries, and the results folder.

``commands`` holds run, compare and sweep; ``campaign`` executes a plan of
runs into a folder (resumable); ``runs`` is one replication; ``statistics``
summarises over replications; ``results`` and ``records_file`` write what
they produce.
"""
