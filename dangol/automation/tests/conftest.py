"""Automation tests run tasks inline (the immediate backend), as a worker would."""

from __future__ import annotations

import pytest


@pytest.fixture(autouse=True)
def tasks_inline(settings):
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}


@pytest.fixture
def committed(django_capture_on_commit_callbacks):
    """Run the block's after-commit work (events, tasks) as a real commit would."""

    def run():
        return django_capture_on_commit_callbacks(execute=True)

    return run
