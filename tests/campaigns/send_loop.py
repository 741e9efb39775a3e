"""A send loop in its own process, for the crash test: ``python -m tests.campaigns.send_loop``.

Sends due messages in small batches until none is left; the test SIGKILLs it mid-batch.
"""

import os

import django


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tests.campaigns.worker_settings")
    django.setup()
    from campaigns.services import message_send_due

    worker = f"send-loop-{os.getpid()}"
    while message_send_due(batch_size=int(os.environ.get("BATCH", "10")), worker=worker).claimed:
        pass


if __name__ == "__main__":
    main()
