"""What happens when a workflow finishes: ``WAGTAIL_FINISH_WORKFLOW_ACTION``.

Kept in a module with no top-level imports, because Wagtail imports this
function while ``wagtail.models`` itself is still loading.
"""


def finish_workflow(workflow_state, user=None):
    """Publish what a finished workflow approved (``WAGTAIL_FINISH_WORKFLOW_ACTION``).

    No one holds "publish" on action plans, so no one can publish one from the
    editor and skip the sign-offs; the approval of the last task *is* the
    authority to publish, so the permission check is skipped for plans only.
    Everything else is published as Wagtail does by default.
    """
    from wagtail.workflows import publish_workflow_state

    from workflows.models import ActionPlan

    if workflow_state.base_content_type.model_class() is ActionPlan:
        revision = workflow_state.content_object.get_latest_revision()
        revision.publish(user=user, skip_permission_checks=True)
    else:
        publish_workflow_state(workflow_state, user=user)
