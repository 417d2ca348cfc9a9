"""Prefect deployments of the pipeline: the plan (``spec``), its reconciliation on a server
(``apply``, the ``ringrift deploy`` command), ``prefect.yaml`` (``prefect_yaml``), and base job
templates for Kubernetes and Docker GPU pools (``templates/``). See docs/PIPELINE.md."""
