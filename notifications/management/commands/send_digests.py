from django.core.management.base import BaseCommand

from notifications.digest import send_digests


class Command(BaseCommand):
    help = (
        "E-mail each mentor the week's changes of their mentees. Once per mentor and ISO week, "
        "so it can run daily or weekly from cron."
    )

    def handle(self, *args, **options) -> None:
        sent, skipped = send_digests()
        self.stdout.write(f"{sent} digest(s) sent, {skipped} already sent this week")
