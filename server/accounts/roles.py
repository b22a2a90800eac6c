"""Who may do what, by role: every named set of roles in one place.

Plain strings, no Django: the pure rules (`server/*/rules.py`) read these too. The roles
themselves are `Role` in `server/accounts/models.py` (it asserts that the two agree). Each
purpose keeps its own name, so the places that ask stay readable, and a change of policy is
one line here.
"""

from __future__ import annotations

CARER, KITCHEN, NURSE, MANAGER, ADMIN = "carer", "kitchen", "nurse", "manager", "admin"
ALL_ROLES = frozenset({CARER, KITCHEN, NURSE, MANAGER, ADMIN})

# The two groups every set below is made of.
MANAGERS = frozenset({MANAGER, ADMIN})
CLINICAL_ROLES = frozenset({NURSE}) | MANAGERS  # record any medicine (carers: see meds/rules.py)

# See and act in the whole facility; the others are limited to their areas.
FACILITY_WIDE_ROLES = CLINICAL_ROLES
# The actions of `sync.registry.permits` (`MANAGER_ACTIONS`, server/accounts/services.py):
# resolve conflicts, revoke devices, watch the dashboard, manage the facility in /admin/.
MANAGER_ACTION_ROLES = MANAGERS
# Correct a resident's details and record transfers (resident.update / resident.transfer).
RESIDENT_EDITOR_ROLES = CLINICAL_ROLES
# Void a record (record.void), unless its type names its own.
VOID_ROLES = CLINICAL_ROLES
# Receive, count and adjust medicine stock; open the stock report and the controlled register.
STOCK_ROLES = CLINICAL_ROLES
# Keep the kitchen's records (food samples, checks, fridge readings) and hold a sample.
FOOD_ROLES = frozenset({KITCHEN}) | CLINICAL_ROLES
# End a sample's hold (suspected food poisoning): not the kitchen that cooked it.
SAMPLE_RELEASE_ROLES = CLINICAL_ROLES
# Open the monthly report, its exports and the letterhead papers.
REPORT_ROLES = MANAGERS
# Open the food-safety forms (the three-step check, the sample log).
FOOD_FORM_ROLES = frozenset({KITCHEN}) | MANAGERS
