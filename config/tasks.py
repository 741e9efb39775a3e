from celery import shared_task

from config.services import job_heartbeat_record

HEARTBEAT = "platform-heartbeat"


@shared_task(name="config.tasks.heartbeat", bind=True)
def heartbeat(self) -> dict:
    """A beat job whose only work is to show that beat, the broker and a worker are alive."""
    record = job_heartbeat_record(name=HEARTBEAT, worker=self.request.hostname or "")
    return {
        "name": record.name,
        "last_run_at": record.last_run_at.isoformat(),
        "run_count": record.run_count,
    }
