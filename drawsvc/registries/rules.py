"""Stable rule ids of the registries (docs/specs/registries.md §4). Errors carry these ids."""

from __future__ import annotations

# General field rules
REQUIRED = "RG-01"  # a required field is empty
TEXT = "RG-02"  # text too long or containing control characters
ENUM = "RG-03"  # value not in the closed list for the field
DATE = "RG-04"  # not a date (YYYY-MM-DD) / date order wrong
INTEGER = "RG-05"  # not an integer in range
CODE_FORMAT = "RG-06"  # public identifier format (department, item, inspector, pool, expert codes)
# Targets
USCC_FORMAT = "RG-07"  # 18 characters of the GB 32100 set, region digits
USCC_CHECK = "RG-08"  # GB 32100-2015 check character
USCC_AUTHORITY = "RG-40"  # position 1 is an allocated registration-authority code (表 1)
REGION_CODE = "RG-09"  # 6-digit 行政区划代码
CREDIT_CLASS = "RG-10"  # A/B/C/D
RISK_FLAG = "RG-11"  # one of the four risk flags
DUPLICATE = "RG-12"  # the same public identifier twice in one file
UNKNOWN_REFERENCE = "RG-13"  # unknown department, pool, person or record
STATUS_TRANSITION = "RG-14"  # a status change the life cycle does not allow
# Check items
RATIO_BP = "RG-15"  # basis points 1..10000 (min ratio, risk-class ratios)
FREQUENCY = "RG-16"  # min frequency >= 1, cap per target >= 1
# Inspectors and private fields
CERTIFICATE_EXPIRED = "RG-17"  # an active inspector needs an unexpired enforcement certificate
PHONE = "RG-18"  # phone number format (value never echoed)
ID_NUMBER = "RG-19"  # GB 11643-1999 ID number (value never echoed)
ID_BIRTH_MISMATCH = "RG-20"  # ID number and birth date disagree
# Expert pools and experts
POOL_RULES = "RG-21"  # pool configuration (age limits, min years, groups)
AGE_LIMIT = "RG-22"  # over the pool's age limit (exempt titles have their own limit)
MIN_YEARS = "RG-23"  # too few years in the field
TITLE = "RG-24"  # title not accepted by the pool
GROUPS = "RG-25"  # groups must be non-empty and within the pool's groups
TERM = "RG-26"  # term is at most term_years (3) long and ends after it starts
NOTICE_PERIOD = "RG-27"  # admission only after >= 5 working days of public notice
ANONYMOUS_OBJECTION = "RG-28"  # objections must be named and written
OBJECTION_WINDOW = "RG-29"  # objections only during the notice period
OBJECTION_PENDING = "RG-30"  # admission waits for every objection to be decided (30 working days)
OBJECTION_UPHELD = "RG-31"  # an upheld objection stops admission
EVALUATION = "RG-32"  # grade 优秀/良好/一般/差; second 差 in one term flags exit
INVITATIONS = "RG-33"  # three consecutive unanswered invitations flag exit
EXIT_REASON = "RG-34"  # exit reason from the closed list; flagged exits need a person
# Declarations
DECLARATION = "RG-35"  # kind, person and validity dates of an interest declaration
DECLARATION_OPENING = "RG-38"  # a declaration row opens its logged commitment (discipline office)
# Calendar and scope
CALENDAR = "RG-36"  # working days only inside the calendar's coverage
# RG-39: a stored deadline is binding and keeps its calendar_version; provisional estimates are
# refused with the calendar's own rule id ``calendar.provisional-not-binding``.
DEPARTMENT_SCOPE = "RG-37"  # a department acts only on its own records
