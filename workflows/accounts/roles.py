"""The PD roles, as Wagtail groups an administrator assigns in the user screens.

Editors use Wagtail's own "Editors" group. The three PD roles are created by the
data migration ``0001_roles``; their names live here so code and migration agree.
"""

HUB_LEADS = "Hub leads"
SPECIALISTS = "Mastery Specialists"
SCHOOL_LEADERS = "School leaders"

PD_ROLES = (HUB_LEADS, SPECIALISTS, SCHOOL_LEADERS)
