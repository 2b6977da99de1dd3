"""Model cards: recording trained model versions (``ModelRun``) and the pages that show them.

Every predictive model (CLV, churn, recommendations, campaign response) records one
``ModelRun`` per training through ``model_run_create`` and gets the list and card pages
(``/analytics/models/``) without custom code, charts included (see ``charts.py``).
"""
