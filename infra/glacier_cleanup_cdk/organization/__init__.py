"""The organization mode (docs/organization.md): one hub stack cleans every account and region of an AWS
Organization; a member-role stack, deployed by the hub's StackSet into every member account.

- hub_stack.py      the hub: composes the pieces below with the shared constructs of infra/
- fan_out.py        the state machine: plan -> Distributed Map of continuation loops -> summary
- functions.py      the planner and summary functions
- results_bucket.py where the targets, the per-target results and the summary go
- member_role.py    the member role stack (no assets: its template is the StackSet's body)
- stack_set.py      the service-managed StackSet with auto-deployment
- access.py         the hub function's permission to assume the member role, and nothing else
- alarms.py         the organization's alarms (summary metrics, executions, failed runs)
"""
