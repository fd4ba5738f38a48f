import pytest

from attendance import heartbeats


@pytest.fixture
def no_jobs_run():
    """Redis outlives a test: start and end with no job recorded as run."""
    for job in (heartbeats.HEARTBEAT, heartbeats.FIRST_DAY_CALLING):
        heartbeats.forget(job)
    yield
    for job in (heartbeats.HEARTBEAT, heartbeats.FIRST_DAY_CALLING):
        heartbeats.forget(job)
