"""Celery tasks of the regency app: thin wrappers over regency.evidence."""

from celery import shared_task

from mpp_portal.jobs.tasks import JobTask


@shared_task(name="regency.tasks.build_evidence_pack", base=JobTask)
def build_evidence_pack(pack_id):
    """Build the MCP evidence pack ``pack_id`` (enqueued by ``pack_request``).

    A failed build is recorded on the pack (status failed, with the
    message) and is not retried: the admin reads why and asks again.
    """
    from regency.evidence import pack_build

    return pack_build(pack_id=pack_id)
