from django.db import transaction
from django.db.models import F
from django.utils import timezone

from config.models import JobHeartbeat


def job_heartbeat_record(*, name: str, worker: str = "") -> JobHeartbeat:
    """Record that job ``name`` ran now. Safe under concurrent workers: the count moves with F()."""
    now = timezone.now()
    with transaction.atomic():
        heartbeat, created = JobHeartbeat.objects.get_or_create(
            name=name, defaults={"last_run_at": now, "run_count": 1, "worker": worker}
        )
        if not created:
            JobHeartbeat.objects.filter(pk=name).update(
                last_run_at=now, run_count=F("run_count") + 1, worker=worker
            )
            heartbeat.refresh_from_db()
    return heartbeat


@transaction.atomic
def staff_user_ensure(*, username: str, role: str, password: str, email: str = ""):
    """Create a staff user in ``role``'s group if missing (an existing user's password is kept)."""
    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Group

    from config.roles import OWNER

    user, created = get_user_model().objects.get_or_create(
        username=username, defaults={"email": email, "is_staff": True}
    )
    if created:
        user.set_password(password)
        user.is_superuser = role == OWNER
        user.save(update_fields=["password", "is_superuser"])
    user.groups.add(Group.objects.get(name=role))
    return user
